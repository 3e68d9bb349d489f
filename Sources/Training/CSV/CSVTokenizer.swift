/// Where one field lies in the file's bytes: `start..<end` excludes the surrounding quotes of
/// a quoted field; `hasEscapedQuotes` says the field contains `""` pairs to be unescaped.
public struct CSVFieldSpan: Sendable {
    public var start: Int
    public var end: Int
    public var quoted: Bool
    public var hasEscapedQuotes: Bool
}

/// Splits RFC 4180 CSV bytes into records and fields without copying.
///
/// - A field that starts with `"` is quoted: it ends at the next lone `"`, may contain commas,
///   line breaks and `""` (an escaped quote), and must be followed by a comma or a line end.
/// - Any other field runs to the next comma or line end; a `"` inside it is an ordinary byte.
/// - Lines end with `\n` or `\r\n`. Empty lines are skipped (they still count for line
///   numbers). The last line needs no line end.
///
/// The tokenizer reports `line` as the 1-based physical line where the current record starts,
/// counted from the start of its byte range (callers add the range's first line).
public struct CSVTokenizer {
    let bytes: UnsafePointer<UInt8>
    let end: Int
    private(set) var position: Int
    /// Physical line (relative, 1-based) of the next byte to read.
    private(set) var currentLine: Int = 1
    /// Physical line where the last record returned by ``nextRecord(into:)`` started.
    private(set) var recordLine: Int = 1

    public init(bytes: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.bytes = bytes
        self.position = start
        self.end = end
    }

    /// A tokenizing failure, located relative to this tokenizer's range.
    public struct Failure: Error {
        public var line: Int
        public var column: Int
        public var message: String
    }

    /// Reads the next non-empty record into `fields` (cleared first). Returns `false` at the
    /// end of the range.
    public mutating func nextRecord(into fields: inout [CSVFieldSpan]) throws(Failure) -> Bool {
        fields.removeAll(keepingCapacity: true)
        // Skip empty lines.
        while position < end {
            let b = bytes[position]
            if b == 0x0A { position += 1; currentLine += 1; continue }
            if b == 0x0D && position + 1 < end && bytes[position + 1] == 0x0A {
                position += 2; currentLine += 1; continue
            }
            break
        }
        if position >= end { return false }
        recordLine = currentLine
        while true {
            if position < end && bytes[position] == 0x22 {
                try readQuotedField(into: &fields)
            } else {
                let start = position
                var scan = position
                while scan < end {
                    let b = bytes[scan]
                    if b == 0x2C || b == 0x0A { break }
                    scan += 1
                }
                position = scan
                var fieldEnd = position
                if fieldEnd > start && bytes[fieldEnd - 1] == 0x0D && (position >= end || bytes[position] == 0x0A) {
                    fieldEnd -= 1
                }
                fields.append(CSVFieldSpan(start: start, end: fieldEnd, quoted: false, hasEscapedQuotes: false))
            }
            // Now at a comma, a line end or the end of the range.
            if position >= end { return true }
            if bytes[position] == 0x2C { position += 1; continue }
            // Line end (\n; a preceding \r was handled by the field readers).
            position += 1
            currentLine += 1
            return true
        }
    }

    private mutating func readQuotedField(into fields: inout [CSVFieldSpan]) throws(Failure) {
        let openingLine = currentLine
        let column = fields.count + 1
        position += 1
        let start = position
        var escaped = false
        while true {
            guard position < end else {
                throw Failure(line: openingLine, column: column,
                              message: "unterminated quoted field (the opening quote has no closing quote)")
            }
            let b = bytes[position]
            if b == 0x22 {
                if position + 1 < end && bytes[position + 1] == 0x22 {
                    escaped = true
                    position += 2
                    continue
                }
                break
            }
            if b == 0x0A { currentLine += 1 }
            position += 1
        }
        let fieldEnd = position
        position += 1  // closing quote
        if position < end {
            let next = bytes[position]
            if next == 0x0D && position + 1 < end && bytes[position + 1] == 0x0A {
                position += 1  // leave the \n for the caller
            } else if next != 0x2C && next != 0x0A && !(next == 0x0D && position + 1 == end) {
                throw Failure(line: currentLine, column: column,
                              message: "unexpected character after a closing quote (a quoted field must be followed by a comma or a line end)")
            } else if next == 0x0D {
                position += 1
            }
        }
        fields.append(CSVFieldSpan(start: start, end: fieldEnd, quoted: true, hasEscapedQuotes: escaped))
    }

    /// The unescaped bytes of a field (`""` → `"`).
    public func fieldBytes(_ span: CSVFieldSpan) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(span.end - span.start)
        var i = span.start
        while i < span.end {
            result.append(bytes[i])
            i += (span.hasEscapedQuotes && bytes[i] == 0x22) ? 2 : 1
        }
        return result
    }
}

/// Splits `bytes[start..<end]` into at most `count` ranges that each begin at a record start,
/// for parallel parsing. Without any quote in the data every line end is a record end; with
/// quotes the ranges are found by tokenizing, so a line break inside a quoted field never
/// splits a record.
func recordAlignedRanges(bytes: UnsafePointer<UInt8>, start: Int, end: Int, count: Int) throws(CSVTokenizer.Failure) -> [Range<Int>] {
    let length = end - start
    guard count > 1, length > 1 << 20 else { return [start..<end] }
    var containsQuote = false
    var i = start
    while i < end { if bytes[i] == 0x22 { containsQuote = true; break }; i += 1 }
    var cuts: [Int] = [start]
    if !containsQuote {
        for k in 1..<count {
            var p = max(start + length * k / count, cuts.last!)
            while p < end && bytes[p] != 0x0A { p += 1 }
            if p < end { cuts.append(p + 1) }
        }
    } else {
        var tokenizer = CSVTokenizer(bytes: bytes, start: start, end: end)
        var scratch: [CSVFieldSpan] = []
        var k = 1
        while k < count {
            let target = start + length * k / count
            while tokenizer.position < target {
                if try !tokenizer.nextRecord(into: &scratch) { break }
            }
            if tokenizer.position >= end { break }
            cuts.append(tokenizer.position)
            k += 1
        }
    }
    cuts.append(end)
    var ranges: [Range<Int>] = []
    for k in 0..<(cuts.count - 1) where cuts[k] < cuts[k + 1] {
        ranges.append(cuts[k]..<cuts[k + 1])
    }
    return ranges.isEmpty ? [start..<end] : ranges
}
