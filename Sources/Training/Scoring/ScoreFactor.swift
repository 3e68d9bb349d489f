/// One feature's part in a score.
public struct ScoreFactor: Sendable {
    /// The feature's column name (`quote_requested`).
    public var feature: String
    /// The name for people: `time_on_site_s` → "Time on site (s)".
    public var label: String { Self.readableName(feature) }
    /// The input value the model saw.
    public var value: InputValue
    /// Its contribution in log-odds of the calibrated probability (TreeSHAP for trees,
    /// coefficient × standardised value for linear models, weighted sums for ensembles).
    public var contribution: Double

    public init(feature: String, value: InputValue, contribution: Double) {
        self.feature = feature
        self.value = value
        self.contribution = contribution
    }
}

extension ScoreFactor {
    /// A column name for people: words instead of underscores, `x` as ×, a trailing `_s` as
    /// the unit: `engagement_x_completeness` → "Engagement × completeness".
    public static func readableName(_ name: String) -> String {
        var words = name.split(separator: "_").map(String.init)
        var unit = ""
        if words.count > 1, words.last == "s" { words.removeLast(); unit = " (s)" }
        let text = words.map { $0 == "x" ? "×" : $0 }.joined(separator: " ") + unit
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}
