import Core
import Evaluation
import Foundation
import Training

/// `summary.json` of a registry version: what train-all trained, how each model scored on the
/// test rows, how long each stage took, the deployed model's calibration and quality levels,
/// and each vertical's decision. Written by ``TrainAllPipeline``, read by `mlctl models`.
public struct TrainAllSummary: Codable, Sendable {
    public struct Rows: Codable, Sendable { public var train, valid, test: Int }

    public struct DeLong: Codable, Sendable {
        public var aucDifference: Double
        public var z, pValue: JSONNumber
        enum CodingKeys: String, CodingKey { case z, aucDifference = "auc_difference", pValue = "p_value" }
    }

    public struct Model: Codable, Sendable {
        public var name, kind, detail: String
        public var validROCAUC: JSONNumber
        /// The model's evaluation on the test rows.
        public var test: EvaluationReport.Document
        public var seconds: Double
        public var delongVsBaseline: DeLong?
        enum CodingKeys: String, CodingKey {
            case name, kind, detail, test, seconds
            case validROCAUC = "valid_roc_auc", delongVsBaseline = "delong_vs_baseline"
        }
    }

    public struct Stage: Codable, Sendable {
        public var stage: String
        public var seconds: Double
    }

    /// The global model's calibration and the numbers it was decided on. `method` is `platt`
    /// when Platt scaling serves and `none` when the model serves σ(raw); `a` and `b` are the
    /// Platt map fitted on the validation rows either way. (Summaries before format 2 lack the
    /// optional fields and always served Platt scaling.)
    public struct Calibration: Codable, Sendable {
        public var method = "platt"
        public var a, b: Double
        public var fittedOn = "validation"
        public var decision: String?
        public var validLogLossUncalibrated, validLogLossCrossFitted: JSONNumber?
        /// One-sided p-value of the cross-fitted map's per-row gain (kept only below 0.05).
        public var validGainPValue: JSONNumber?
        public var testLogLossUncalibrated, testLogLossPlatt: JSONNumber?
        /// Test ECE of σ(raw), and of the probability served.
        public var testECEBefore, testECEAfter: JSONNumber
        public var testECEPlatt: JSONNumber?
        enum CodingKeys: String, CodingKey {
            case method, a, b, decision
            case fittedOn = "fitted_on", testECEBefore = "test_ece_before", testECEAfter = "test_ece_after", testECEPlatt = "test_ece_platt"
            case validLogLossUncalibrated = "valid_log_loss_uncalibrated", validLogLossCrossFitted = "valid_log_loss_platt_cross_fitted"
            case validGainPValue = "valid_gain_one_sided_p_value"
            case testLogLossUncalibrated = "test_log_loss_uncalibrated", testLogLossPlatt = "test_log_loss_platt"
        }
    }

    /// Which candidate serves as `global` and why (format 2): the rule, the decision in words,
    /// and each candidate's validation AUC gap to the best with its standard error and its
    /// serving cost.
    public struct Served: Codable, Sendable {
        public struct Candidate: Codable, Sendable {
            public var name: String
            public var validROCAUC, gap, gapStandardError: JSONNumber
            public var withinNoise, withinBudget: Bool
            /// Measured on this machine, one thread: microseconds per lead.
            public var scoreMicroseconds, explainMicroseconds: JSONNumber
            public var explanationWork: Int
            enum CodingKeys: String, CodingKey {
                case name, gap
                case validROCAUC = "valid_roc_auc", gapStandardError = "gap_standard_error", withinNoise = "within_noise", withinBudget = "within_budget"
                case scoreMicroseconds = "score_us", explainMicroseconds = "score_and_explain_us", explanationWork = "explanation_work"
            }
        }
        public var model: String
        public var rule: String
        public var decision: String
        public var budgetMicroseconds: Double?
        public var candidates: [Candidate]
        enum CodingKeys: String, CodingKey { case model, rule, decision, candidates, budgetMicroseconds = "budget_us" }
    }

    public struct Quality: Codable, Sendable {
        public var names: [String]
        public var cutoffs: [Double]
        public var fittedOn = "validation"
        enum CodingKeys: String, CodingKey { case names, cutoffs, fittedOn = "fitted_on" }
    }

    public struct AUCPair: Codable, Sendable { public var own, global: JSONNumber }

    public struct Vertical: Codable, Sendable {
        public var vertical: String
        public var trainRows, trainPositives: Int
        /// The bundle that serves the vertical: its own name, or `global`.
        public var model: String
        public var decision: String
        public var validROCAUC, testROCAUC: AUCPair?
        /// DeLong's z and one-sided p-value of own − global on the validation rows (format 2).
        public var delongZ, delongOneSidedPValue: JSONNumber?
        /// The own model's calibration decision, when it has one (format 2).
        public var calibration: String?
        enum CodingKeys: String, CodingKey {
            case vertical, model, decision, calibration
            case trainRows = "train_rows", trainPositives = "train_positives", validROCAUC = "valid_roc_auc", testROCAUC = "test_roc_auc"
            case delongZ = "delong_z", delongOneSidedPValue = "delong_one_sided_p_value"
        }
    }

    public var format = "mlctl-train-all-summary"
    public var formatVersion = 2
    public var mlctlVersion = MLCTLVersion.current
    public var createdAt: String
    public var source: String
    public var seed: UInt64
    public var rows: Rows
    /// The name of the candidate deployed as `global`.
    public var global: String
    public var models: [Model]
    public var stages: [Stage]
    public var served: Served?
    /// The rows the shipped models were refitted on after the decisions (format 2; nil: not
    /// refitted). The models' test figures are from before the refit.
    public var refitOnRows: Int?
    /// On a small table, the rows whose out-of-fold scores made the decisions (format 2; nil:
    /// a validation split made them).
    public var crossFitRows: Int?
    public var calibration: Calibration
    public var qualityLevels: Quality
    public var verticals: [Vertical]

    enum CodingKeys: String, CodingKey {
        case format, formatVersion, mlctlVersion, createdAt, source, seed, rows, global, models, stages, served, calibration, verticals
        case refitOnRows = "refit_on_rows"
        case crossFitRows = "cross_fit_rows"
        case qualityLevels = "quality_levels"
    }

    /// The summary of registry version directory `directory`; nil when it has none or it does
    /// not read as one.
    public static func read(from directory: URL) -> TrainAllSummary? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(ModelRegistry.summaryFile)) else { return nil }
        return try? JSONCoding.decoder().decode(TrainAllSummary.self, from: data)
    }

    /// The test ROC AUC of the model named `name`, if it was evaluated.
    public func testAUC(of name: String) -> Double? {
        models.first { $0.name == name }?.test.metrics["roc_auc"]?.value
    }
}

extension TrainAllResult {
    /// This run's ``TrainAllSummary``.
    var summary: TrainAllSummary {
        let models = candidates.enumerated().map { index, candidate in
            TrainAllSummary.Model(name: candidate.name, kind: candidate.model.kind, detail: candidate.detail,
                                  validROCAUC: JSONNumber(validAUC[index]), test: reports[index].document, seconds: candidate.seconds,
                                  delongVsBaseline: index > 0 ? comparisons[index - 1].test.map {
                                      .init(aucDifference: $0.aucA - $0.aucB, z: JSONNumber($0.z), pValue: JSONNumber($0.pValue))
                                  } : nil)
        }
        let verticals = verticals.map { outcome in
            TrainAllSummary.Vertical(vertical: outcome.vertical, trainRows: outcome.trainRows, trainPositives: outcome.trainPositives,
                                     model: outcome.candidate == nil ? "global" : outcome.vertical, decision: outcome.decision,
                                     validROCAUC: outcome.choice.map { .init(own: JSONNumber($0.ownAUC), global: JSONNumber($0.globalAUC)) },
                                     testROCAUC: outcome.testAUC.map { .init(own: JSONNumber($0.own), global: JSONNumber($0.global)) },
                                     delongZ: outcome.choice.map { JSONNumber($0.z) },
                                     delongOneSidedPValue: outcome.choice.map { JSONNumber($0.oneSidedPValue) },
                                     calibration: outcome.calibration?.explanation)
        }
        return TrainAllSummary(createdAt: BundleManifest.now(), source: source, seed: seed,
                               rows: .init(train: split.train.count, valid: split.valid.count, test: split.test.count),
                               global: candidates[globalIndex].name, models: models,
                               stages: stageTimes.map { TrainAllSummary.Stage(stage: $0.0, seconds: $0.1) },
                               served: .init(model: candidates[globalIndex].name, rule: ServedModelChoice.rule, decision: served.explanation,
                                             budgetMicroseconds: served.budgetMicroseconds,
                                             candidates: served.candidates.map {
                                                 .init(name: $0.name, validROCAUC: JSONNumber($0.validAUC), gap: JSONNumber($0.gap),
                                                       gapStandardError: JSONNumber($0.gapStandardError), withinNoise: $0.withinNoise,
                                                       withinBudget: $0.withinBudget, scoreMicroseconds: JSONNumber($0.cost.scoreMicroseconds),
                                                       explainMicroseconds: JSONNumber($0.cost.explainMicroseconds), explanationWork: $0.cost.explanationWork)
                                             }),
                               refitOnRows: refitRows, crossFitRows: crossFitRows,
                               calibration: .init(method: calibration.kept ? "platt" : "none", a: calibration.platt.a, b: calibration.platt.b,
                                                  decision: calibration.explanation,
                                                  validLogLossUncalibrated: JSONNumber(calibration.uncalibratedLogLoss),
                                                  validLogLossCrossFitted: JSONNumber(calibration.crossFittedLogLoss),
                                                  validGainPValue: JSONNumber(calibration.pValue),
                                                  testLogLossUncalibrated: JSONNumber(calibrationCheck.uncalibratedLogLoss),
                                                  testLogLossPlatt: JSONNumber(calibrationCheck.plattLogLoss),
                                                  testECEBefore: JSONNumber(calibrationCheck.uncalibratedECE),
                                                  testECEAfter: JSONNumber(calibration.kept ? calibrationCheck.plattECE : calibrationCheck.uncalibratedECE),
                                                  testECEPlatt: JSONNumber(calibrationCheck.plattECE)),
                               qualityLevels: .init(names: QualityLevels.names, cutoffs: qualityLevels.cutoffs), verticals: verticals)
    }
}
