import Core
import Foundation

/// How the service writes its log lines: `text` for people (`time level event message
/// key=value…`, and access lines `time client method route status bytes µs id`), `json` for
/// log collectors (one object a line, every line with `time`, `level` and `event`).
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// A log event's severity.
public enum LogLevel: String, Sendable {
    case info, warning, error
}

/// A value of a log event's field.
public enum LogValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case number(Double)
    case strings([String])
}

/// The service's log: events (startup, reload, database lost and recovered, drift alerts,
/// errors) written one line each as they happen, and the access lines the HTTP server's event
/// loops format into their own buffers (``appendAccess(_:into:time:client:method:route:status:bytes:microseconds:requestID:)``)
/// and write once per loop turn. Nothing secret reaches it: callers pass no URL, token or
/// header but the request id.
public final class ServiceLog: Sendable {
    public let format: LogFormat
    private let sink: @Sendable ([UInt8]) -> Void

    /// A log writing to standard error, or to `sink` (tests).
    public init(format: LogFormat = .text, sink: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.format = format
        self.sink = sink ?? { bytes in
            // One write per line: lines of concurrent writers do not interleave.
            bytes.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
        }
    }

    /// Writes `bytes` (whole lines) at once.
    public func write(_ bytes: [UInt8]) { sink(bytes) }

    /// A log that drops everything.
    public static let discarding = ServiceLog(sink: { _ in })

    /// Writes one event line now.
    public func event(_ level: LogLevel, _ event: String, _ message: String, _ fields: [(String, LogValue)] = []) {
        var time = LogTime()
        var line: [UInt8] = []
        switch format {
        case .json:
            var writer = JSONWriter()
            writer.object { o in
                o.key("time")
                o.string(time.text())
                o.field("level", level.rawValue)
                o.field("event", event)
                o.field("message", message)
                for (name, value) in fields {
                    o.key(name)
                    switch value {
                    case .string(let text): o.string(text)
                    case .integer(let number): o.integer(number)
                    case .number(let number): o.number(number)
                    case .strings(let texts): o.array { a in for text in texts { a.string(text) } }
                    }
                }
            }
            line = writer.bytes
        case .text:
            time.append(to: &line)
            line.append(contentsOf: " \(level.rawValue) \(event) \(Self.oneLine(message))".utf8)
            for (name, value) in fields {
                let text: String
                switch value {
                case .string(let string): text = string
                case .integer(let number): text = String(number)
                case .number(let number): text = String(number)
                case .strings(let strings): text = strings.joined(separator: ",")
                }
                line.append(contentsOf: " \(name)=\(Self.textValue(text))".utf8)
            }
        }
        line.append(0x0A)
        sink(line)
    }

    /// Appends one access line to `buffer` (the event loop's, written once per loop turn),
    /// without allocating. No field needs escaping, so the JSON line is written as it is:
    /// `method` is an HTTP token (checked by the parser: no quote, backslash or control
    /// character) or `-`, `route` a route template or `-`, `client` a dotted quad, and
    /// `requestID` passed ``RequestID/accepts(_:)`` or was made here.
    public static func appendAccess(_ format: LogFormat, into buffer: inout [UInt8], time: inout LogTime, client: String, method: String,
                                    route: String, status: Int, bytes: Int, microseconds: Int, requestID: [UInt8]) {
        switch format {
        case .json:
            buffer.append(contentsOf: #"{"time":""#.utf8)
            time.append(to: &buffer)
            buffer.append(contentsOf: #"","level":"info","event":"request","client":""#.utf8)
            buffer.append(contentsOf: client.utf8)
            buffer.append(contentsOf: #"","method":""#.utf8)
            buffer.append(contentsOf: method.utf8)
            buffer.append(contentsOf: #"","route":""#.utf8)
            buffer.append(contentsOf: route.utf8)
            buffer.append(contentsOf: #"","status":"#.utf8)
            appendDecimal(status, to: &buffer)
            buffer.append(contentsOf: #","bytes":"#.utf8)
            appendDecimal(bytes, to: &buffer)
            buffer.append(contentsOf: #","microseconds":"#.utf8)
            appendDecimal(microseconds, to: &buffer)
            buffer.append(contentsOf: #","requestId":""#.utf8)
            buffer.append(contentsOf: requestID)
            buffer.append(contentsOf: #""}"#.utf8)
        case .text:
            time.append(to: &buffer)
            buffer.append(0x20)
            buffer.append(contentsOf: client.utf8)
            buffer.append(0x20)
            buffer.append(contentsOf: method.utf8)
            buffer.append(0x20)
            buffer.append(contentsOf: route.utf8)
            buffer.append(0x20)
            appendDecimal(status, to: &buffer)
            buffer.append(0x20)
            appendDecimal(bytes, to: &buffer)
            buffer.append(0x20)
            appendDecimal(microseconds, to: &buffer)
            buffer.append(contentsOf: "µs ".utf8)
            buffer.append(contentsOf: requestID)
        }
        buffer.append(0x0A)
    }

    /// Appends the decimal digits of `value` (0 for a negative one).
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        var rest = max(0, value)
        let start = buffer.count
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        buffer[start...].reverse()
    }

    /// `text` on one line (line breaks become spaces): a message cannot forge a second line.
    static func oneLine(_ text: String) -> String {
        text.utf8.contains { $0 == 0x0A || $0 == 0x0D } ? String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }) : text
    }

    /// A text field's value: as it is when it is one word, otherwise quoted with `"` and `\` escaped.
    static func textValue(_ text: String) -> String {
        guard text.isEmpty || text.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }) else { return text }
        var quoted = "\""
        for character in oneLine(text) {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

/// The current time as RFC 3339 in UTC with milliseconds (`2026-12-03T18:20:00.123Z`); the
/// date and time up to the second are formatted once a second.
public struct LogTime: Sendable {
    private var second = -1
    private var prefix: [UInt8] = []

    public init() {}

    /// Appends the current time to `buffer`.
    public mutating func append(to buffer: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if Int(now.tv_sec) != second {
            second = Int(now.tv_sec)
            let c = Timestamp.civil(Double(second))
            prefix = Array(String(format: "%04d-%02d-%02dT%02d:%02d:%02d.", c.year, c.month, c.day, c.hour, c.minute, Int(c.second)).utf8)
        }
        buffer.append(contentsOf: prefix)
        let millis = Int(now.tv_nsec) / 1_000_000
        buffer.append(UInt8(ascii: "0") + UInt8(millis / 100))
        buffer.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        buffer.append(UInt8(ascii: "0") + UInt8(millis % 10))
        buffer.append(UInt8(ascii: "Z"))
    }

    /// The current time as a string.
    public mutating func text() -> String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A request's id: the client's `X-Request-Id` when it is acceptable (``accepts(_:)``),
/// otherwise one made here, written as a random per-process prefix, the event loop and a
/// counter (`660c8a2c-0-17`): unique without coordination between loops, and without a
/// random draw or an allocation per request.
public enum RequestID: Sendable, Equatable {
    case client(String)
    /// The `number`th id made by event loop `loop`.
    case generated(loop: Int, number: Int)

    /// Made once per process, so that the ids of two processes (or restarts) differ.
    static let processPrefix: String = {
        var generator = SystemRandomNumberGenerator()
        let hex = String(generator.next() & 0xFFFF_FFFF, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()

    /// The longest client id taken.
    public static let maximumLength = 128

    /// Whether a client's id is taken as it is: 1 to 128 characters of letters, digits and
    /// `-_.:+/=@` — enough for UUIDs, trace ids and base64, and nothing that needs quoting or
    /// escaping in a log line or could split a header.
    public static func accepts(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "+"),
                 UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "@"): true
            default: false
            }
        }
    }

    /// The id as the client sent it, or a made one written out.
    public var text: String {
        var bytes: [UInt8] = []
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the id's bytes (for the `X-Request-Id` header and the access line).
    public func append(to buffer: inout [UInt8]) {
        switch self {
        case .client(let id): buffer.append(contentsOf: id.utf8)
        case .generated(let loop, let number):
            buffer.append(contentsOf: Self.processPrefix.utf8)
            buffer.append(UInt8(ascii: "-"))
            ServiceLog.appendDecimal(loop, to: &buffer)
            buffer.append(UInt8(ascii: "-"))
            ServiceLog.appendDecimal(number, to: &buffer)
        }
    }
}
