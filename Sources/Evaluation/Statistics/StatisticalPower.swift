import Foundation

/// Power and sample size of the two-sided two-proportion test, on Cohen's effect size
/// h = 2·asin√p_T − 2·asin√p_C, as `statsmodels`' `NormalIndPower` with
/// `proportion_effectsize`.
public enum StatisticalPower {
    /// Cohen's h for rates `treatment` and `control` (0…1).
    public static func effectSize(treatment: Double, control: Double) -> Double {
        2 * asin(treatment.squareRoot()) - 2 * asin(control.squareRoot())
    }

    /// The probability that a two-sided test at level `alpha` rejects when the true effect
    /// size is `effectSize`, with `treatmentCount` and `controlCount` observations:
    /// Φ(|h|·√n_eff − z_{1−α/2}) + Φ(−|h|·√n_eff − z_{1−α/2}), n_eff = 1/(1/n_T + 1/n_C).
    public static func power(effectSize: Double, treatmentCount: Double, controlCount: Double, alpha: Double) -> Double {
        let effective = 1 / (1 / treatmentCount + 1 / controlCount)
        let critical = Distributions.normalQuantile(1 - alpha / 2)
        let shift = abs(effectSize) * effective.squareRoot()
        return Distributions.normalCDF(shift - critical) + Distributions.normalCDF(-shift - critical)
    }

    /// The treatment-group size at which ``power(effectSize:treatmentCount:controlCount:alpha:)``
    /// reaches `power`, with `controlPerTreatment` control observations per treatment one
    /// (1 for a 50/50 split). Solved by bisection on the exact power (both tails), as
    /// statsmodels' `solve_power` does; +∞ when the effect size is 0.
    public static func requiredTreatmentCount(effectSize: Double, alpha: Double, power: Double, controlPerTreatment ratio: Double) -> Double {
        guard effectSize != 0 else { return .infinity }
        let criticalSum = Distributions.normalQuantile(1 - alpha / 2) + Distributions.normalQuantile(power)
        let closedForm = (criticalSum / effectSize) * (criticalSum / effectSize) * (1 + ratio) / ratio
        var low = closedForm / 2, high = closedForm * 2
        func achieved(_ n: Double) -> Double { self.power(effectSize: effectSize, treatmentCount: n, controlCount: n * ratio, alpha: alpha) }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if achieved(middle) < power { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
