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

    /// A value that does not fit its column.
    public struct DecodingError: Error, CustomStringConvertible, Sendable {
        public var leadID: String?
        public var field: String
        public var value: String
        public var description: String { "lead \(leadID ?? "?"): field '\(field)' has an invalid value '\(value)'" }
    }

    /// Decodes one row of ``selectList`` (text values, `nil` = NULL).
    public static func decode(_ values: [String?]) throws(DecodingError) -> (lead: LeadRecord, agent: AgentRecord?) {
        precondition(values.count == columns.count, "a lead row has \(columns.count) values")
        let reader = FieldReader(values: values, leadID: values[0])
        guard let idText = values[0], let id = Int64(idText) else { throw DecodingError(leadID: values[0], field: "id", value: values[0] ?? "NULL") }
        guard let createdAt = try reader.time(2) else { throw DecodingError(leadID: idText, field: "created_at", value: "NULL") }
        var lead = LeadRecord(id: id, vertical: values[1] ?? "", createdAt: createdAt)
        lead.email = values[3]; lead.phone = values[4]; lead.firstName = values[5]; lead.lastName = values[6]
        lead.address = values[7]; lead.zipcode = values[8]; lead.state = values[9]
        lead.formCompleted = try reader.bool(10); lead.quoteRequested = try reader.bool(11)
        lead.pagesVisited = try reader.int(12).map(Int.init); lead.timeOnSiteSeconds = try reader.double(13)
        lead.returnVisitor = try reader.bool(14); lead.mobile = try reader.bool(15)
        lead.source = values[16]; lead.insuranceType = values[17]; lead.browser = values[18]
        lead.utmSource = values[19]; lead.utmMedium = values[20]; lead.utmCampaign = values[21]
        lead.agentId = try reader.int(22)
        lead.accepted = try reader.bool(23); lead.converted = try reader.bool(24)
        lead.convertedAt = try reader.time(25); lead.revenue = try reader.double(26)
        var agent: AgentRecord?
        if let agentID = lead.agentId, values[27] != nil || values[28] != nil || values[29] != nil {
            agent = AgentRecord(id: agentID, averageResponseSeconds: try reader.double(27),
                                conversionRate: try reader.double(28), rating: try reader.double(29))
        }
        return (lead, agent)
    }

    private struct FieldReader {
        let values: [String?]
        let leadID: String?
        func fail(_ index: Int) -> DecodingError { DecodingError(leadID: leadID, field: columns[index], value: values[index] ?? "NULL") }
        func bool(_ index: Int) throws(DecodingError) -> Bool? {
            guard let text = values[index] else { return nil }
            // The usual spellings first, without lower-casing (which allocates).
            if text == "true" || text == "t" { return true }
            if text == "false" || text == "f" { return false }
            switch text.lowercased() {
            case "t", "true", "1", "yes", "y": return true
            case "f", "false", "0", "no", "n": return false
            default: throw fail(index)
            }
        }
        func int(_ index: Int) throws(DecodingError) -> Int64? {
            guard let text = values[index] else { return nil }
            if let value = Int64(text) { return value }
            if let value = Double(text), value == value.rounded(), abs(value) < 9e15 { return Int64(value) }
            throw fail(index)
        }
        /// A number the features can hold: finite, and within `Float`'s range (features are
        /// `Float`; a larger value would become infinite there and fail the linear model).
        func double(_ index: Int) throws(DecodingError) -> Double? {
            guard let text = values[index] else { return nil }
            guard let value = Double(text), abs(value) <= Double(Float.greatestFiniteMagnitude) else { throw fail(index) }
            return value
        }
        func time(_ index: Int) throws(DecodingError) -> Double? {
            guard let text = values[index] else { return nil }
            guard let value = Timestamp.parse(text) else { throw fail(index) }
            return value
        }
    }
}
