import Core
import Evaluation
import Foundation

/// Reads CSV files into ``Dataset``s: fast (parallel over record-aligned byte ranges, numbers
/// parsed in place), strict (every malformed input is a ``CSVError`` naming file, line and
/// column) and deterministic (the result does not depend on the thread count).
///
/// Conventions: the first non-empty record is the header; an empty field (quoted or not) is a
/// missing value, and only that (`NA`, `None`, `null` are ordinary strings); a column is
/// numeric when every non-empty field is a decimal number, unless ``CSVReadOptions/columnKinds``
/// says otherwise. Categories are sorted by their UTF-8 bytes, so codes do not depend on row
/// order. A UTF-8 byte-order mark is skipped.
public enum CSVReader {
    /// Reads the CSV file at `url`.
    /// - Throws: ``CSVError`` for unreadable or malformed files.
    ///
    /// A regular file is mapped; a pipe or device (`/dev/stdin`, the CLI's `-`) is read to its
    /// end, standard input once per process (so its header and its rows can both be read).
    public static func read(contentsOf url: URL, options: CSVReadOptions = CSVReadOptions()) throws(CSVError) -> Dataset {
        let data = try contents(of: url)
        let result = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<Dataset, CSVError> in
            Result { () throws(CSVError) -> Dataset in
                try read(bytes: raw.bindMemory(to: UInt8.self), fileName: displayName(url), options: options)
            }
        }
        return try result.get()
    }

    /// The column names of the CSV file at `url` (its header row), without reading the rest.
    public static func header(of url: URL) throws(CSVError) -> [String] {
        if !isRegularFile(url) {
            let data = try contents(of: url)
            let result = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<[String], CSVError> in
                Result { () throws(CSVError) -> [String] in try headerOnly(raw.bindMemory(to: UInt8.self), fileName: displayName(url)) }
            }
            return try result.get()
        }
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw CSVError(file: url.path, message: "cannot read the file")
        }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        while true {
            guard let chunk = try? handle.read(upToCount: 65_536), !chunk.isEmpty else { break }
            bytes += chunk
            if let newline = bytes.firstIndex(of: 0x0A), !bytes[..<newline].contains(0x22) { bytes = Array(bytes[...newline]); break }
            if bytes.count > 64 << 20 { break }
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(CSVError) -> [String] in
            try headerOnly(buffer, fileName: url.path)
        }
    }

    private static func headerOnly(_ buffer: UnsafeBufferPointer<UInt8>, fileName: String) throws(CSVError) -> [String] {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { throw CSVError(file: fileName, message: "the file is empty (a header row is needed)") }
        var start = 0
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        let parse = CSVParse(base: base, end: buffer.count, fileName: fileName, options: CSVReadOptions())
        return try parse.headerOnly(from: start)
    }

    /// The name of `url` in messages (`standard input` for `/dev/stdin`).
    static func displayName(_ url: URL) -> String { url.path == "/dev/stdin" ? "standard input" : url.path }

    private static func isRegularFile(_ url: URL) -> Bool {
        var info = stat()
        return stat(url.path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// The bytes of `url`: a regular file mapped, anything else read to its end (standard
    /// input once, then kept).
    static func contents(of url: URL) throws(CSVError) -> Data {
        if url.path == "/dev/stdin" {
            standardInputLock.lock()
            defer { standardInputLock.unlock() }
            if let kept = standardInput { return kept }
            let data = try readToEnd(descriptor: 0, name: "standard input")
            standardInput = data
            return data
        }
        if isRegularFile(url) {
            do {
                return try Data(contentsOf: url, options: .alwaysMapped)
            } catch {
                let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
                throw CSVError(file: url.path, message: "cannot read the file: \(reason)")
            }
        }
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw CSVError(file: url.path, message: "cannot read the file: it is a directory")
        }
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVError(file: url.path, message: "cannot read the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try readToEnd(descriptor: fd, name: url.path)
    }

    private static func readToEnd(descriptor: Int32, name: String) throws(CSVError) -> Data {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]); continue }
            if n == 0 { return Data(bytes) }
            if errno == EINTR { continue }
            throw CSVError(file: name, message: "cannot read: \(String(cString: strerror(errno)))")
        }
    }

    private static let standardInputLock = NSLock()
    nonisolated(unsafe) private static var standardInput: Data?

    /// Reads CSV text held in memory (tests, data received over the network).
    public static func read(text: String, fileName: String = "<memory>", options: CSVReadOptions = CSVReadOptions()) throws(CSVError) -> Dataset {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(CSVError) -> Dataset in
            try read(bytes: buffer, fileName: fileName, options: options)
        }
    }

    /// Reads CSV bytes. `fileName` is used in error messages only.
    public static func read(bytes: UnsafeBufferPointer<UInt8>, fileName: String, options: CSVReadOptions) throws(CSVError) -> Dataset {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw CSVError(file: fileName, message: "the file is empty (a header row is needed)")
        }
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        let parse = CSVParse(base: base, end: bytes.count, fileName: fileName, options: options)
        return try parse.run(from: start)
    }
}

/// The role a CSV column plays in the dataset being built.
enum CSVColumnRole {
    case ignored
    case target
    case weight
    /// A feature parsed as numbers, at this position among the features.
    case numeric(feature: Int)
    /// A feature collected as categories, at this position among the features.
    case categorical(feature: Int)
}

/// One CSV read: header, roles, parallel passes, merge.
struct CSVParse {
    let base: UnsafePointer<UInt8>
    let end: Int
    let fileName: String
    let options: CSVReadOptions

    /// The header's names only.
    func headerOnly(from start: Int) throws(CSVError) -> [String] {
        var tokenizer = CSVTokenizer(bytes: base, start: start, end: end)
        var fields: [CSVFieldSpan] = []
        let found: Bool
        do { found = try tokenizer.nextRecord(into: &fields) } catch { throw locate(error, firstLine: 1, header: []) }
        guard found else { throw CSVError(file: fileName, message: "the file is empty (a header row is needed)") }
        return try headerNames(fields, tokenizer: tokenizer)
    }

    func run(from start: Int) throws(CSVError) -> Dataset {
        var tokenizer = CSVTokenizer(bytes: base, start: start, end: end)
        var headerFields: [CSVFieldSpan] = []
        let hasHeader: Bool
        do { hasHeader = try tokenizer.nextRecord(into: &headerFields) } catch { throw locate(error, firstLine: 1, header: []) }
        guard hasHeader else {
            throw CSVError(file: fileName, message: "the file is empty (a header row is needed)")
        }
        let header = try headerNames(headerFields, tokenizer: tokenizer)
        let dataStart = tokenizer.position
        let firstDataLine = tokenizer.currentLine
        var (roles, featureNames) = try assignRoles(header)

        let threads = max(1, options.threads ?? defaultThreadCount)
        let ranges: [Range<Int>]
        do {
            ranges = try recordAlignedRanges(bytes: base, start: dataStart, end: end, count: threads)
        } catch {
            throw locate(error, firstLine: firstDataLine, header: header)
        }

        // Pass 1: numbers for numeric candidates, categories for declared categoricals.
        let slots = ResultSlots<CSVChunk>(count: ranges.count)
        parallelFor(ranges.count, threads: threads) { k in
            var chunk = CSVChunk(range: ranges[k], roles: roles, featureCount: featureNames.count)
            chunk.parse(base: base)
            slots[k] = chunk
        }
        var chunks = slots.values
        let firstLines = lineOffsets(chunks, firstDataLine: firstDataLine)
        for (k, chunk) in chunks.enumerated() {
            if let failure = chunk.failure { throw locate(failure, firstLine: firstLines[k], header: header) }
        }

        // Columns that turned out not to be numeric become categorical; a declared numeric
        // column that is not is an error.
        var reparse: [Int] = []
        for (column, role) in roles.enumerated() {
            guard case .numeric(let feature) = role else { continue }
            guard let (k, line) = chunks.enumerated().lazy.compactMap({ k, c in c.firstNonNumericLine[feature].map { (k, $0) } }).first else { continue }
            if options.columnKinds[header[column]] == .numeric {
                throw CSVError(file: fileName, line: firstLines[k] + line - 1, column: column + 1, columnName: header[column],
                               message: "the column is declared numeric but this value is not a number")
            }
            roles[column] = .categorical(feature: feature)
            reparse.append(column)
        }
        if !reparse.isEmpty {
            let reparseSet = Set(reparse)
            let passTwoRoles = roles.enumerated().map { column, role -> CSVColumnRole in reparseSet.contains(column) ? role : .ignored }
            let secondSlots = ResultSlots<CSVChunk>(count: ranges.count)
            parallelFor(ranges.count, threads: threads) { k in
                var chunk = CSVChunk(range: ranges[k], roles: passTwoRoles, featureCount: featureNames.count)
                chunk.parse(base: base)
                secondSlots[k] = chunk
            }
            for (k, second) in secondSlots.values.enumerated() {
                for column in reparse {
                    guard case .categorical(let feature) = roles[column] else { continue }
                    chunks[k].categories[feature] = second.categories[feature]
                    chunks[k].codes[feature] = second.codes[feature]
                }
            }
        }
        let columns = try assembleColumns(roles: roles, header: header, featureNames: &featureNames, chunks: chunks, firstLines: firstLines)
        let rowCount = chunks.reduce(0) { $0 + $1.rowCount }
        let labels = options.target == nil ? [] : chunks.flatMap(\.labels)
        let weights = options.weightColumn == nil ? nil : chunks.flatMap(\.weights)
        return Dataset(columns: columns, labels: labels, weights: weights, rowCount: rowCount)
    }

    /// Header names as strings; unique, valid UTF-8. An empty name becomes `column_N`.
    private func headerNames(_ fields: [CSVFieldSpan], tokenizer: CSVTokenizer) throws(CSVError) -> [String] {
        var names: [String] = []
        var seen: [String: Int] = [:]
        for (index, field) in fields.enumerated() {
            let bytes = tokenizer.fieldBytes(field)
            guard var name = String(validating: bytes, as: UTF8.self) else {
                throw CSVError(file: fileName, line: tokenizer.recordLine, column: index + 1,
                               message: "the header name is not valid UTF-8")
            }
            if name.isEmpty { name = "column_\(index + 1)" }
            if let previous = seen[name] {
                throw CSVError(file: fileName, line: tokenizer.recordLine, column: index + 1, columnName: name,
                               message: "duplicate column name (also column \(previous + 1))")
            }
            seen[name] = index
            names.append(name)
        }
        return names
    }

    private func assignRoles(_ header: [String]) throws(CSVError) -> ([CSVColumnRole], [String]) {
        if let target = options.target, !header.contains(target) {
            throw CSVError(file: fileName, line: 1, message: "target column '\(target)' not found; the columns are: \(header.joined(separator: ", "))")
        }
        if let weight = options.weightColumn, !header.contains(weight) {
            throw CSVError(file: fileName, line: 1, message: "weight column '\(weight)' not found; the columns are: \(header.joined(separator: ", "))")
        }
        for name in options.columnKinds.keys where !header.contains(name) {
            throw CSVError(file: fileName, line: 1, message: "a column type was given for '\(name)', which the file does not have")
        }
        var roles: [CSVColumnRole] = []
        var features: [String] = []
        for name in header {
            if name == options.target { roles.append(.target); continue }
            if name == options.weightColumn { roles.append(.weight); continue }
            if options.ignoredColumns.contains(name) { roles.append(.ignored); continue }
            roles.append(options.columnKinds[name] == .categorical ? .categorical(feature: features.count) : .numeric(feature: features.count))
            features.append(name)
        }
        return (roles, features)
    }

    /// The absolute first line of each chunk.
    private func lineOffsets(_ chunks: [CSVChunk], firstDataLine: Int) -> [Int] {
        var lines: [Int] = []
        var line = firstDataLine
        for chunk in chunks {
            lines.append(line)
            line += chunk.newlineCount
        }
        return lines
    }

    private func locate(_ failure: CSVTokenizer.Failure, firstLine: Int, header: [String]) -> CSVError {
        let name = failure.column >= 1 && failure.column <= header.count ? header[failure.column - 1] : nil
        return CSVError(file: fileName, line: firstLine + failure.line - 1, column: failure.column, columnName: name, message: failure.message)
    }

    /// Concatenates the chunks' columns; categories are merged, sorted and re-coded.
    private func assembleColumns(roles: [CSVColumnRole], header: [String], featureNames: inout [String],
                                 chunks: [CSVChunk], firstLines: [Int]) throws(CSVError) -> [Column] {
        var columns: [Column?] = Array(repeating: nil, count: featureNames.count)
        for (column, role) in roles.enumerated() {
            switch role {
            case .numeric(let feature):
                let total = chunks.reduce(0) { $0 + $1.rowCount }
                let values = [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
                    for chunk in chunks {
                        let part = chunk.numbers.values(feature: feature, rows: chunk.rowCount)
                        _ = UnsafeMutableBufferPointer(rebasing: buffer[initialized..<(initialized + part.count)]).initialize(from: part)
                        initialized += part.count
                    }
                }
                columns[feature] = .numeric(NumericColumn(name: featureNames[feature], values: values))
            case .categorical(let feature):
                columns[feature] = .categorical(try mergeCategories(feature: feature, column: column, name: header[column],
                                                                    chunks: chunks, firstLines: firstLines))
            case .ignored, .target, .weight:
                continue
            }
        }
        return columns.map { $0! }
    }

    private func mergeCategories(feature: Int, column: Int, name: String, chunks: [CSVChunk], firstLines: [Int]) throws(CSVError) -> CategoricalColumn {
        // Distinct texts over all chunks, each validated once.
        var textOfBytes: [[UInt8]: String] = [:]
        for (k, chunk) in chunks.enumerated() {
            let interner = chunk.categories[feature]
            for code in 0..<interner.count {
                let bytes = Array(interner.bytes(of: code))
                if textOfBytes[bytes] != nil { continue }
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw CSVError(file: fileName, line: firstLines[k] + interner.firstLines[code] - 1, column: column + 1,
                                   columnName: name, message: "the value is not valid UTF-8")
                }
                textOfBytes[bytes] = text
            }
        }
        let sortedBytes = textOfBytes.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var finalCode: [[UInt8]: Int32] = [:]
        for (code, bytes) in sortedBytes.enumerated() { finalCode[bytes] = Int32(code) }
        var codes: [Int32] = []
        codes.reserveCapacity(chunks.reduce(0) { $0 + $1.rowCount })
        for chunk in chunks {
            let interner = chunk.categories[feature]
            let translation = (0..<interner.count).map { finalCode[Array(interner.bytes(of: $0))]! }
            for local in chunk.codes[feature] {
                codes.append(local < 0 ? local : translation[Int(local)])
            }
        }
        return CategoricalColumn(name: name, codes: codes, categories: sortedBytes.map { textOfBytes[$0]! })
    }
}

/// The parse of one record-aligned byte range.
struct CSVChunk {
    let range: Range<Int>
    let roles: [CSVColumnRole]
    let featureCount: Int
    var rowCount = 0
    var newlineCount = 0
    /// Numeric candidates' values, filled by ``parse(base:)``.
    var numbers = FloatColumnBuffers(count: 0, used: [])
    /// Relative line of the first non-numeric value of each numeric candidate, if any.
    var firstNonNumericLine: [Int?]
    var categories: [ByteInterner]
    var codes: [[Int32]]
    var labels: [UInt8] = []
    var weights: [Float] = []
    var failure: CSVTokenizer.Failure?

    init(range: Range<Int>, roles: [CSVColumnRole], featureCount: Int) {
        self.range = range
        self.roles = roles
        self.featureCount = featureCount
        firstNonNumericLine = Array(repeating: nil, count: featureCount)
        categories = Array(repeating: ByteInterner(), count: featureCount)
        codes = Array(repeating: [], count: featureCount)
    }

    mutating func parse(base: UnsafePointer<UInt8>) {
        var tokenizer = CSVTokenizer(bytes: base, start: range.lowerBound, end: range.upperBound)
        var fields: [CSVFieldSpan] = []
        fields.reserveCapacity(roles.count)
        // Numeric candidates are written straight into growable column buffers: the hot path
        // (a number into a numeric column) then costs a parse and a store, no array bookkeeping.
        let numericFeatureOfColumn: [Int] = roles.map { if case .numeric(let f) = $0 { return f } else { return -1 } }
        let columns = FloatColumnBuffers(count: featureCount, used: Set(numericFeatureOfColumn.filter { $0 >= 0 }))
        var nonNumericLine = firstNonNumericLine
        var rows = 0
        do {
            while try tokenizer.nextRecord(into: &fields) {
                let line = tokenizer.recordLine
                if fields.count != roles.count {
                    failure = .init(line: line, column: min(fields.count, roles.count) + 1,
                                    message: "expected \(roles.count) fields, found \(fields.count)")
                    break
                }
                columns.reserve(rows: rows + 1)
                for column in 0..<fields.count {
                    let field = fields[column]
                    let feature = numericFeatureOfColumn[column]
                    if feature >= 0 {
                        // Numeric candidate: NaN stands in once the column has turned out not to be
                        // numeric (it is then re-read as categories).
                        var value = Float.nan
                        if field.start != field.end && nonNumericLine[feature] == nil {
                            if let parsed = DecimalParser.parse(base, field.start, field.end) {
                                value = Float(parsed)
                            } else {
                                nonNumericLine[feature] = line
                            }
                        }
                        columns.store(value, feature: feature, row: rows)
                    } else if let problem = take(field, role: roles[column], base: base, tokenizer: tokenizer, line: line) {
                        failure = .init(line: line, column: column + 1, message: problem)
                        break
                    }
                }
                if failure != nil { break }
                rows += 1
            }
        } catch {
            failure = error
        }
        rowCount = rows
        firstNonNumericLine = nonNumericLine
        numbers = columns
        newlineCount = tokenizer.currentLine - 1
    }

    /// Stores one field; returns a message when the field is invalid for its role.
    @inline(__always)
    private mutating func take(_ field: CSVFieldSpan, role: CSVColumnRole, base: UnsafePointer<UInt8>,
                               tokenizer: CSVTokenizer, line: Int) -> String? {
        let isEmpty = field.start == field.end
        switch role {
        case .ignored:
            return nil
        case .numeric:
            preconditionFailure("numeric fields are stored by parse(base:)")
        case .categorical(let feature):
            if isEmpty { codes[feature].append(CategoricalColumn.missingCode); return nil }
            let code = field.hasEscapedQuotes
                ? categories[feature].intern(tokenizer.fieldBytes(field), line: line)
                : categories[feature].intern(base, field.start, field.end, line: line)
            codes[feature].append(code)
            return nil
        case .target:
            guard !isEmpty else { return "the label is missing (labels must be 0 or 1)" }
            let value = DecimalParser.parse(base, field.start, field.end)
            guard value == 0 || value == 1 else {
                return "the label must be 0 or 1, found '\(String(decoding: tokenizer.fieldBytes(field), as: UTF8.self))'"
            }
            labels.append(value == 1 ? 1 : 0)
            return nil
        case .weight:
            guard let value = isEmpty ? nil : DecimalParser.parse(base, field.start, field.end), value.isFinite, value >= 0 else {
                return "the sample weight must be a finite number ≥ 0, found '\(String(decoding: tokenizer.fieldBytes(field), as: UTF8.self))'"
            }
            weights.append(Float(value))
            return nil
        }
    }
}

/// Column buffers of `Float` that grow together, one row at a time, for the CSV hot path.
/// Each used feature gets its own buffer; capacity doubles when a row does not fit.
final class FloatColumnBuffers: @unchecked Sendable {
    private var pointers: [UnsafeMutablePointer<Float>?]
    private var capacity = 0

    init(count: Int, used: Set<Int>) {
        pointers = (0..<count).map { used.contains($0) ? UnsafeMutablePointer<Float>.allocate(capacity: 0) : nil }
    }

    deinit {
        for pointer in pointers { pointer?.deallocate() }
    }

    func isUsed(_ feature: Int) -> Bool { pointers[feature] != nil }

    /// Makes room for `rows` rows in every buffer.
    @inline(__always)
    func reserve(rows: Int) {
        guard rows > capacity else { return }
        let newCapacity = max(4096, capacity * 2, rows)
        for k in 0..<pointers.count {
            guard let old = pointers[k] else { continue }
            let new = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
            new.update(from: old, count: capacity)
            old.deallocate()
            pointers[k] = new
        }
        capacity = newCapacity
    }

    @inline(__always)
    func store(_ value: Float, feature: Int, row: Int) {
        pointers[feature].unsafelyUnwrapped[row] = value
    }

    /// The first `rows` values of `feature`.
    func values(feature: Int, rows: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: pointers[feature]!, count: rows)
    }
}
