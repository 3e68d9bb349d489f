import Core
import Foundation
import Leads
import Training

/// Reads a lead given as JSON — the keys are the `leads` table's column names, exactly what
/// PostgreSQL's `row_to_json` gives for a row — into the records the ``FeatureExtractor``
/// reads. Values go through ``LeadRow/decode(_:)``, the decoder and validation of the
/// database path, so a lead scored from its JSON and the same lead loaded by id become the
/// same records, and a value outside its field's domain is a ``FieldError`` naming it.
///
/// Keys: every column of `leads` (those mlctl writes, `ml_score` …, are ignored) and of
/// `agents` (`avg_response_time_s`, `conversion_rate`, `rating`; `name` ignored), and the
/// CSV's `agent_…` names. Any other key is refused as an unknown field — a misspelled
/// `pagesVisited` must not score as a missing value — unless the caller ignores unknown
/// fields (the service's `?extra_fields=ignore`). A missing key or `null` is a missing value.
/// A missing `id` reads as 0 (a lead not stored yet); a missing `created_at` as now. The
/// optional `agent` object has `id`, `avg_response_time_s`, `conversion_rate` and `rating`
/// (and `name`, ignored); its `id` stands in for a missing `agent_id`, its values win over
/// the lead's.
public enum LeadJSON {
    /// - Parameters:
    ///   - ignoringUnknownFields: `true` to skip keys that are no column (clients that send
    ///     their own extra columns); `false` refuses them.
    ///   - allowingAgentKey: whether the lead object may hold the `agent` object itself (the
    ///     batch route's bare-lead entries); the caller passes it as `agent`.
    public static func decode(lead: JSONValue, agent: JSONValue?, ignoringUnknownFields: Bool = false,
                              allowingAgentKey: Bool = false) throws(FieldError) -> (lead: LeadRecord, agent: AgentRecord?) {
        guard case .object(let members) = lead else { throw FieldError(field: "lead", message: "must be an object") }
        var values = [String?](repeating: nil, count: LeadRow.columns.count)
        // One pass over the members (a later duplicate key wins, as in JavaScript).
        var next = 0
        for (key, value) in members {
            switch leadKey(key, after: &next) {
            case .column(let index): values[index] = try text(value, field: "lead." + key)
            case .ignored: continue
            case .unknown:
                if ignoringUnknownFields || (allowingAgentKey && key == "agent") { continue }
                throw unknownField("lead." + key)
            }
        }
        if let agent, agent != .null {
            guard case .object(let agentMembers) = agent else { throw FieldError(field: "agent", message: "must be an object or null") }
            if !ignoringUnknownFields, let unknown = agentMembers.first(where: { agentField($0.key) == nil && $0.key != "name" }) {
                throw unknownField("agent." + unknown.key)
            }
            let fields = try agentFields.map { key throws(FieldError) in try text(agent[key], field: "agent." + key) }
            let agentIDUsed = setAgent(fields, in: &values)
            return try records(from: &values, agentIDFromAgent: agentIDUsed)
        }
        return try records(from: &values)
    }

    /// The refusal of a key that is no field.
    static func unknownField(_ field: String) -> FieldError {
        FieldError(field: field, message: "unknown field: not a column of leads or agents (send ?extra_fields=ignore to skip such fields)")
    }

    /// The lead columns a JSON lead fills (all but the agent's), and the agent's keys: `id`
    /// (standing in for a missing `agent_id`), then its three columns in order.
    static let leadColumns = LeadRow.columns.count - 3
    static let agentFields = ["id", "avg_response_time_s", "conversion_rate", "rating"]

    /// The index of an agent object's key in ``agentFields``.
    @inline(__always)
    static func agentField(_ key: String) -> Int? { agentFields.firstIndex(of: key) }

    /// What a lead object's key is.
    enum LeadKey: Equatable {
        /// A column of ``LeadRow/columns``.
        case column(Int)
        /// A column of `leads` or `agents` that scoring does not read.
        case ignored
        case unknown
    }

    /// What a lead key is. Keys usually come in the table's order (as `row_to_json` writes
    /// them), so the column after the previous match (`next`) is tried before the dictionary.
    @inline(__always)
    static func leadKey(_ key: String, after next: inout Int) -> LeadKey {
        if next < leadColumns && LeadRow.columns[next] == key {
            next += 1
            return .column(next - 1)
        }
        guard let found = leadKeys[key] else { return .unknown }
        if case .column(let index) = found, index < leadColumns { next = index + 1 }
        return found
    }

    /// Every key a lead object may have besides the sequential fast path.
    private static let leadKeys: [String: LeadKey] = {
        var keys = Dictionary(uniqueKeysWithValues: LeadRow.columns.enumerated().map { ($1, LeadKey.column($0)) })
        for (offset, name) in agentFields.dropFirst().enumerated() { keys[name] = .column(leadColumns + offset) }
        for name in ["ml_score", "ml_quality", "ml_model_version", "scored_at", "name"] { keys[name] = .ignored }
        return keys
    }()

    /// Puts the agent object's fields (``agentFields`` order) into a lead row: its `id` where
    /// the lead has no `agent_id`, its values over the lead's. Whether the agent's `id` became
    /// the `agent_id`.
    @discardableResult
    static func setAgent(_ fields: [String?], in values: inout [String?]) -> Bool {
        let idUsed = values[22] == nil && fields[0] != nil
        if idUsed { values[22] = fields[0] }
        for offset in 0..<3 where fields[offset + 1] != nil { values[leadColumns + offset] = fields[offset + 1] }
        return idUsed
    }

    /// The records of a lead row built from JSON: a missing id reads as 0, a missing
    /// `created_at` as now; values go through ``LeadRow/decode(_:)``. A refused value is named
    /// by its key in the request (`agent.id` where the agent's id stood in for `agent_id`).
    static func records(from values: inout [String?], agentIDFromAgent: Bool = false) throws(FieldError) -> (lead: LeadRecord, agent: AgentRecord?) {
        if values[0] == nil { values[0] = "0" }
        if values[2] == nil { values[2] = String(Date().timeIntervalSince1970) }
        do {
            return try LeadRow.decode(values)
        } catch {
            let field = error.field == "agent_id" ? (agentIDFromAgent ? "agent.id" : "lead.agent_id")
                : error.field.hasPrefix("agent_") ? "agent." + error.field.dropFirst("agent_".count) : "lead.\(error.field)"
            throw FieldError(field: String(field), message: "invalid value '\(error.value.prefix(64))': \(error.reason)")
        }
    }

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
