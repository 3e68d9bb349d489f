import Training

/// Where each of a model's features comes from in a lead's ``LeadFeatures``; `nil` when the
/// model reads a column the ``FeatureExtractor`` does not make (not a lead model).
public struct LeadFeatureMapping: Sendable {
    private enum Source: Sendable { case numeric(Int), categorical(Int) }
    private let sources: [Source]

    public init?(features: [ModelFeature]) {
        let schema = FeatureExtractor.schema
        var numeric: [String: Int] = [:], categorical: [String: Int] = [:]
        for (k, name) in schema.numericNames.enumerated() { numeric[name] = k }
        for (k, name) in schema.categoricalNames.enumerated() { categorical[name] = k }
        var sources: [Source] = []
        for feature in features {
            if let k = numeric[feature.name] { sources.append(.numeric(k)) } else if let k = categorical[feature.name] { sources.append(.categorical(k)) } else { return nil }
        }
        self.sources = sources
    }

    /// The value of model feature `index` in `features`.
    @inline(__always)
    public func value(_ features: LeadFeatures, _ index: Int) -> InputValue {
        switch sources[index] {
        case .numeric(let k):
            let number = features.numeric[k]
            return number.isNaN ? .missing : .number(number)
        case .categorical(let k):
            return features.categorical[k].map(InputValue.text) ?? .missing
        }
    }
}
