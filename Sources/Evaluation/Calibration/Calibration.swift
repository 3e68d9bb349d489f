/// A calibration map from a model's raw score (log-odds) to a probability, fitted on held-out
/// rows and stored with the model.
public enum Calibration: Codable, Sendable, Equatable {
    /// p = σ(−(a·s + b)): affine in log-odds, so explanations stay exact (see ``logOddsScale``).
    case platt(PlattScaling)
    /// A monotone step map fitted by isotonic regression on the raw scores.
    case isotonic(IsotonicRegression)

    /// The calibrated probability of raw score `rawScore`.
    public func probability(rawScore: Double) -> Double {
        switch self {
        case .platt(let map): map.probability(rawScore)
        case .isotonic(let map): map.predict(rawScore)
        }
    }

    /// For Platt scaling, (scale, offset) with calibrated log-odds = scale · s + offset, so that
    /// contributions can be rescaled and still add up; nil for isotonic maps.
    public var logOddsScale: (scale: Double, offset: Double)? {
        if case .platt(let map) = self { return (-map.a, -map.b) }
        return nil
    }
}
