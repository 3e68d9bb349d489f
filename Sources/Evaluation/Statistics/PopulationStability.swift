import Foundation

/// The population stability index, the measure of a distribution's shift used for input drift
/// (``DriftMonitor`` in Serving) and for the served scores against the training ones
/// (prediction monitoring): PSI = Σ_b (a_b − e_b) · ln(a_b / e_b) over bins b, with `a` the
/// observed shares and `e` the expected ones. Shares are floored at 10⁻⁴ so an empty bin on
/// either side adds a large but finite term. Conventional reading: below 0.1 stable, 0.1–0.25
/// a shift worth a look, 0.25 and above a shift that changes the model's inputs or outputs.
public enum PopulationStability {
    /// Below this PSI a distribution is read as stable.
    public static let warning = 0.1
    /// At or above this PSI a shift alerts.
    public static let alert = 0.25

    /// PSI of observed bin `counts` against `expected` shares over the same bins (the shares
    /// sum to 1; extra entries of the longer array are ignored). 0 when nothing was observed.
    public static func index(expected: [Double], counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return 0 }
        var psi = 0.0
        for (e, count) in zip(expected, counts) {
            let a = max(Double(count) / total, 1e-4), x = max(e, 1e-4)
            psi += (a - x) * log(a / x)
        }
        return psi
    }
}
