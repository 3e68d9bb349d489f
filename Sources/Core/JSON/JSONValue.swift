/// A parsed JSON value. Objects keep their members in order (duplicate keys: the last wins
/// in ``subscript(_:)``, as in JavaScript). Numbers are `Double`; a number too large for one
/// becomes ±infinity and is reported by whoever reads the field.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The member `key` of an object (`nil` for other values and absent keys).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// Refuses an object's members whose keys are not in `allowed`: the first one is a
    /// ``FieldError`` named `prefix + key` ("unknown field"), so a misspelled field is an
    /// answer instead of a silently missing value. Values other than objects pass.
    public func refuseUnknownKeys(allowed: Set<String>, prefix: String = "") throws(FieldError) {
        guard case .object(let members) = self else { return }
        for member in members where !allowed.contains(member.key) {
            let known = allowed.sorted().prefix(12).joined(separator: ", ")
            throw FieldError(field: prefix + member.key, message: "unknown field (known: \(known)\(allowed.count > 12 ? ", …" : ""))")
        }
    }

    /// A short name of the value's type, for error messages (`"string"`, `"object"` …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}

/// A JSON text that does not parse; `offset` is the byte where it went wrong.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes: no comments, no trailing commas, no NaN or
/// Infinity literals, strings must be valid UTF-8 (escapes included: lone surrogates are
/// rejected), and nesting deeper than `maxDepth` is refused instead of exhausting the stack.
public struct JSONParser {
    public static let defaultMaxDepth = 64

    /// Parses one JSON text (surrounding whitespace allowed).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(bytes: buffer, maxDepth: maxDepth)
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw parser.error("unexpected data after the JSON value") }
            return value
        }
    }

    /// The number a whole text spells in JSON's grammar (`-0.5`, `1e+300`; not `inf`, `nan`,
    /// `0x10`, `+1`, ` 1` or `1.`), or `nil`. Numeric strings in request bodies and the
    /// database's number text go through this, so a string is read as the same number JSON
    /// would read, and Swift's wider `Double(_:)` syntax (hex floats, `infinity`) never
    /// reaches a feature. The value may be ±infinity when the exponent is too large.
    public static func number(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { buffer in
            guard !buffer.isEmpty else { return nil }
            var parser = JSONParser(bytes: buffer)
            guard let first = parser.peek(), first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
                  parser.position == 0, let value = try? parser.number(), parser.position == buffer.count else { return nil }
            return value
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var position = 0

    /// A parser at the start of `bytes`. The scanning methods below are public so that a
    /// caller can read one known document shape without building a ``JSONValue`` tree (the
    /// service's score-request scan); anything else should call ``parse(_:maxDepth:)``.
    public init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func error(_ message: String) -> JSONParseError { JSONParseError(offset: position, message: message) }

    /// The byte at the current position after whitespace (`nil` at the end), not consumed.
    public mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Consumes `byte` if it comes next (after whitespace).
    public mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    public mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected character")
        }
    }

    public mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("unexpected end of input") }
        for k in 0..<count where bytes[position + k] != word.utf8Start[k] { throw error("unexpected character") }
        position += count
    }

    private mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw error("expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw error("expected ',' or ']'")
        }
    }

    public mutating func number() throws(JSONParseError) -> Double {
        let start = position
        func digits(_ p: inout Int, _ b: UnsafeBufferPointer<UInt8>) -> Int {
            let s = p
            while p < b.count, b[p] >= 0x30, b[p] <= 0x39 { p += 1 }
            return p - s
        }
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count else { throw error("unexpected end of input in a number") }
        let integerStart = position
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if digits(&position, bytes) == 0 {
            throw error("invalid number")
        }
        let integerEnd = position
        var fractionDigits = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            fractionDigits = digits(&position, bytes)
            guard fractionDigits > 0 else { throw error("invalid number: digits expected after '.'") }
        }
        var exponent = false
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            exponent = true
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&position, bytes) > 0 else { throw error("invalid number: digits expected in the exponent") }
        }
        if !exponent, let value = Self.exactDecimal(bytes, integer: integerStart..<integerEnd, fractionDigits: fractionDigits, negative: negative) {
            return value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text) else { throw JSONParseError(offset: start, message: "invalid number") }
        return value
    }

    /// The value of a decimal without exponent when it has at most 15 significant digits,
    /// computed without `strtod` (most numbers in a request: ids, counts, rates): the digits
    /// m < 10¹⁵ and 10^k (k ≤ 15 here; exact up to 22) are exact doubles, so m / 10^k is one correctly rounded
    /// division, the same double `strtod` gives (Clinger's fast path). `nil` otherwise.
    static func exactDecimal(_ bytes: UnsafeBufferPointer<UInt8>, integer: Range<Int>, fractionDigits: Int, negative: Bool) -> Double? {
        guard integer.count + fractionDigits <= 15 else { return nil }
        var mantissa: Int64 = 0
        for p in integer { mantissa = mantissa * 10 + Int64(bytes[p] &- 0x30) }
        if fractionDigits > 0 {
            for p in (integer.upperBound + 1)..<(integer.upperBound + 1 + fractionDigits) { mantissa = mantissa * 10 + Int64(bytes[p] &- 0x30) }
        }
        let magnitude = Double(mantissa) / exactPowersOfTen[fractionDigits]
        return negative ? -magnitude : magnitude
    }

    /// 10⁰ … 10¹⁵, each exact.
    private static let exactPowersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { value, _ in value * 10 } }

    public mutating func string() throws(JSONParseError) -> String {
        position += 1
        let start = position
        var ascii = true
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<position])
                // ASCII (most keys and values) is valid UTF-8 as it stands.
                let text: String
                if ascii {
                    text = String(decoding: raw, as: UTF8.self)
                } else {
                    guard let valid = String(validating: raw, as: UTF8.self) else {
                        throw JSONParseError(offset: start, message: "a string is not valid UTF-8")
                    }
                    text = valid
                }
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("a control character in a string") }
            if byte >= 0x80 { ascii = false }
            position += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw JSONParseError(offset: start, message: "a string is not valid UTF-8")
                }
                position += 1
                return text
            }
            if byte < 0x20 { throw error("a control character in a string") }
            if byte != UInt8(ascii: "\\") { out.append(byte); position += 1; continue }
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw error("a lone UTF-16 surrogate in a string")
                    }
                    position += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("a lone UTF-16 surrogate in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    throw error("a lone UTF-16 surrogate in a string")
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                throw error("invalid escape in a string")
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}

/// Literals build JSON documents that are written out in code (the service's OpenAPI
/// description): `["type": "object", "required": ["vertical"]]`. Object literals keep their
/// keys in the order written.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
                     ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}
