/// Why a model cannot be used: where in the model (`tree 17 node 4`, `member 2 'leafwise'`)
/// and what is wrong there. ``ModelBundle/read(from:)`` reports it with the file's path.
public struct ModelValidationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The places, outermost first (`["member 2 'leafwise'", "tree 17", "node 4"]`).
    public var location: [String]
    /// What is wrong (`right child 912 is outside the tree's 31 nodes`).
    public var problem: String

    public init(_ problem: String, at location: [String] = []) {
        self.problem = problem
        self.location = location
    }

    /// `member 2 'leafwise' tree 17 node 4: right child 912 is outside the tree's 31 nodes`.
    public var message: String { location.isEmpty ? problem : "\(location.joined(separator: " ")): \(problem)" }
    public var description: String { message }

    /// The same problem, located inside `place` (`"member 2 'trees'"`).
    func inside(_ place: String) -> ModelValidationError {
        ModelValidationError(problem, at: [place] + location)
    }
}

/// Checks that a model read from a file can be scored and explained safely: the scoring and
/// explaining code indexes without bounds checks and walks trees until it reaches a leaf, so a
/// damaged or hand-edited `model.json` (a child index past the end, a cycle, a feature the
/// model does not read, a length that disagrees) would read out of bounds or never finish.
/// Checksums sit next to the files they check, so they catch accidents, not edits; this is
/// what makes the unchecked paths safe after loading.
///
/// One check per model kind (``GBDTModel/validate()``, ``LogisticModel/validate()``,
/// ``EnsembleModel/validate()``, dispatched by ``TrainedModel/validate()``) and one of what the
/// manifest holds for scoring (``BundleManifest/validate(for:)``), run by
/// ``ModelBundle/read(from:)``, the one function every command and the service (at start and
/// on reload) load bundles through. Models trained in the process are valid by construction
/// and are not checked.
///
/// This type holds the limits on a model's numbers and the checks every model kind shares.
public enum ModelValidation {
    /// The largest magnitude any number of a model may have (leaf values, coefficients, means,
    /// weights, calibration parameters), and the reciprocal of the smallest a scale may have.
    ///
    /// Training makes log-odds of a few tens at most; 10¹⁰⁰ is far beyond that, yet far enough
    /// below `Double`'s range (about 1.8 × 10³⁰⁸) that the sums and products scoring and
    /// explaining form from a few such numbers (a tree's leaves over thousands of trees, a
    /// coefficient times a standardised input, a member weight times its score) stay finite.
    /// Finite checks alone would let `1e308` through, and one addition later the score is ∞.
    public static let magnitudeLimit = 1e100

    /// Requires `value` to be finite and within ``magnitudeLimit``.
    static func requireBounded(_ value: Double, _ what: @autoclosure () -> String) throws(ModelValidationError) {
        guard value.isFinite else { throw ModelValidationError("\(what()) is \(value), not a finite number") }
        guard abs(value) <= magnitudeLimit else {
            throw ModelValidationError("\(what()) is \(value), beyond the limit of ±\(magnitudeLimit)")
        }
    }

    /// Requires every value of `values` to pass ``requireBounded(_:_:)``; names the first that
    /// fails by its index.
    static func requireBounded(_ values: [Double], _ what: String) throws(ModelValidationError) {
        for (index, value) in values.enumerated() { try requireBounded(value, "\(what)[\(index)]") }
    }

    /// Requires `count` entries of `what`, `expected` by `rule` (`"one per design column"`).
    static func requireCount(_ count: Int, _ what: String, _ expected: Int, _ rule: String) throws(ModelValidationError) {
        guard count == expected else {
            throw ModelValidationError("\(what) has \(count) entries, not \(expected) (\(rule))")
        }
    }

    /// Requires the model's input features to have distinct names, and a dictionary for each
    /// categorical one (rows are aligned by name, and category codes index the dictionary).
    static func validateFeatures(_ features: [ModelFeature]) throws(ModelValidationError) {
        var seen = Set<String>()
        for (index, feature) in features.enumerated() {
            guard seen.insert(feature.name).inserted else {
                throw ModelValidationError("features[\(index)]: the name '\(feature.name)' appears twice")
            }
            if feature.kind == .categorical && feature.categories == nil {
                throw ModelValidationError("features[\(index)] '\(feature.name)': a categorical feature without categories")
            }
        }
    }
}

extension TrainedModel {
    /// Checks the model as read from a file (see ``ModelValidation``): indices in range, trees
    /// acyclic, numbers finite and lengths consistent, so that scoring and explaining it
    /// terminate, stay in bounds and give finite numbers for finite inputs.
    /// - Throws: ``ModelValidationError`` naming the place and the problem.
    public func validate() throws(ModelValidationError) {
        switch self {
        case .gbdt(let model): try model.validate()
        case .logistic(let model): try model.validate()
        case .ensemble(let model): try model.validate()
        }
    }
}
