import Core
import Leads
import Training

extension LeadJSON {
    /// A score request's body read straight into the lead's column values, without building
    /// the ``JSONValue`` tree: the common shape only — `{"lead": {…}, "agent": {…} | null,
    /// "useVerticalModel": true | false | null}`, each key at most once and no other, scalar
    /// values in `lead` and `agent` — and `nil` for anything else (other keys, nested values,
    /// an infinite number, bad JSON …), which then takes the general path
    /// (``JSONParser/parse(_:maxDepth:)`` and ``decode(lead:agent:)``). Whatever this returns
    /// is what the general path would build, through the same ``text(_:field:)``-style
    /// conversions, ``setAgent(_:in:)`` and ``records(from:)``; so every answer, an error
    /// included, stays the general path's. Scoring one lead per request, the tree and its
    /// strings were a tenth of the service's time.
    ///
    /// A key that is no field makes it `nil` too (unless `ignoringUnknownFields`), so that the
    /// general path refuses it by name.
    public static func scanScoreBody(_ body: [UInt8], ignoringUnknownFields: Bool = false) -> (values: [String?], useVerticalModel: Bool, leadIDKnown: Bool, agentIDFromAgent: Bool)? {
        body.withUnsafeBufferPointer { bytes in
            var parser = JSONParser(bytes: bytes)
            var values = [String?](repeating: nil, count: LeadRow.columns.count)
            var agent: [String?]?, sawAgent = false, useVertical: Bool?, sawLead = false, leadIDKnown = false
            guard parser.consume(UInt8(ascii: "{")) else { return nil }
            repeat {
                guard parser.peek() == UInt8(ascii: "\""), let key = try? parser.string(), parser.consume(UInt8(ascii: ":")) else { return nil }
                switch key {
                case "lead" where !sawLead:
                    sawLead = true
                    guard parser.consume(UInt8(ascii: "{")) else { return nil }
                    var next = 0, unknown = false
                    let complete = scanObject(&parser) { key, value in
                        if key == "id" { leadIDKnown = value != nil }
                        switch leadKey(key, after: &next) {
                        case .column(let index): values[index] = value
                        case .ignored: break
                        case .unknown: unknown = true
                        }
                    }
                    guard complete, !unknown || ignoringUnknownFields else { return nil }
                case "agent" where !sawAgent:
                    sawAgent = true
                    if parser.peek() == UInt8(ascii: "n") {
                        guard (try? parser.literal("null")) != nil else { return nil }
                    } else {
                        guard parser.consume(UInt8(ascii: "{")) else { return nil }
                        var fields = [String?](repeating: nil, count: agentFields.count), unknown = false
                        let complete = scanObject(&parser) { key, value in
                            if let k = agentField(key) { fields[k] = value } else if key != "name" { unknown = true }
                        }
                        guard complete, !unknown || ignoringUnknownFields else { return nil }
                        agent = fields
                    }
                case "useVerticalModel" where useVertical == nil:
                    // A boolean or null (the default), not a string "true".
                    guard let value = boolean(&parser) else { return nil }
                    useVertical = value ?? true
                default:
                    return nil
                }
            } while parser.consume(UInt8(ascii: ","))
            guard parser.consume(UInt8(ascii: "}")), parser.peek() == nil, sawLead else { return nil }
            let agentIDFromAgent = agent.map { setAgent($0, in: &values) } ?? false
            return (values, useVertical ?? true, leadIDKnown, agentIDFromAgent)
        }
    }

    /// The members of an object whose `{` was consumed, each scalar value as its column text
    /// (as ``text(_:field:)`` gives it), to `member`; `false` at anything else.
    private static func scanObject(_ parser: inout JSONParser, _ member: (String, String?) -> Void) -> Bool {
        if parser.consume(UInt8(ascii: "}")) { return true }
        repeat {
            guard parser.peek() == UInt8(ascii: "\""), let key = try? parser.string(), parser.consume(UInt8(ascii: ":")),
                  let value = scalar(&parser) else { return false }
            member(key, value)
        } while parser.consume(UInt8(ascii: ","))
        return parser.consume(UInt8(ascii: "}"))
    }

    /// `true`, `false`, or `.some(nil)` for null; `nil` for anything else.
    private static func boolean(_ parser: inout JSONParser) -> Bool?? {
        switch parser.peek() {
        case UInt8(ascii: "t")?: return (try? parser.literal("true")) != nil ? .some(true) : nil
        case UInt8(ascii: "f")?: return (try? parser.literal("false")) != nil ? .some(false) : nil
        case UInt8(ascii: "n")?: return (try? parser.literal("null")) != nil ? .some(nil) : nil
        default: return nil
        }
    }

    /// A scalar's column text (`.some(nil)` for null); `nil` for an object, an array, an
    /// infinite number or bad JSON.
    private static func scalar(_ parser: inout JSONParser) -> String?? {
        switch parser.peek() {
        case UInt8(ascii: "\"")?:
            guard let string = try? parser.string() else { return nil }
            return .some(string)
        case UInt8(ascii: "t")?:
            guard (try? parser.literal("true")) != nil else { return nil }
            return .some(text(true))
        case UInt8(ascii: "f")?:
            guard (try? parser.literal("false")) != nil else { return nil }
            return .some(text(false))
        case UInt8(ascii: "n")?:
            guard (try? parser.literal("null")) != nil else { return nil }
            return .some(nil)
        case UInt8(ascii: "-")?, (UInt8(ascii: "0")...UInt8(ascii: "9"))?:
            guard let number = try? parser.number(), let text = text(number) else { return nil }
            return .some(text)
        default: return nil
        }
    }
}
