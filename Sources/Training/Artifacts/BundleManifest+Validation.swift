import Evaluation

/// The checks of the parts of `manifest.json` that scoring reads (see ``ModelValidation``):
/// `manifest.json` holds the other files' checksums but none of its own, so it is as open to
/// edits as the model.
extension BundleManifest {
    /// Checks the manifest against the bundle's `model`: the input schema is the model's
    /// features; the calibration, quality levels and input profile have the shapes and numbers
    /// that ``Calibration/probability(rawScore:)``, ``QualityLevels/level(_:)`` and drift
    /// monitoring index and divide by.
    /// - Throws: ``ModelValidationError`` naming the field (`calibration: Platt parameter a is
    ///   nan, not a finite number`).
    public func validate(for model: TrainedModel) throws(ModelValidationError) {
        let features = model.features
        if inputSchema != features {
            let index = zip(inputSchema, features).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(inputSchema.count, features.count)
            throw ModelValidationError("inputSchema differs from the model's features at entry \(index) (\(inputSchema.count) entries against the model's \(features.count))")
        }
        if let calibration {
            do throws(ModelValidationError) { try Self.validate(calibration) } catch { throw error.inside("calibration") }
        }
        if let qualityLevels {
            do throws(ModelValidationError) { try Self.validate(qualityLevels) } catch { throw error.inside("qualityLevels") }
        }
        if let inputProfile {
            do throws(ModelValidationError) { try Self.validate(inputProfile) } catch { throw error.inside("inputProfile") }
        }
        if let scoreProfile {
            do throws(ModelValidationError) { try Self.validate(scoreProfile) } catch { throw error.inside("scoreProfile") }
        }
    }

    /// Platt parameters finite and bounded; isotonic knots: as many values as scores, some,
    /// scores ascending, values probabilities.
    private static func validate(_ calibration: Calibration) throws(ModelValidationError) {
        switch calibration {
        case .platt(let map):
            try ModelValidation.requireBounded(map.a, "Platt parameter a")
            try ModelValidation.requireBounded(map.b, "Platt parameter b")
        case .isotonic(let map):
            guard !map.x.isEmpty else { throw ModelValidationError("isotonic map without knots") }
            try ModelValidation.requireCount(map.y.count, "isotonic y", map.x.count, "one per isotonic x")
            try ModelValidation.requireBounded(map.x, "isotonic x")
            if let index = map.x.indices.dropFirst().first(where: { map.x[$0] < map.x[$0 - 1] }) {
                throw ModelValidationError("isotonic x[\(index)] is \(map.x[index]), below the knot before it")
            }
            if let index = map.y.firstIndex(where: { !(0...1).contains($0) }) {
                throw ModelValidationError("isotonic y[\(index)] is \(map.y[index]), not a probability")
            }
        }
    }

    /// Three cut-offs (one per level above the lowest), none NaN, not increasing.
    private static func validate(_ levels: QualityLevels) throws(ModelValidationError) {
        try ModelValidation.requireCount(levels.cutoffs.count, "cutoffs", QualityLevels.names.count - 1, "one per quality level above the lowest")
        if let index = levels.cutoffs.firstIndex(where: \.isNaN) { throw ModelValidationError("cutoffs[\(index)] is NaN") }
        if let index = levels.cutoffs.indices.dropFirst().first(where: { levels.cutoffs[$0] > levels.cutoffs[$0 - 1] }) {
            throw ModelValidationError("cutoffs[\(index)] is \(levels.cutoffs[index]), above the cut-off before it")
        }
    }

    /// Per feature: a share per bin (the value bins, then "other" for categories, then
    /// missing), shares in [0, 1], numeric edges ascending.
    private static func validate(_ profile: InputProfile) throws(ModelValidationError) {
        guard profile.rows >= 0 else { throw ModelValidationError("rows is \(profile.rows)") }
        for (index, feature) in profile.features.enumerated() {
            let place = "features[\(index)] '\(feature.name)'"
            let bins: Int
            if let categories = feature.categories {
                bins = categories.count + 2
            } else {
                let edges = feature.edges ?? []
                if let edge = edges.firstIndex(where: \.isNaN) { throw ModelValidationError("\(place): edges[\(edge)] is NaN") }
                if let edge = edges.indices.dropFirst().first(where: { edges[$0] < edges[$0 - 1] }) {
                    throw ModelValidationError("\(place): edges[\(edge)] is \(edges[edge]), below the edge before it")
                }
                bins = edges.count + 2
            }
            try ModelValidation.requireCount(feature.shares.count, "\(place): shares", bins, "one per bin")
            if let share = feature.shares.firstIndex(where: { !(0...1).contains($0) }) {
                throw ModelValidationError("\(place): shares[\(share)] is \(feature.shares[share]), not a share")
            }
        }
    }

    /// Edges finite and strictly ascending; one share in [0, 1] per bin.
    private static func validate(_ profile: ScoreProfile) throws(ModelValidationError) {
        guard profile.rows >= 0 else { throw ModelValidationError("rows is \(profile.rows)") }
        try ModelValidation.requireBounded(profile.edges, "edges")
        if let edge = profile.edges.indices.dropFirst().first(where: { profile.edges[$0] <= profile.edges[$0 - 1] }) {
            throw ModelValidationError("edges[\(edge)] is \(profile.edges[edge]), not above the edge before it")
        }
        try ModelValidation.requireCount(profile.shares.count, "shares", profile.edges.count + 1, "one per bin")
        if let share = profile.shares.firstIndex(where: { !(0...1).contains($0) }) {
            throw ModelValidationError("shares[\(share)] is \(profile.shares[share]), not a share")
        }
    }
}
