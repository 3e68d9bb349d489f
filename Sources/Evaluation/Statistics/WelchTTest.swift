import Foundation

/// Welch's two-sided t-test for the difference of two means with unequal variances (as SciPy's
/// `ttest_ind(treatment, control, equal_var=False)`), from each group's count, mean and
/// sample variance. Used for revenue per lead and time to conversion.
public struct WelchTTest: Sendable, Equatable {
    /// mean_T − mean_C.
    public var difference: Double
    /// difference / √(s²_T/n_T + s²_C/n_C); NaN when both variances are 0.
    public var statistic: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var degreesOfFreedom: Double
    /// Two-sided p-value under Student's t with ``degreesOfFreedom``.
    public var pValue: Double
    /// difference ± t_{1−α/2, df}·standard error.
    public var interval: Interval

    /// The test at level `alpha`; `nil` when a group has fewer than 2 values.
    public init?(treatment: MeanSample, control: MeanSample, alpha: Double = 0.05) {
        guard treatment.count >= 2, control.count >= 2 else { return nil }
        let vT = treatment.varianceOfMean, vC = control.varianceOfMean
        let standardError = (vT + vC).squareRoot()
        difference = treatment.mean - control.mean
        degreesOfFreedom = (vT + vC) * (vT + vC)
            / (vT * vT / Double(treatment.count - 1) + vC * vC / Double(control.count - 1))
        guard standardError > 0 else {
            statistic = .nan
            pValue = .nan
            interval = Interval(difference, difference)
            return
        }
        statistic = difference / standardError
        pValue = min(1, 2 * Distributions.studentTSurvival(abs(statistic), degreesOfFreedom: degreesOfFreedom))
        let critical = Distributions.studentTQuantile(1 - alpha / 2, degreesOfFreedom: degreesOfFreedom)
        interval = Interval(difference - critical * standardError, difference + critical * standardError)
    }
}
