import Core
import Foundation

/// Where train-all's rows come from.
public enum TrainAllSource: Sendable, Equatable {
    /// The bundled synthetic leads (`BundledLeads`), labelled by conversion.
    case bundledLeads
    /// Any CSV table with a label column `target`.
    case csv(path: String, target: String)
    /// Leads in PostgreSQL, optionally one vertical (`pc`, `health`, `commercial`) and the last
    /// `days` days.
    case database(url: String, vertical: String?, days: Int?)

    /// Whether the rows are leads (bundled or from PostgreSQL) rather than a user's table.
    public var isLeads: Bool {
        if case .csv = self { return false }
        return true
    }
}

/// Everything one train-all run is told; the defaults are `mlctl train-all`'s.
public struct TrainAllConfiguration: Sendable {
    public var source: TrainAllSource = .bundledLeads
    /// Time-ordered split by this column (earliest 60 % train, next 20 % valid, latest 20 %
    /// test) instead of a stratified one. Leads take `created_at` only; a CSV table any column,
    /// which is then not a feature.
    public var splitBy: String?
    /// Columns of a CSV source that are never features (ids, leaked outcomes).
    public var ignoredColumns: Set<String> = []
    /// Tuning trials per tree variant.
    public var trials = 12
    /// Cross-validation folds while tuning.
    public var folds = 3
    /// Tuning time limit for all variants together, in seconds; nil: none.
    public var timeout: Double?
    /// Bootstrap resamples for the test-set intervals.
    public var resamples = 1000
    /// Worker threads, ≥ 1.
    public var threads = defaultThreadCount
    /// The seed of the whole run: the split, every stage's stream and the bootstrap.
    public var seed: UInt64 = 0
    /// The most a served lead may cost, scored and explained, in microseconds on this machine
    /// (``ServedModelChoice``); nil: no budget.
    public var servingBudgetMicroseconds: Double?
    /// Whether the shipped models are fitted again on all rows once every decision is made
    /// (``TrainAllRefit``); the test figures are always those of the split.
    public var refit = true
    /// Tables with fewer rows make their decisions from out-of-fold scores on the training
    /// and validation rows together (``TrainAllCrossFit``); 0 never. Not for time-ordered
    /// splits, whose validation rows must come after the training rows.
    public var crossFitBelow = 5_000
    /// The model registry directory.
    public var registry = URL(fileURLWithPath: "models")
    /// Whether the new version becomes current.
    public var promote = true

    public init() {}

    /// The label column: the table's `target`, or `converted` for leads.
    public var target: String {
        if case .csv(_, let target) = source { return target }
        return "converted"
    }
}

/// A run that cannot start because of what it was told (a missing column, one class only):
/// the command line reports it as a usage mistake.
public struct TrainAllInputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

/// A stage that failed, with its own reason: "train-all stage 'ensemble' failed: …".
public struct TrainAllStageFailure: Error, CustomStringConvertible {
    public var stage: String
    public var reason: Error
    public var description: String { "train-all stage '\(stage)' failed: \(reason)" }
}
