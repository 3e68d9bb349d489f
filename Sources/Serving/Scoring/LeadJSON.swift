import Core
import Foundation
import Leads
import Training

/// Reads a lead given as JSON — the keys are the `leads` table's column names, exactly what
/// PostgreSQL's `row_to_json` gives for a row — into the records the ``FeatureExtractor``
/// reads. Values go through ``LeadRow/decode(_:)``, the decoder of the database path, so a
/// lead scored from its JSON and the same lead loaded by id become the same records.
///
/// Unknown keys are ignored; a missing key or `null` is a missing value. A missing `id` reads
/// as 0 (a lead not stored yet); a missing `created_at` as now. The optional `agent` object
/// has `id`, `avg_response_time_s`, `conversion_rate` and `rating`; its `id` stands in for a
/// missing `agent_id`.
public enum LeadJSON {
    public static func decode(lead: JSONValue, agent: JSONValue?) throws(FieldError) -> (lead: LeadRecord, agent: AgentRecord?) {
        guard case .object(let members) = lead else { throw FieldError(field: "lead", message: "must be an object") }
        var values = [String?](repeating: nil, count: LeadRow.columns.count)
        // One pass over the members (a later duplicate key wins, as in JavaScript).
        var next = 0
        for (key, value) in members {
            guard let index = leadColumn(key, after: &next) else { continue }
            values[index] = try text(value, field: "lead." + key)
        }
        if let agent, agent != .null {
            guard case .object = agent else { throw FieldError(field: "agent", message: "must be an object or null") }
            let fields = try agentFields.map { key throws(FieldError) in try text(agent[key], field: "agent." + key) }
            setAgent(fields, in: &values)
        }
        return try records(from: &values)
    }

    /// The lead columns a JSON lead fills (all but the agent's), and the agent's keys: `id`
    /// (standing in for a missing `agent_id`), then its three columns in order.
    static let leadColumns = LeadRow.columns.count - 3
    static let agentFields = ["id", "avg_response_time_s", "conversion_rate", "rating"]

    /// The column of a lead key, or `nil` for a key to ignore. Keys usually come in the
    /// table's order (as `row_to_json` writes them), so the column after the previous match
    /// (`next`) is tried before the dictionary.
    @inline(__always)
    static func leadColumn(_ key: String, after next: inout Int) -> Int? {
        let index: Int
        if next < leadColumns && LeadRow.columns[next] == key { index = next } else {
            guard let found = columnIndex[key], found < leadColumns else { return nil }
            index = found
        }
        next = index + 1
        return index
    }

    /// Puts the agent's fields (``agentFields`` order) into a lead row.
    static func setAgent(_ fields: [String?], in values: inout [String?]) {
        if values[22] == nil { values[22] = fields[0] }
        for offset in 0..<3 { values[leadColumns + offset] = fields[offset + 1] }
    }

    /// The records of a lead row built from JSON: a missing id reads as 0, a missing
    /// `created_at` as now; values go through ``LeadRow/decode(_:)``.
    static func records(from values: inout [String?]) throws(FieldError) -> (lead: LeadRecord, agent: AgentRecord?) {
        if values[0] == nil { values[0] = "0" }
        if values[2] == nil { values[2] = String(Date().timeIntervalSince1970) }
        do {
            return try LeadRow.decode(values)
        } catch {
            let field = error.field.hasPrefix("agent_") ? "agent." + error.field.dropFirst("agent_".count) : "lead.\(error.field)"
            throw FieldError(field: String(field), message: "invalid value '\(error.value.prefix(64))'")
        }
    }

    private static let columnIndex: [String: Int] = Dictionary(uniqueKeysWithValues: LeadRow.columns.enumerated().map { ($1, $0) })

    /// The text form of a scalar JSON value, as the database would print it.
    static func text(_ value: JSONValue?, field: @autoclosure () -> String) throws(FieldError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case .bool(let b)?: return text(b)
        case .number(let n)?:
            guard let text = text(n) else { throw FieldError(field: field(), message: "must be a finite number") }
            return text
        case .array?, .object?:
            throw FieldError(field: field(), message: "must be a string, number, boolean or null, not \(value!.typeName)")
        }
    }

    static func text(_ b: Bool) -> String { b ? "true" : "false" }

    /// An integral number as an integer, others in Swift's shortest form; `nil` if not finite.
    static func text(_ n: Double) -> String? {
        guard n.isFinite else { return nil }
        if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        return n.description
    }
}
