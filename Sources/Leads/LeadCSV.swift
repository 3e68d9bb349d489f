import Core
import Foundation
import Training

/// Lead records as CSV, one row per lead with the columns of ``LeadRow/columns`` (the
/// `leads` table plus the assigned agent's facts), times in ISO 8601 UTC.
public enum LeadCSV {
    /// Writes `leads` (joined with `agents`) to `url`, atomically.
    public static func write(leads: [LeadRecord], agents: [AgentRecord], to url: URL) throws {
        let agentsByID = Dictionary(agents.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        try CSVWriter.writeAtomically(to: url) { handle in
            var buffer = LeadRow.columns.joined(separator: ",") + "\n"
            for lead in leads {
                let agent = lead.agentId.flatMap { agentsByID[$0] }
                let values: [String?] = [
                    String(lead.id), lead.vertical, Timestamp.format(lead.createdAt), lead.email, lead.phone, lead.firstName,
                    lead.lastName, lead.address, lead.zipcode, lead.state, text(lead.formCompleted), text(lead.quoteRequested),
                    lead.pagesVisited.map(String.init), lead.timeOnSiteSeconds.map { "\($0)" }, text(lead.returnVisitor),
                    text(lead.mobile), lead.source, lead.insuranceType, lead.browser, lead.utmSource, lead.utmMedium,
                    lead.utmCampaign, lead.agentId.map(String.init), text(lead.accepted), text(lead.converted),
                    lead.convertedAt.map(Timestamp.format), lead.revenue.map { "\($0)" },
                    agent?.averageResponseSeconds.map { "\($0)" }, agent?.conversionRate.map { "\($0)" }, agent?.rating.map { "\($0)" },
                ]
                buffer += values.map { $0.map(CSVWriter.field) ?? "" }.joined(separator: ",") + "\n"
                if buffer.utf8.count > 1 << 20 {
                    try handle.write(buffer)
                    buffer = ""
                }
            }
            try handle.write(buffer)
        }
    }

    private static func text(_ value: Bool?) -> String? { value.map { $0 ? "true" : "false" } }
}
