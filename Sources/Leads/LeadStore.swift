import Core
import Database
import Foundation
import Training

/// Reading and writing leads in PostgreSQL in bulk, through COPY.
public enum LeadStore {
    /// Inserts `agents` (upsert by id) and `leads` (ids as given) with COPY, and moves the
    /// id sequence past the largest id; then runs `alsoInTransaction` (rows that belong with
    /// these leads). Runs in one transaction: all or nothing.
    public static func insert(agents: [AgentRecord], leads: [LeadRecord], into db: PostgresConnection,
                              progress: ((Int) -> Void)? = nil, alsoInTransaction: ((PostgresConnection) throws -> Void)? = nil) throws {
        try db.transaction {
            try db.query("CREATE TEMP TABLE agents_incoming (LIKE agents) ON COMMIT DROP")
            try db.copyIn("COPY agents_incoming (id, avg_response_time_s, conversion_rate, rating) FROM STDIN") { writer in
                for agent in agents {
                    try writer.write("\(agent.id)\t\(copyText(agent.averageResponseSeconds))\t\(copyText(agent.conversionRate))\t\(copyText(agent.rating))\n")
                }
            }
            try db.query("""
                INSERT INTO agents (id, avg_response_time_s, conversion_rate, rating)
                SELECT id, avg_response_time_s, conversion_rate, rating FROM agents_incoming
                ON CONFLICT (id) DO UPDATE SET avg_response_time_s = EXCLUDED.avg_response_time_s,
                    conversion_rate = EXCLUDED.conversion_rate, rating = EXCLUDED.rating
                """)
            try db.copyIn("COPY leads (\(copyColumns)) FROM STDIN") { writer in
                for (index, lead) in leads.enumerated() {
                    try writer.write(copyLine(lead))
                    if index % 50_000 == 49_999 { progress?(index + 1) }
                }
            }
            progress?(leads.count)
            try db.query("SELECT setval(pg_get_serial_sequence('leads', 'id'), GREATEST((SELECT max(id) FROM leads), 1))")
            try alsoInTransaction?(db)
        }
    }

    /// Streams the leads matching `filter` (with their agents) to `body`, in id order.
    /// Filter values reach the server as parameters (through `set_config`), never as SQL text.
    public static func forEachLead(in db: PostgresConnection, filter: LeadFilter = LeadFilter(),
                                   _ body: (LeadRecord, AgentRecord?) throws -> Void) throws {
        try db.query("SELECT set_config('mlctl.vertical', $1, false), set_config('mlctl.days', $2, false)",
                     [filter.vertical ?? "", filter.days.map(String.init) ?? ""])
        try forEachRow(in: db, condition: """
            (current_setting('mlctl.vertical') = '' OR l.vertical = current_setting('mlctl.vertical'))
            AND (NULLIF(current_setting('mlctl.days'), '') IS NULL
                 OR l.created_at >= now() - make_interval(days => NULLIF(current_setting('mlctl.days'), '')::int))
            """) { values in
            let (lead, agent) = try LeadRow.decode(values)
            try body(lead, agent)
        }
    }

    /// Streams, with COPY, the rows of ``LeadRow/selectList`` (text values, `nil` for NULL)
    /// of the leads matching `condition` — trusted SQL over `l` (leads) and `a` (agents) whose
    /// values come from `set_config` settings, since COPY takes no parameters — in id order,
    /// at most `limit` of them. The values are valid only during the call to `body`.
    public static func forEachRow(in db: PostgresConnection, condition: String, limit: Int? = nil,
                                  _ body: ([String?]) throws -> Void) throws {
        let sql = """
            COPY (SELECT \(LeadRow.selectList) FROM \(LeadRow.fromClause)
                  WHERE \(condition)
                  ORDER BY l.id\(limit.map { " LIMIT \($0)" } ?? "")) TO STDOUT WITH (FORMAT csv)
            """
        var fields: [CSVFieldSpan] = []
        var values: [String?] = Array(repeating: nil, count: LeadRow.columns.count)
        try db.copyOut(sql) { bytes in
            var tokenizer = CSVTokenizer(bytes: bytes.baseAddress!, start: 0, end: bytes.count)
            guard try tokenizer.nextRecord(into: &fields), fields.count == values.count else {
                throw PostgresError.client(message: "unexpected COPY row from the leads query")
            }
            for (k, field) in fields.enumerated() {
                // CSV COPY: an unquoted empty field is NULL, a quoted empty one is ''.
                values[k] = field.start == field.end && !field.quoted ? nil : String(decoding: tokenizer.fieldBytes(field), as: UTF8.self)
            }
            try body(values)
        }
    }

    /// All leads matching `filter` and the agents they reference, in id order.
    public static func loadLeads(from db: PostgresConnection, filter: LeadFilter = LeadFilter(),
                                 progress: ((Int) -> Void)? = nil) throws -> (leads: [LeadRecord], agents: [AgentRecord]) {
        var leads: [LeadRecord] = []
        var agents: [Int64: AgentRecord] = [:]
        try forEachLead(in: db, filter: filter) { lead, agent in
            leads.append(lead)
            if let agent { agents[agent.id] = agent }
            if leads.count % 10_000 == 0 { progress?(leads.count) }
        }
        return (leads, agents.values.sorted { $0.id < $1.id })
    }

    private static let copyColumns = """
        id, vertical, created_at, email, phone, first_name, last_name, address, zipcode, state, form_completed, \
        quote_requested, pages_visited, time_on_site_s, return_visitor, mobile, source, insurance_type, browser, \
        utm_source, utm_medium, utm_campaign, agent_id, accepted, converted, converted_at, revenue
        """

    private static func copyLine(_ l: LeadRecord) -> String {
        let fields: [String] = [
            String(l.id), copyText(l.vertical), Timestamp.format(l.createdAt), copyText(l.email), copyText(l.phone),
            copyText(l.firstName), copyText(l.lastName), copyText(l.address), copyText(l.zipcode), copyText(l.state),
            copyText(l.formCompleted), copyText(l.quoteRequested), copyText(l.pagesVisited.map(Double.init)),
            copyText(l.timeOnSiteSeconds), copyText(l.returnVisitor), copyText(l.mobile), copyText(l.source),
            copyText(l.insuranceType), copyText(l.browser), copyText(l.utmSource), copyText(l.utmMedium),
            copyText(l.utmCampaign), l.agentId.map(String.init) ?? "\\N", copyText(l.accepted), copyText(l.converted),
            l.convertedAt.map(Timestamp.format) ?? "\\N", copyText(l.revenue),
        ]
        return fields.joined(separator: "\t") + "\n"
    }
}

/// Which leads to read: all, one vertical, the last N days.
public struct LeadFilter: Sendable {
    public var vertical: String?
    /// Leads created in the last `days` days (relative to the database's clock).
    public var days: Int?
    public init(vertical: String? = nil, days: Int? = nil) {
        self.vertical = vertical
        self.days = days
    }
}

/// COPY text format: `\N` for NULL; backslash, tab, newline and carriage return escaped.
func copyText(_ value: String?) -> String {
    guard let value else { return "\\N" }
    guard value.contains(where: { $0 == "\\" || $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return value }
    var escaped = ""
    for character in value {
        switch character {
        case "\\": escaped += "\\\\"
        case "\t": escaped += "\\t"
        case "\n": escaped += "\\n"
        case "\r": escaped += "\\r"
        default: escaped.append(character)
        }
    }
    return escaped
}

func copyText(_ value: Bool?) -> String { value.map { $0 ? "t" : "f" } ?? "\\N" }

func copyText(_ value: Double?) -> String {
    guard let value else { return "\\N" }
    if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}
