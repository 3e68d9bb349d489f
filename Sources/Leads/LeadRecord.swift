/// A lead as stored in the `leads` table: what the CRM knows when the lead arrives (contact,
/// engagement, source, assignment) and, later, its outcome.
///
/// Times are seconds since 1970-01-01 UTC. Optional fields are SQL NULLs / missing values.
/// The outcome fields (`accepted`, `converted`, `convertedAt`, `revenue`) are labels and
/// reporting data, never features.
public struct LeadRecord: Sendable, Equatable {
    public var id: Int64
    /// `pc`, `health` or `commercial` (other text is possible in a real table and is
    /// reported by the scorers).
    public var vertical: String
    public var createdAt: Double
    public var email: String?
    public var phone: String?
    public var firstName: String?
    public var lastName: String?
    public var address: String?
    public var zipcode: String?
    /// Two-letter US state code.
    public var state: String?
    public var formCompleted: Bool?
    public var quoteRequested: Bool?
    public var pagesVisited: Int?
    public var timeOnSiteSeconds: Double?
    public var returnVisitor: Bool?
    public var mobile: Bool?
    public var source: String?
    public var insuranceType: String?
    public var browser: String?
    public var utmSource: String?
    public var utmMedium: String?
    public var utmCampaign: String?
    public var agentId: Int64?
    public var accepted: Bool?
    public var converted: Bool?
    public var convertedAt: Double?
    public var revenue: Double?

    public init(id: Int64, vertical: String, createdAt: Double) {
        self.id = id
        self.vertical = vertical
        self.createdAt = createdAt
    }
}

/// The agent a lead was assigned to, as stored in the `agents` table.
public struct AgentRecord: Sendable, Equatable {
    public var id: Int64
    /// Mean seconds from lead arrival to the agent's first contact.
    public var averageResponseSeconds: Double?
    /// Fraction of the agent's past leads that converted, 0…1.
    public var conversionRate: Double?
    /// Customer rating, 1…5.
    public var rating: Double?

    public init(id: Int64, averageResponseSeconds: Double?, conversionRate: Double?, rating: Double?) {
        self.id = id
        self.averageResponseSeconds = averageResponseSeconds
        self.conversionRate = conversionRate
        self.rating = rating
    }
}

/// The three insurance verticals, each with its own models.
public enum Vertical: String, CaseIterable, Sendable {
    case pc
    case health
    case commercial
}
