import Foundation

/// Always-valid inference for the difference of two means (conversion rates included) by the
/// mixture sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis & Walsh,
/// "Always Valid Inference" (Operations Research, 2022), on the normal approximation.
///
/// At each look the estimate θ̂ = mean_T − mean_C has variance V (from the data so far). The
/// likelihood ratio of "θ ~ N(0, τ²)" against "θ = 0" is
/// Λ = √(V / (V + τ²)) · exp(θ̂²·τ² / (2V(V + τ²))); under the null it is a martingale, so
/// P(Λ ever ≥ 1/α) ≤ α (Ville's inequality) however often one looks. The always-valid
/// p-value is the running minimum of min(1, 1/Λ), and the confidence sequence is the running
/// intersection of θ̂ ± √(V(V + τ²)/τ² · (2·log(1/α) + log((V + τ²)/V))): the values of θ the
/// test would not reject at this look.
///
/// τ is the mixing scale: the test has most power for effects near it. mlctl sets it to the
/// test's minimum detectable effect in absolute units. The guarantee holds for any τ; only
/// the power depends on it. The price of peeking freely is power: a fixed-horizon test at its
/// planned sample size detects the same effect with roughly half to two thirds of the data.
public struct MixtureSequentialTest: Sendable, Equatable {
    /// The mixing variance τ² (> 0), in squared units of the difference.
    public var mixingVariance: Double
    public var alpha: Double

    public init(mixingScale: Double, alpha: Double = 0.05) {
        precondition(mixingScale > 0 && mixingScale.isFinite && alpha > 0 && alpha < 1)
        mixingVariance = mixingScale * mixingScale
        self.alpha = alpha
    }

    /// One look at the data: the estimated difference and its variance, from all data so far.
    public struct Look: Sendable, Equatable {
        public var difference: Double
        /// Variance of ``difference`` (e.g. p_T(1−p_T)/n_T + p_C(1−p_C)/n_C); looks with 0 or
        /// NaN variance carry no information and leave the results unchanged.
        public var variance: Double

        public init(difference: Double, variance: Double) {
            self.difference = difference
            self.variance = variance
        }
    }

    /// What is known after a look.
    public struct State: Sendable, Equatable {
        /// Λ at this look.
        public var likelihoodRatio: Double
        /// The always-valid p-value: min over looks so far of min(1, 1/Λ).
        public var pValue: Double
        /// The confidence sequence for the difference: the intersection over looks so far.
        public var interval: Interval
        /// Whether the test has rejected "no difference" at level α by this look.
        public var rejected: Bool
    }

    /// The state after each of `looks`, in order.
    public func run(_ looks: [Look]) -> [State] {
        var pValue = 1.0
        var interval = Interval(-.infinity, .infinity)
        var states: [State] = []
        states.reserveCapacity(looks.count)
        let tau2 = mixingVariance
        for look in looks {
            var ratio = 1.0
            let v = look.variance
            if v > 0, v.isFinite, look.difference.isFinite {
                let logRatio = 0.5 * log(v / (v + tau2)) + look.difference * look.difference * tau2 / (2 * v * (v + tau2))
                ratio = exp(logRatio)
                pValue = min(pValue, min(1, exp(-logRatio)))
                let halfWidth = (v * (v + tau2) / tau2 * (2 * log(1 / alpha) + log((v + tau2) / v))).squareRoot()
                interval = Interval(max(interval.lower, look.difference - halfWidth), min(interval.upper, look.difference + halfWidth))
            }
            states.append(State(likelihoodRatio: ratio, pValue: pValue, interval: interval, rejected: pValue <= alpha))
        }
        return states
    }
}
