import Foundation

/// The two-sided two-proportion z-test of treatment against control, with Wald intervals for
/// the difference and the ratio of the rates: what `statsmodels` computes with
/// `proportions_ztest` (pooled variance) and `confint_proportions_2indep` (`wald` for the
/// difference, `log` for the ratio).
///
/// This is a fixed-horizon test: its p-value is valid when the test is analysed once, at a
/// sample size chosen in advance. Looked at daily, it rejects far more often than α
/// (see ``MixtureSequentialTest`` for the always-valid alternative).
public struct TwoProportionZTest: Sendable, Equatable {
    public var treatment: ProportionSample
    public var control: ProportionSample
    public var alpha: Double
    /// (p_T − p_C) / √(p̄(1 − p̄)(1/n_T + 1/n_C)), with p̄ the pooled rate; 0 when p̄ is 0 or 1.
    public var z: Double
    /// Two-sided p-value of z.
    public var pValue: Double
    /// p_T − p_C.
    public var difference: Double
    /// Wald interval with the unpooled variance: difference ± z_{1−α/2}·√(p_T(1−p_T)/n_T + p_C(1−p_C)/n_C).
    public var differenceInterval: Interval
    /// p_T / p_C (NaN when the control rate is 0).
    public var ratio: Double
    /// Katz's log interval: exp(log ratio ± z_{1−α/2}·√(1/x_T − 1/n_T + 1/x_C − 1/n_C)); needs
    /// successes in both groups, else [0, ∞].
    public var ratioInterval: Interval
    /// ratio − 1, the relative lift.
    public var relativeLift: Double { ratio - 1 }
    /// ``ratioInterval`` − 1.
    public var relativeLiftInterval: Interval { ratioInterval.map { $0 - 1 } }

    /// The test at significance level `alpha` (two-sided). Both groups need trials.
    public init(treatment: ProportionSample, control: ProportionSample, alpha: Double = 0.05) {
        precondition(treatment.trials > 0 && control.trials > 0, "both groups need trials")
        precondition(alpha > 0 && alpha < 1)
        self.treatment = treatment
        self.control = control
        self.alpha = alpha
        let pT = treatment.rate, pC = control.rate
        let nT = Double(treatment.trials), nC = Double(control.trials)
        let pooled = Double(treatment.successes + control.successes) / (nT + nC)
        let pooledError = (pooled * (1 - pooled) * (1 / nT + 1 / nC)).squareRoot()
        difference = pT - pC
        z = pooledError > 0 ? difference / pooledError : 0
        pValue = pooledError > 0 ? 2 * Distributions.normalSurvival(abs(z)) : 1
        let critical = Distributions.normalQuantile(1 - alpha / 2)
        let unpooledError = (pT * (1 - pT) / nT + pC * (1 - pC) / nC).squareRoot()
        differenceInterval = Interval(difference - critical * unpooledError, difference + critical * unpooledError)
        ratio = pT / pC
        if treatment.successes > 0 && control.successes > 0 {
            let logError = (1 / Double(treatment.successes) - 1 / nT + 1 / Double(control.successes) - 1 / nC).squareRoot()
            ratioInterval = Interval(exp(log(ratio) - critical * logError), exp(log(ratio) + critical * logError))
        } else {
            ratioInterval = Interval(0, .infinity)
        }
    }
}
