import Core

/// Stops a trial whose best intermediate value so far is worse than the median of the
/// complete trials' values at the same step (Optuna's `MedianPruner`).
public struct MedianPruner: Pruner {
    /// No pruning until this many trials have completed.
    public var startupTrials = 5
    /// No pruning before this step.
    public var warmupSteps = 0

    public init(startupTrials: Int = 5, warmupSteps: Int = 0) {
        self.startupTrials = startupTrials
        self.warmupSteps = warmupSteps
    }

    public func shouldPrune(step: Int, value: Double, intermediateValues: [Int: Double], history: [Trial], direction: Direction) -> Bool {
        guard step >= warmupSteps else { return false }
        let complete = history.filter { $0.state == .complete }
        guard complete.count >= startupTrials else { return false }
        let others = complete.compactMap { $0.intermediateValues[step] }.filter { !$0.isNaN }.map { direction == .minimize ? $0 : -$0 }
        guard !others.isEmpty else { return false }
        let mine = (Array(intermediateValues.values) + [value]).filter { !$0.isNaN }.map { direction == .minimize ? $0 : -$0 }
        return mine.min()! > median(others)
    }
}
