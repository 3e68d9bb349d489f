import Core
import Evaluation

/// The bundled lead dataset: 50,000 synthetic leads made by ``SyntheticLeadGenerator`` with a
/// fixed seed over the year before 2026-10-01. It is generated on use (≈0.3 s) rather than
/// stored, which keeps the repository light; a test pins its fingerprint so that any change to
/// the generator is deliberate. See `datasets/README.md`.
public enum BundledLeads {
    public static let seed: UInt64 = 20_261_001
    public static let count = 50_000
    /// 2026-10-01T00:00:00Z
    public static let windowEnd = Timestamp.seconds(year: 2026, month: 10, day: 1)

    /// The generator behind the bundled data.
    public static var generator: SyntheticLeadGenerator {
        SyntheticLeadGenerator(seed: seed, windowEnd: windowEnd, windowDays: 365)
    }

    /// The bundled leads and their agents.
    public static func load(threads: Int = defaultThreadCount) -> (leads: [LeadRecord], agents: [AgentRecord]) {
        let agents = generator.agents()
        return (generator.leads(0..<count, agents: agents, threads: threads), agents)
    }
}
