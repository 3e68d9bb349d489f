import Database
import Evaluation
import Foundation
import Training

/// How the scores the service stored (`leads.ml_score`, `ml_model_version`, `scored_at`) hold
/// up once the leads' outcomes arrive (`converted` set, true or false; NULL while open): per
/// model version and vertical (and over all verticals), the leads scored in a window, their
/// mean score against the observed conversion rate, the live ROC AUC, log loss and expected
/// calibration error — each computed in SQL, where the leads are — the population stability
/// index of the stored scores against the version's scores on its test rows (no outcome
/// needed: the first sign of a shift), and a level that says whether the live AUC fell below
/// what the version measured on its test rows, its calibration drifted, or its scores moved,
/// far enough to retrain.
public struct PredictionMonitoring: Sendable {
    /// How alarming a row is.
    public enum Level: String, Sendable, Comparable, CaseIterable {
        /// Too few known outcomes (either class) to judge.
        case insufficient
        case ok
        case warning
        case alert

        /// Ordered as declared.
        public static func < (a: Level, b: Level) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    /// When a row warns or alerts.
    public struct Thresholds: Sendable, Equatable {
        /// Live AUC this far below the version's test AUC warns (absolute AUC points).
        public var aucDropWarning = 0.03
        public var aucDropAlert = 0.05
        /// Expected calibration error (10 bins) past these warns / alerts.
        public var calibrationWarning = 0.05
        public var calibrationAlert = 0.10
        /// Conversions and non-conversions each needed before a row is judged: below it the
        /// AUC's standard error is several points.
        public var minimumPerClass = 30
        /// Score drift (PSI of the stored scores against the test rows') past these warns /
        /// alerts: ``PopulationStability``'s conventional levels.
        public var scoreDriftWarning = PopulationStability.warning
        public var scoreDriftAlert = PopulationStability.alert
        /// Scored leads needed before the score drift is judged.
        public var minimumScored = 100

        public init() {}
    }

    /// What a version measured when it was trained, the marks its live figures are held to.
    public struct Expectation: Sendable, Equatable {
        /// ROC AUC on its test rows.
        public var auc: Double?
        /// Its scores on its test rows.
        public var scores: ScoreProfile?

        public init(auc: Double? = nil, scores: ScoreProfile? = nil) {
            self.auc = auc
            self.scores = scores
        }
    }

    /// One model version on one vertical (`all`: every vertical together).
    public struct Row: Sendable, Equatable {
        public var version: String
        public var vertical: String
        /// Leads it scored in the window.
        public var scored: Int
        public var meanScore: Double
        /// Of those, the leads whose outcome is known, and the conversions among them.
        public var withOutcome: Int
        public var conversions: Int
        /// On the leads with an outcome; `nil` without both classes.
        public var auc: Double?
        public var logLoss: Double?
        public var calibrationError: Double?
        /// The version's test AUC (from its bundle), when known.
        public var expectedAUC: Double?
        /// PSI of the scores stored in the window against the version's test-row scores
        /// (``ScoreProfile``); on the `all` row of a version whose bundle has a profile, `nil`
        /// elsewhere: a vertical's leads are a part, not a sample, of the rows profiled.
        public var scoreDrift: Double?
        public var level: Level = .insufficient
        /// Why the level is what it is, one sentence per fact.
        public var reasons: [String] = []

        public var conversionRate: Double { withOutcome > 0 ? Double(conversions) / Double(withOutcome) : .nan }
    }

    public var days: Int
    public var rows: [Row]
    /// The worst level of any row.
    public var level: Level { rows.map(\.level).max() ?? .insufficient }

    /// The figures of every version and vertical scored in the last `days` days, judged by
    /// `thresholds` against `expected(version label)` (e.g. `v3/global` → its bundle's test AUC
    /// and test-row scores).
    public static func read(from connection: PostgresConnection, days: Int, thresholds: Thresholds = Thresholds(),
                            expected: (String) -> Expectation = { _ in Expectation() }) throws -> PredictionMonitoring {
        let result = try connection.query(sql, [String(days)])
        var rows: [Row] = []
        for record in result {
            var row = Row(version: try record.text("version"), vertical: try record.text("vertical"), scored: try record.int("scored"),
                          meanScore: try record.double("mean_score"), withOutcome: try record.int("with_outcome"),
                          conversions: try record.int("conversions"), auc: try record.optionalDouble("auc"),
                          logLoss: try record.optionalDouble("log_loss"), calibrationError: try record.optionalDouble("ece"))
            let expectation = expected(row.version)
            row.expectedAUC = expectation.auc
            if row.vertical == "all", let profile = expectation.scores {
                // One bin (every test score equal) cannot show a shift.
                row.scoreDrift = profile.edges.isEmpty ? 0 : PopulationStability.index(
                    expected: profile.shares, counts: try scoreCounts(from: connection, version: row.version, days: days, profile: profile))
            }
            (row.level, row.reasons) = judge(row, thresholds)
            rows.append(row)
        }
        return PredictionMonitoring(days: days, rows: rows)
    }

    /// How many of the scores `version` stored in the window fall in each of `profile`'s bins,
    /// counted in SQL (`width_bucket` bins as ``ScoreProfile/bin(_:)`` does).
    static func scoreCounts(from connection: PostgresConnection, version: String, days: Int, profile: ScoreProfile) throws -> [Int] {
        var counts = [Int](repeating: 0, count: profile.edges.count + 1)
        let result = try connection.query("""
            SELECT width_bucket(ml_score::float8, $2::float8[]) AS bin, count(*) AS n FROM leads
            WHERE ml_model_version = $1 AND ml_score IS NOT NULL AND scored_at >= now() - make_interval(days => $3::int)
            GROUP BY 1
            """, [version, PostgresArray.literal(profile.edges.map { "\($0)" }, quoted: false), String(days)])
        for record in result {
            let bin = try record.int("bin")
            if counts.indices.contains(bin) { counts[bin] += try record.int("n") }
        }
        return counts
    }

    /// The level of `row` and its reasons: the live quality once both classes have enough
    /// known outcomes, and the score drift once enough leads were scored (which can alert
    /// before any outcome is known).
    static func judge(_ row: Row, _ t: Thresholds) -> (Level, [String]) {
        var (level, reasons) = judgeQuality(row, t)
        if let psi = row.scoreDrift, row.scored >= t.minimumScored {
            let text = String(format: "score drift (PSI against the version's test rows) %.4f", psi)
            if psi >= t.scoreDriftAlert { level = .alert; reasons.append(text + String(format: ": past the alert level of %.2f", t.scoreDriftAlert)) }
            else if psi >= t.scoreDriftWarning { level = max(level, .warning); reasons.append(text + String(format: ": past the warning level of %.2f", t.scoreDriftWarning)) }
            else { reasons.append(text) }
        }
        return (level, reasons)
    }

    /// The level from the live AUC and calibration alone.
    static func judgeQuality(_ row: Row, _ t: Thresholds) -> (Level, [String]) {
        let negatives = row.withOutcome - row.conversions
        guard row.conversions >= t.minimumPerClass, negatives >= t.minimumPerClass, let auc = row.auc else {
            return (.insufficient, ["\(row.conversions) conversions and \(negatives) non-conversions with a known outcome; \(t.minimumPerClass) of each are needed to judge"])
        }
        var level = Level.ok, reasons: [String] = []
        if let expected = row.expectedAUC {
            let drop = expected - auc
            let text = String(format: "live AUC %.4f against %.4f on the version's test rows (%+.4f)", auc, expected, -drop)
            if drop >= t.aucDropAlert { level = .alert; reasons.append(text + String(format: ": past the alert level of %.2f", t.aucDropAlert)) }
            else if drop >= t.aucDropWarning { level = .warning; reasons.append(text + String(format: ": past the warning level of %.2f", t.aucDropWarning)) }
            else { reasons.append(text) }
        } else {
            reasons.append(String(format: "live AUC %.4f (the version's test AUC is not known)", auc))
        }
        if let ece = row.calibrationError {
            let text = String(format: "calibration error %.4f (mean score %.4f, conversion rate %.4f)", ece, row.meanScore, row.conversionRate)
            if ece >= t.calibrationAlert { level = max(level, .alert); reasons.append(text + String(format: ": past the alert level of %.2f", t.calibrationAlert)) }
            else if ece >= t.calibrationWarning { level = max(level, .warning); reasons.append(text + String(format: ": past the warning level of %.2f", t.calibrationWarning)) }
            else { reasons.append(text) }
        }
        return (level, reasons)
    }

    /// Per version and vertical (each lead also counts under `all`): the AUC from the rank
    /// sum of the positives (ties at their mean rank: the Mann–Whitney statistic), the log
    /// loss with probabilities clipped to [1e-15, 1 − 1e-15], and the calibration error over
    /// ten equal-width bins (the last one holding 1) — the definitions of ``RankingMetrics``
    /// and ``ClassificationMetrics``.
    static let sql = """
        WITH base AS (
            SELECT l.ml_model_version AS version, v.vertical, l.ml_score AS p,
                   CASE WHEN l.converted THEN 1 WHEN NOT l.converted THEN 0 END AS y
            FROM leads l CROSS JOIN LATERAL (VALUES (l.vertical), ('all')) AS v(vertical)
            WHERE l.ml_score IS NOT NULL AND l.ml_model_version IS NOT NULL
              AND l.scored_at >= now() - make_interval(days => $1::int)
        ),
        known AS (SELECT * FROM base WHERE y IS NOT NULL),
        ranked AS (
            SELECT version, vertical, p, y,
                   rank() OVER (PARTITION BY version, vertical ORDER BY p) AS r,
                   count(*) OVER (PARTITION BY version, vertical, p) AS ties
            FROM known
        ),
        quality AS (
            SELECT version, vertical, count(*) AS n, sum(y) AS pos, sum(y * (r + (ties - 1) / 2.0)) AS rank_sum,
                   avg(-(y * ln(pc) + (1 - y) * ln(1::float8 - pc))) AS log_loss
            FROM (SELECT *, least(greatest(p, 1e-15::float8), 1::float8 - 1e-15::float8) AS pc FROM ranked) AS clipped
            GROUP BY version, vertical
        ),
        bins AS (
            SELECT version, vertical, least(floor(p * 10), 9) AS bin, count(*) AS n, avg(p) AS mean_p, avg(y) AS mean_y
            FROM known GROUP BY version, vertical, 3
        ),
        calibration AS (SELECT version, vertical, sum(n * abs(mean_p - mean_y)) / sum(n) AS ece FROM bins GROUP BY version, vertical),
        volume AS (SELECT version, vertical, count(*) AS scored, avg(p) AS mean_score FROM base GROUP BY version, vertical)
        SELECT v.version, v.vertical, v.scored, v.mean_score::float8 AS mean_score,
               coalesce(q.n, 0) AS with_outcome, coalesce(q.pos, 0) AS conversions,
               ((q.rank_sum - q.pos * (q.pos + 1) / 2.0) / nullif(q.pos * (q.n - q.pos), 0))::float8 AS auc,
               q.log_loss::float8 AS log_loss, c.ece::float8 AS ece
        FROM volume v LEFT JOIN quality q USING (version, vertical) LEFT JOIN calibration c USING (version, vertical)
        ORDER BY v.version, v.vertical <> 'all', v.vertical
        """
}
