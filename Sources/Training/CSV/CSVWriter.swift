import Core
import Evaluation
import Foundation

/// Writes ``Dataset``s and other tables as CSV that ``CSVReader`` reads back identically:
/// numbers in the shortest form that round-trips (`Float` → decimal → the same `Float`),
/// missing values as empty fields, text quoted only where RFC 4180 requires it.
///
/// Files are written to a temporary name beside the destination and renamed into place, so a
/// reader never sees a half-written file.
public enum CSVWriter {
    /// Writes `dataset` with its label as a last column named `labelName` (when it has labels).
    public static func write(_ dataset: Dataset, labelName: String?, to url: URL, threads: Int = defaultThreadCount) throws {
        var header = dataset.featureNames
        let writeLabels = labelName != nil && !dataset.labels.isEmpty
        if writeLabels { header.append(labelName!) }
        try writeAtomically(to: url) { handle in
            handle.write(Data((header.map(field).joined(separator: ",") + "\n").utf8))
            let blockSize = 16_384
            let blocks = (dataset.rowCount + blockSize - 1) / blockSize
            // Format blocks in parallel, two at a time per thread, and write them in order.
            var next = 0
            while next < blocks {
                let batch = min(blocks - next, max(1, threads) * 2)
                let slots = ResultSlots<[UInt8]>(count: batch)
                parallelFor(batch, threads: threads) { k in
                    let rows = ((next + k) * blockSize)..<min(dataset.rowCount, (next + k + 1) * blockSize)
                    slots[k] = formatRows(dataset, rows: rows, writeLabels: writeLabels)
                }
                for bytes in slots.values { handle.write(Data(bytes)) }
                next += batch
            }
        }
    }

    private static func formatRows(_ dataset: Dataset, rows: Range<Int>, writeLabels: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * dataset.columns.count * 6)
        let quotedCategories: [[String]?] = dataset.columns.map { column in
            if case .categorical(let c) = column { return c.categories.map(field) }
            return nil
        }
        for row in rows {
            for (index, column) in dataset.columns.enumerated() {
                if index > 0 { out.append(0x2C) }
                switch column {
                case .numeric(let c):
                    let value = c.values[row]
                    if !value.isNaN { out.append(contentsOf: formatNumber(value).utf8) }
                case .categorical(let c):
                    let code = c.codes[row]
                    if code >= 0 { out.append(contentsOf: quotedCategories[index]![Int(code)].utf8) }
                    // unseen categories cannot be written as text: they are written as missing
                }
            }
            if writeLabels {
                out.append(0x2C)
                out.append(dataset.labels[row] == 1 ? 0x31 : 0x30)
            }
            out.append(0x0A)
        }
        return out
    }

    /// The shortest decimal text that reads back as the same `Float`; integers without `.0`.
    public static func formatNumber(_ value: Float) -> String {
        if value == value.rounded() && abs(value) < 1e7 { return String(Int(value)) }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return value.description
    }

    /// A field quoted if it contains a comma, quote or line break (or is empty text, which
    /// must be distinguishable from a missing value).
    public static func field(_ text: String) -> String {
        if text.isEmpty { return "\"\"" }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Creates `url` by writing a temporary file beside it and renaming it into place; on
    /// error the temporary file is removed and `url` is untouched.
    ///
    /// A destination that exists and is not a regular file or a directory (`/dev/null`,
    /// `/dev/stdout`, a named pipe) is written to directly: there is no file to protect, and
    /// renaming over it would replace the device or pipe itself with a regular file.
    public static func writeAtomically(to url: URL, _ body: (FileHandle) throws -> Void) throws {
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR {
            guard let handle = FileHandle(forWritingAtPath: url.path) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                                 NSLocalizedDescriptionKey: "cannot open \(url.path) for writing"])
            }
            defer { try? handle.close() }
            try body(handle)
            return
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path,
                                                             NSLocalizedDescriptionKey: "cannot create \(temporary.path)"])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            if rename(temporary.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                                 NSLocalizedDescriptionKey: "cannot rename into \(url.path): \(String(cString: strerror(errno)))"])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
