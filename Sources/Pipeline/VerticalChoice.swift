import Evaluation
import Foundation

/// Whether a vertical keeps a model of its own, decided on evidence: only when the vertical's
/// own model ranks the vertical's validation rows better than the global model by more than
/// the noise of those rows. The test is DeLong's paired comparison of the two AUCs on the same
/// rows, one-sided (is the own model better?), at level ``level``. A small gain on a few
/// hundred rows is usually noise — a vertical that kept its own model on a 0.002 validation
/// gain lost 0.005 on the test rows — and a second model costs its upkeep, so the global model
/// serves unless the gain is clear.
///
/// The own model's early stopping looked at the same validation rows, which flatters it a
/// little; the test's margin is what guards against that too.
public struct VerticalChoice: Sendable, Equatable {
    /// The one-sided significance level a vertical's own model must reach.
    public static let level = 0.05

    public var ownAUC: Double
    public var globalAUC: Double
    /// DeLong's z for own − global; NaN when the difference has no variance (identical rankings).
    public var z: Double
    /// P(Z ≥ z) under no difference: the one-sided p-value.
    public var oneSidedPValue: Double
    /// Whether the own model is kept.
    public var kept: Bool

    /// The decision for scores `own` and `global` of the same validation rows.
    /// - Returns: nil when a class is missing from `labels` (no AUC).
    public static func decide(own: [Double], global: [Double], labels: [UInt8]) -> VerticalChoice? {
        guard let test = DeLongTest.compare(own, global, labels: labels) else { return nil }
        let p = test.z.isNaN ? 1 : Distributions.normalCDF(-test.z)
        return VerticalChoice(ownAUC: test.aucA, globalAUC: test.aucB, z: test.z, oneSidedPValue: p, kept: p < level)
    }

    /// The decision and the numbers it was made on, in one line for people.
    public var explanation: String {
        String(format: "validation AUC own %.4f vs global %.4f (DeLong z %.2f, one-sided p %.3g): %@", ownAUC, globalAUC, z, oneSidedPValue,
               kept ? "own model kept (p < \(Self.level))" : "global model (no gain beyond the noise, p ≥ \(Self.level))")
    }
}
