import Evaluation
import Training

/// The control arm of the A/B tests: a rule-based lead score of the kind the ML model
/// replaces, built from contact completeness, engagement and source, as a points table a
/// sales team can read and argue with.
///
/// | group | rule | points |
/// |---|---|---|
/// | contact (40) | valid email 12, valid phone 10, first and last name 6, address 6, valid ZIP code 4, state 2 | |
/// | engagement (45) | form completed 12, quote requested 13, one point per page visited up to 10, at least 60 s on site 5, returning visitor 5 | |
/// | source (−8…+15) | referral 15, partner API 12, event 12, comparison site 8, organic search 6, direct 6, email 5, paid search 4, TV 4, social 0, affiliate −5, radio −5, display −8, other or missing 0 | |
///
/// The score is the points, clamped to 0…100, divided by 100. It ranks leads; it is not a
/// probability. Its quality levels are fixed points thresholds: High ≥ 0.70, Medium ≥ 0.50,
/// Low ≥ 0.30, Very Low below. Validity (email, phone, ZIP) is decided by the same
/// ``FeatureExtractor`` the models use, so both arms see a lead the same way.
public enum RuleBasedLeadScorer {
    /// The version written to `ml_model_version` for leads this scorer scored.
    public static let versionLabel = "rules-v1"
    /// High ≥ 0.70, Medium ≥ 0.50, Low ≥ 0.30.
    public static let qualityLevels = QualityLevels(cutoffs: [0.70, 0.50, 0.30])

    /// A rule: the feature it reads and the points it gives for that feature's value.
    struct Rule: Sendable {
        var feature: String
        var points: @Sendable (InputValue) -> Double
    }

    static func flag(_ feature: String, _ points: Double) -> Rule {
        Rule(feature: feature) { value in if case .number(let x) = value, x == 1 { return points } else { return 0 } }
    }

    static let sourcePoints: [String: Double] = [
        "referral": 15, "partner_api": 12, "event": 12, "comparison_site": 8, "organic_search": 6, "direct": 6, "email": 5,
        "paid_search": 4, "tv": 4, "social": 0, "affiliate": -5, "radio": -5, "display": -8,
    ]

    static let rules: [Rule] = [
        flag("email_valid", 12), flag("phone_valid", 10), flag("has_full_name", 6), flag("has_address", 6),
        flag("zipcode_valid", 4), flag("has_state", 2),
        flag("form_completed", 12), flag("quote_requested", 13),
        Rule(feature: "pages_visited") { value in if case .number(let pages) = value { return Double(min(10, max(0, pages.rounded(.down)))) } else { return 0 } },
        Rule(feature: "time_on_site_s") { value in if case .number(let seconds) = value, seconds >= 60 { return 5 } else { return 0 } },
        flag("return_visitor", 5),
        Rule(feature: "source") { value in if case .text(let source) = value { return sourcePoints[source] ?? 0 } else { return 0 } },
    ]

    /// Where each rule's feature sits in ``FeatureExtractor``'s output.
    static let mapping: LeadFeatureMapping = {
        let schema = FeatureExtractor.schema
        let features = rules.map { rule in
            ModelFeature(name: rule.feature, kind: schema.categoricalNames.contains(rule.feature) ? .categorical : .numeric, categories: nil)
        }
        return LeadFeatureMapping(features: features)!
    }()

    /// The rule-based score of `lead`: score 0…1, quality level, and the rules that gave
    /// points (as factors in points / 100, largest first, at most `factors`).
    public static func score(_ lead: LeadRecord, agent: AgentRecord?, factors: Int) -> (score: Double, qualityLevel: String, factors: [ScoreFactor]) {
        let features = FeatureExtractor().extract(lead, agent: agent)
        var total = 0.0
        var fired: [ScoreFactor] = []
        for (k, rule) in rules.enumerated() {
            let value = mapping.value(features, k)
            let points = rule.points(value)
            total += points
            if points != 0 { fired.append(ScoreFactor(feature: rule.feature, value: value, contribution: points / 100)) }
        }
        let score = min(100, max(0, total)) / 100
        fired.sort { abs($0.contribution) > abs($1.contribution) }
        return (score, qualityLevels.level(score), Array(fired.prefix(max(0, factors))))
    }
}
