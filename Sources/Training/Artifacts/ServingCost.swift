import Core
import Foundation

/// What serving a model costs per lead on the service's own path (``PreparedModel``'s one-row
/// scoring and explanations, with the tables and kernels the service builds), measured here on
/// rows of a table: microseconds per lead to score, and to score and explain (all features'
/// contributions). One thread, the median of three passes over the rows after a warm-up pass,
/// so a busy machine disturbs it less; still a timing, so it varies from run to run — choices
/// that must be reproducible use ``PreparedModel/explanationWorkPerRow`` instead.
public struct ServingCost: Sendable, Equatable {
    /// Microseconds per lead, scored.
    public var scoreMicroseconds: Double
    /// Microseconds per lead, scored and explained.
    public var explainMicroseconds: Double
    /// ``PreparedModel/explanationWorkPerRow``: the machine-independent measure.
    public var explanationWork: Int

    public init(scoreMicroseconds: Double, explainMicroseconds: Double, explanationWork: Int) {
        self.scoreMicroseconds = scoreMicroseconds
        self.explainMicroseconds = explainMicroseconds
        self.explanationWork = explanationWork
    }

    /// The rows ``measure(_:on:rows:)`` times by default.
    public static let defaultRows = 300

    /// Measures `model` on the first `rows` rows of `data` (all of them if fewer).
    /// - Throws: ``FeatureMismatch`` when `data` lacks a feature of the model;
    ///   ``PreprocessingError`` for a value a linear model refuses.
    public static func measure(_ model: TrainedModel, on data: Dataset, rows: Int = defaultRows) throws -> ServingCost {
        let prepared = PreparedModel(model)
        let n = min(rows, data.rowCount), width = max(1, prepared.featureCount)
        guard n > 0, prepared.scoresSingleRows else {
            return ServingCost(scoreMicroseconds: .nan, explainMicroseconds: .nan, explanationWork: prepared.explanationWorkPerRow)
        }
        let aligned = try data.rows(Array(0..<n)).aligned(to: model.features)
        var matrix = [Float](repeating: 0, count: n * width)
        matrix.withUnsafeMutableBufferPointer { out in for row in 0..<n { aligned.writeRow(row, to: out.baseAddress! + row * width) } }
        var phi = [Double](repeating: 0, count: max(1, prepared.contributionWidth))
        var sink = 0.0
        func pass(explaining: Bool) throws -> Double {
            let started = monotonicSeconds()
            try matrix.withUnsafeBufferPointer { values in
                try phi.withUnsafeMutableBufferPointer { phi in
                    for row in 0..<n {
                        let at = values.baseAddress! + row * width
                        sink += try prepared.rawScore(row: at)
                        if explaining {
                            phi.update(repeating: 0)
                            try prepared.addContributions(row: at, to: phi.baseAddress!)
                            sink += phi[0]
                        }
                    }
                }
            }
            return (monotonicSeconds() - started) / Double(n) * 1e6
        }
        func median(explaining: Bool) throws -> Double {
            _ = try pass(explaining: explaining)
            let times = try (0..<3).map { _ in try pass(explaining: explaining) }.sorted()
            return times[1]
        }
        let score = try median(explaining: false), explain = try median(explaining: true)
        precondition(!sink.isNaN || sink.isNaN)  // keeps the work from being optimised away
        return ServingCost(scoreMicroseconds: score, explainMicroseconds: explain, explanationWork: prepared.explanationWorkPerRow)
    }
}
