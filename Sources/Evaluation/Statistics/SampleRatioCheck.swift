/// The sample-ratio-mismatch check: a chi-square goodness-of-fit test of the leads each
/// variant received against the configured split. A failed check means the assignment or
/// the logging is broken, and no other result of the test can be trusted.
public struct SampleRatioCheck: Sendable, Equatable {
    /// Leads per variant.
    public var observed: [Int]
    /// Leads per variant expected from the split: total × share.
    public var expected: [Double]
    /// Σ (observed − expected)² / expected.
    public var chiSquare: Double
    /// P(χ²_{k−1} > chiSquare).
    public var pValue: Double
    /// The p-value below which the check fails. 0.001, the usual choice: with daily checks
    /// over a month a sound test still passes every one of them with probability 97 %.
    public var threshold: Double

    /// Whether the observed split is compatible with the configured one.
    public var passed: Bool { pValue >= threshold }

    /// The check of `observed` counts against `shares` (any positive numbers; normalised).
    public init(observed: [Int], shares: [Double], threshold: Double = 0.001) {
        precondition(observed.count == shares.count && observed.count >= 2 && shares.allSatisfy { $0 > 0 })
        self.observed = observed
        self.threshold = threshold
        let total = Double(observed.reduce(0, +)), shareSum = shares.reduce(0, +)
        expected = shares.map { total * $0 / shareSum }
        chiSquare = zip(observed, expected).reduce(0) { sum, pair in
            let gap = Double(pair.0) - pair.1
            return sum + (pair.1 > 0 ? gap * gap / pair.1 : 0)
        }
        pValue = total > 0 ? Distributions.chiSquareSurvival(chiSquare, degreesOfFreedom: Double(observed.count - 1)) : 1
    }
}
