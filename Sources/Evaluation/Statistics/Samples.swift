/// Successes out of trials in one group (conversions of the leads in one variant).
public struct ProportionSample: Sendable, Equatable {
    public var successes: Int
    public var trials: Int

    public init(successes: Int, trials: Int) {
        precondition(successes >= 0 && trials >= successes, "successes must be within 0...trials")
        self.successes = successes
        self.trials = trials
    }

    /// successes / trials; NaN with no trials.
    public var rate: Double { trials > 0 ? Double(successes) / Double(trials) : .nan }
}

/// Count, mean and sample variance (denominator n − 1) of one group's values, the sufficient
/// statistics of Welch's test; a database can compute them with `count`, `avg`, `var_samp`.
public struct MeanSample: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    /// Sample variance with denominator n − 1 (0 when count < 2).
    public var variance: Double

    public init(count: Int, mean: Double, variance: Double) {
        self.count = count
        self.mean = mean
        self.variance = variance
    }

    /// The statistics of `values`, computed in two passes (no cancellation).
    public init(_ values: [Double]) {
        count = values.count
        mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        let mean = mean
        variance = values.count < 2 ? 0 : values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    }

    /// The squared standard error of the mean, variance / count.
    public var varianceOfMean: Double { count > 0 ? variance / Double(count) : .nan }
}

/// A closed interval [lower, upper] of real numbers (a confidence interval).
public struct Interval: Sendable, Equatable {
    public var lower: Double
    public var upper: Double

    public init(_ lower: Double, _ upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
    /// The interval with `transform` applied to both ends (for increasing transforms).
    public func map(_ transform: (Double) -> Double) -> Interval { Interval(transform(lower), transform(upper)) }
}
