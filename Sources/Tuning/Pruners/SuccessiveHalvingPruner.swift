/// Asynchronous successive halving (ASHA; Li et al., 2020), as Optuna's
/// `SuccessiveHalvingPruner`: rungs at steps `minResource · η^(minEarlyStoppingRate + r)`; a
/// trial reaching a rung continues only if its value there is among the best 1/η of all values
/// recorded at that rung (itself included; at least the single best always continues).
///
/// "All values recorded" are those of the trials finished before this one started, so that a
/// decision does not depend on the timing of concurrent trials.
public struct SuccessiveHalvingPruner: Pruner {
    public var minResource = 1
    public var reductionFactor = 4
    public var minEarlyStoppingRate = 0

    public init(minResource: Int = 1, reductionFactor: Int = 4, minEarlyStoppingRate: Int = 0) {
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.minEarlyStoppingRate = minEarlyStoppingRate
    }

    /// The step of rung `rung`.
    func rungStep(_ rung: Int) -> Int {
        var step = minResource
        for _ in 0..<(minEarlyStoppingRate + rung) { step *= reductionFactor }
        return step
    }

    public func shouldPrune(step: Int, value: Double, intermediateValues: [Int: Double], history: [Trial], direction: Direction) -> Bool {
        // Only at rung steps.
        var rung = 0
        while rungStep(rung) < step { rung += 1 }
        guard rungStep(rung) == step, !value.isNaN else { return false }
        let sign = direction == .minimize ? 1.0 : -1.0
        var competing = history.compactMap { $0.intermediateValues[step] }.filter { !$0.isNaN }.map { $0 * sign }
        competing.append(value * sign)
        competing.sort()
        let promotable = max(0, competing.count / reductionFactor - 1)
        return value * sign > competing[promotable]
    }
}
