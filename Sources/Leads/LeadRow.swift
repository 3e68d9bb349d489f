import Core

/// The one mapping between the `leads`/`agents` tables and ``LeadRecord``/``AgentRecord``:
/// the SELECT list every reader uses (extraction, the HTTP service, the batch scorer) and the
/// decoding of its text values, so that all paths see the same lead.
public enum LeadRow {
    /// Columns of ``selectList``, in order.
    public static let columns = [
        "id", "vertical", "created_at", "email", "phone", "first_name", "last_name", "address", "zipcode", "state",
        "form_completed", "quote_requested", "pages_visited", "time_on_site_s", "return_visitor", "mobile",
        "source", "insurance_type", "browser", "utm_source", "utm_medium", "utm_campaign", "agent_id",
        "accepted", "converted", "converted_at", "revenue",
        "agent_avg_response_time_s", "agent_conversion_rate", "agent_rating",
    ]

    /// `SELECT` list over `leads l LEFT JOIN agents a ON a.id = l.agent_id`. Timestamps come
    /// as epoch seconds (float8 prints exactly), so decoding needs no date parsing.
    public static let selectList = """
        l.id, l.vertical, extract(epoch FROM l.created_at)::float8, l.email, l.phone, l.first_name, l.last_name, \
        l.address, l.zipcode, l.state, l.form_completed, l.quote_requested, l.pages_visited, l.time_on_site_s, \
        l.return_visitor, l.mobile, l.source, l.insurance_type, l.browser, l.utm_source, l.utm_medium, l.utm_campaign, \
        l.agent_id, l.accepted, l.converted, extract(epoch FROM l.converted_at)::float8, l.revenue, \
        a.avg_response_time_s, a.conversion_rate, a.rating
        """

    /// `FROM` clause matching ``selectList``.
    public static let fromClause = "leads l LEFT JOIN agents a ON a.id = l.agent_id"

    /// A value that does not fit its column's domain.
    public struct DecodingError: Error, CustomStringConvertible, Sendable {
        public var leadID: String?
        public var field: String
        public var value: String
        /// What the field accepts (`"must be pc, health or commercial"`).
        public var reason: String
        public var description: String { "lead \(leadID ?? "?"): field '\(field)' has an invalid value '\(value.prefix(64))': \(reason)" }
    }

    /// Decodes one row of ``selectList`` (text values, `nil` = NULL) and checks every value
    /// against its field's domain: the one validation of a lead, shared by extraction, the
    /// service's body, batch and by-id routes and `score-batch`.
    ///
    /// - `vertical` is required and one of ``Vertical`` (any case); `created_at` is required.
    /// - Timestamps lie in ``Timestamp/postgreSQLRange``; numbers follow JSON's grammar
    ///   (``JSONParser/number(_:)``: no `inf`, `nan` or hex) and fit a `Float` feature.
    /// - `pages_visited` is a whole number from 0 to 2³¹−1; `time_on_site_s` and the agent's
    ///   `avg_response_time_s` are not negative; `conversion_rate` is 0…1, `rating` 0…5.
    /// - The agent's values need an `agent_id`.
    /// - A row of another length than ``columns`` is refused (field `row`): readers take the
    ///   values by position, so a changed SELECT list must not shift them silently.
    public static func decode(_ values: [String?]) throws(DecodingError) -> (lead: LeadRecord, agent: AgentRecord?) {
        guard values.count == columns.count else {
            throw DecodingError(leadID: nil, field: "row", value: "\(values.count) values", reason: "a lead row has \(columns.count) values")
        }
        let reader = FieldReader(values: values, leadID: values[0])
        guard let id = try reader.integer(0, in: Int64.min...Int64.max) else { throw reader.fail(0, "is required") }
        guard let vertical = values[1], Vertical(rawValue: LeadText.lowercased(vertical)) != nil else {
            let names = Vertical.allCases.map(\.rawValue)
            throw reader.fail(1, "must be " + names.dropLast().joined(separator: ", ") + " or " + names.last!)
        }
        guard let createdAt = try reader.time(2) else { throw reader.fail(2, "is required") }
        var lead = LeadRecord(id: id, vertical: vertical, createdAt: createdAt)
        lead.email = values[3]; lead.phone = values[4]; lead.firstName = values[5]; lead.lastName = values[6]
        lead.address = values[7]; lead.zipcode = values[8]; lead.state = values[9]
        lead.formCompleted = try reader.bool(10); lead.quoteRequested = try reader.bool(11)
        lead.pagesVisited = try reader.integer(12, in: 0...Int64(Int32.max)).map(Int.init)
        lead.timeOnSiteSeconds = try reader.decimal(13, in: 0...maximumFeatureValue)
        lead.returnVisitor = try reader.bool(14); lead.mobile = try reader.bool(15)
        lead.source = values[16]; lead.insuranceType = values[17]; lead.browser = values[18]
        lead.utmSource = values[19]; lead.utmMedium = values[20]; lead.utmCampaign = values[21]
        lead.agentId = try reader.integer(22, in: Int64.min...Int64.max)
        lead.accepted = try reader.bool(23); lead.converted = try reader.bool(24)
        lead.convertedAt = try reader.time(25); lead.revenue = try reader.decimal(26, in: -maximumFeatureValue...maximumFeatureValue)
        let agentValues = (averageResponse: try reader.decimal(27, in: 0...maximumFeatureValue),
                           conversionRate: try reader.decimal(28, in: 0...1), rating: try reader.decimal(29, in: 0...5))
        var agent: AgentRecord?
        if agentValues.averageResponse != nil || agentValues.conversionRate != nil || agentValues.rating != nil {
            guard let agentID = lead.agentId else {
                let given = (27...29).first { values[$0] != nil }!
                throw reader.fail(given, "an agent's values need the agent's id (agent_id)")
            }
            agent = AgentRecord(id: agentID, averageResponseSeconds: agentValues.averageResponse,
                                conversionRate: agentValues.conversionRate, rating: agentValues.rating)
        }
        return (lead, agent)
    }

    /// The largest magnitude a decimal field may have: features are `Float`, and a larger
    /// value would become infinite there.
    static let maximumFeatureValue = Double(Float.greatestFiniteMagnitude)

    private struct FieldReader {
        let values: [String?]
        let leadID: String?
        func fail(_ index: Int, _ reason: String) -> DecodingError {
            DecodingError(leadID: leadID, field: columns[index], value: values[index] ?? "NULL", reason: reason)
        }
        func bool(_ index: Int) throws(DecodingError) -> Bool? {
            guard let text = values[index] else { return nil }
            // The usual spellings first, without lower-casing (which allocates).
            if text == "true" || text == "t" { return true }
            if text == "false" || text == "f" { return false }
            switch text.lowercased() {
            case "t", "true", "1", "yes", "y": return true
            case "f", "false", "0", "no", "n": return false
            default: throw fail(index, "must be a boolean (true or false)")
            }
        }
        /// A whole number in `range`: digits, or a JSON number with no fraction (`3.0`, `1e2`).
        func integer(_ index: Int, in range: ClosedRange<Int64>) throws(DecodingError) -> Int64? {
            guard let text = values[index] else { return nil }
            let wanted = range.lowerBound == Int64.min ? "must be a whole number" : "must be a whole number from \(range.lowerBound) to \(range.upperBound)"
            let value: Int64
            if let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39), let exact = Int64(text) {
                value = exact
            } else if let number = JSONParser.number(text), number == number.rounded(), abs(number) < 9e15 {
                value = Int64(number)
            } else {
                throw fail(index, wanted)
            }
            guard range.contains(value) else { throw fail(index, wanted) }
            return value
        }
        /// A finite number in `range`, read with JSON's number grammar.
        func decimal(_ index: Int, in range: ClosedRange<Double>) throws(DecodingError) -> Double? {
            guard let text = values[index] else { return nil }
            guard let value = JSONParser.number(text), range.contains(value) else {
                let bound = { (x: Double) in x == maximumFeatureValue ? "3.4e38" : x == -maximumFeatureValue ? "-3.4e38" : x == x.rounded() ? String(Int(x)) : "\(x)" }
                throw fail(index, "must be a number from \(bound(range.lowerBound)) to \(bound(range.upperBound))")
            }
            return value
        }
        func time(_ index: Int) throws(DecodingError) -> Double? {
            guard let text = values[index] else { return nil }
            guard let value = Timestamp.parse(text) else {
                throw fail(index, "must be a timestamp (ISO 8601, or seconds since 1970) within PostgreSQL's range")
            }
            return value
        }
    }
}
