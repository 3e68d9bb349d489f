import Core

/// A ``TrainedModel`` made ready for many small scoring calls (a service scoring one lead at a
/// time): tree ensembles are flattened once here instead of on every call, recursively inside
/// ensembles; linear models get their design-row encoder; ensembles a map from their rows to
/// each member's. Every model kind then scores and explains one row without building a
/// ``Dataset`` (``rawScore(row:memberScores:)``, ``addContributions(row:to:)``). Scores and
/// contributions equal ``TrainedModel/rawScores(_:threads:)`` and
/// ``TrainedModel/contributions(_:threads:)`` bit for bit (tested for every kind).
public final class PreparedModel: Sendable {
    public let model: TrainedModel
    /// ``TrainedModel/expectedRawScore``, computed once (the bias of the contributions).
    public let expectedRawScore: Double
    private let scorer: Scorer

    private enum Scorer: Sendable {
        case trees(TreeEnsemblePredictor, [ModelFeature], TreeExplainer)
        case logistic(LogisticModel, LinearRowEncoder, owners: [Int])
        /// `rows`: how each member's row is gathered from the ensemble's; nil when some member
        /// cannot be read that way (then only the table path scores).
        case ensemble(weights: [Double], members: [PreparedModel], rows: [MemberRow]?)
    }

    /// Where a member's row values come from in its ensemble's row (the union of the members'
    /// features, first seen first, with the first member's dictionaries): a position per member
    /// feature, and for a categorical feature whose dictionary differs from the ensemble's, the
    /// member's code of each ensemble code (as the table path re-codes it).
    struct MemberRow: Sendable {
        var positions: [Int]
        var translations: [[Float]?]

        init?(member: [ModelFeature], ensemble: [ModelFeature]) {
            var index: [String: Int] = [:]
            for (i, feature) in ensemble.enumerated() { index[feature.name] = i }
            positions = []
            translations = []
            for feature in member {
                guard let position = index[feature.name], ensemble[position].kind == feature.kind else { return nil }
                positions.append(position)
                let outer = ensemble[position].categories ?? [], own = feature.categories ?? []
                if feature.kind == .categorical && outer != own {
                    var code: [String: Float] = [:]
                    for (k, text) in own.enumerated() { code[text] = Float(k) }
                    translations.append(outer.map { code[$0] ?? Float(CategoricalColumn.unseenCode) })
                } else {
                    translations.append(nil)
                }
            }
        }

        /// Writes the member's row, gathered from the ensemble's `row`, to `out`.
        func gather(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
            for (k, position) in positions.enumerated() {
                let value = row[position]
                if let table = translations[k], value >= 0, Int(value) < table.count {
                    out[k] = table[Int(value)]
                } else {
                    out[k] = value
                }
            }
        }
    }

    public init(_ model: TrainedModel) {
        self.model = model
        self.expectedRawScore = model.expectedRawScore
        switch model {
        case .gbdt(let trees):
            scorer = .trees(TreeEnsemblePredictor(trees: trees.trees, initialScore: trees.initialScore), trees.features,
                            TreeExplainer(trees: trees.trees, featureCount: trees.features.count))
        case .logistic(let linear):
            scorer = .logistic(linear, LinearRowEncoder(linear.preprocessor), owners: linear.preprocessor.outputOwners)
        case .ensemble(let ensemble):
            let active = ensemble.members.filter { $0.weight != 0 }
            let members = active.map { PreparedModel($0.model) }
            let union = ensemble.features
            let rows = members.map { MemberRow(member: $0.model.features, ensemble: union) }
            scorer = .ensemble(weights: active.map(\.weight), members: members,
                               rows: rows.allSatisfy { $0 != nil } && members.allSatisfy(\.scoresSingleRows) ? rows.map { $0! } : nil)
        }
        featureCount = model.features.count
    }

    /// The number of values in a row (``TrainedModel/features``).
    public let featureCount: Int

    /// Raw scores (log-odds) of every row of `dataset` (columns found by name).
    public func rawScores(_ dataset: Dataset, threads: Int = 1) throws -> [Double] {
        switch scorer {
        case .trees(let predictor, let features, _):
            return predictor.rawScores(try dataset.aligned(to: features), threads: threads)
        case .logistic(let linear, _, _):
            return try linear.rawScores(dataset, threads: threads)
        case .ensemble(let weights, let members, _):
            return EnsembleModel.combine(try members.map { try $0.rawScores(dataset, threads: threads) }, weights: weights)
        }
    }

    /// The raw scores of an ensemble's members (weight > 0) with their weights; `nil` for a
    /// single model. For judging how much the members agree.
    public func memberRawScores(_ dataset: Dataset, threads: Int = 1) throws -> (weights: [Double], scores: [[Double]])? {
        guard case .ensemble(let weights, let members, _) = scorer else { return nil }
        return (weights, try members.map { try $0.rawScores(dataset, threads: threads) })
    }

    /// An ensemble's member weights (weight > 0, member order); empty for a single model.
    public var memberWeights: [Double] {
        if case .ensemble(let weights, _, _) = scorer { return weights }
        return []
    }

    /// Whether ``rawScore(row:memberScores:)`` and ``addContributions(row:to:)`` apply: every
    /// tree and linear model, and ensembles whose members all read their values from the
    /// ensemble's row.
    public var scoresSingleRows: Bool {
        if case .ensemble(_, _, nil) = scorer { return false }
        return true
    }

    /// The raw score of one row, given as values in ``TrainedModel/features`` order (numbers,
    /// NaN for missing; category codes of the model's dictionaries as floats, −1 missing, −2
    /// unseen: what ``ModelInputEncoder`` writes). An ensemble also writes each member's raw
    /// score to `memberScores` (``memberWeights``' order) when given. Precondition:
    /// ``scoresSingleRows``.
    /// - Throws: ``PreprocessingError`` for an infinite number read by a linear model.
    public func rawScore(row: UnsafePointer<Float>, memberScores: UnsafeMutablePointer<Double>? = nil) throws -> Double {
        switch scorer {
        case .trees(let predictor, _, _):
            return predictor.rawScore(row: row)
        case .logistic(let linear, let encoder, _):
            return try withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, encoder.width)) { design in
                try encoder.encode(row, into: design.baseAddress!)
                return linear.rawScore(design: design.baseAddress!)
            }
        case .ensemble(let weights, let members, let rows?):
            // Σₘ wₘ · rawₘ from 0 in member order, as EnsembleModel.combine sums a table's rows.
            var total = 0.0
            for (m, member) in members.enumerated() {
                let score = try withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, member.featureCount)) { memberRow in
                    rows[m].gather(row, into: memberRow.baseAddress!)
                    return try member.rawScore(row: memberRow.baseAddress!)
                }
                memberScores?[m] = score
                total += weights[m] * score
            }
            return total
        case .ensemble:
            preconditionFailure("rawScore(row:) needs scoresSingleRows")
        }
    }

    /// How many values ``addContributions(row:to:)`` writes (at least ``featureCount``; the
    /// first ``featureCount`` are the contributions).
    public var contributionWidth: Int {
        if case .trees(_, _, let explainer) = scorer { return max(featureCount, explainer.featureCount) }
        return featureCount
    }

    /// Adds one row's contributions (log-odds, one per feature; ``rawScore(row:memberScores:)``'s
    /// row layout) to `phi` (``contributionWidth`` values): TreeSHAP for trees, βⱼ(xⱼ − meanⱼ)
    /// for linear models, members' contributions times their weights for ensembles.
    /// Precondition: ``scoresSingleRows``.
    public func addContributions(row: UnsafePointer<Float>, to phi: UnsafeMutablePointer<Double>) throws {
        switch scorer {
        case .trees(_, _, let explainer):
            explainer.addContributions(row: row, to: phi)
        case .logistic(let linear, let encoder, let owners):
            try withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, encoder.width)) { design in
                try encoder.encode(row, into: design.baseAddress!)
                linear.addContributions(design: design.baseAddress!, owners: owners, to: phi)
            }
        case .ensemble(let weights, let members, let rows?):
            // Each member's own contributions, then Σ wₘ φₘ per ensemble feature in member
            // order, as EnsembleModel.contributions adds a table's rows.
            for (m, member) in members.enumerated() {
                try withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, member.featureCount)) { memberRow in
                    try withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, member.contributionWidth)) { memberPhi in
                        rows[m].gather(row, into: memberRow.baseAddress!)
                        memberPhi.initialize(repeating: 0)
                        try member.addContributions(row: memberRow.baseAddress!, to: memberPhi.baseAddress!)
                        for (k, position) in rows[m].positions.enumerated() { phi[position] += weights[m] * memberPhi[k] }
                    }
                }
            }
        case .ensemble:
            preconditionFailure("addContributions(row:to:) needs scoresSingleRows")
        }
    }

    /// The raw scores of `count` rows laid out one after another (``featureCount`` values
    /// each, as for ``rawScore(row:memberScores:)``), written to `scores`; an ensemble also
    /// writes each row's member scores to `memberScores` (row-major, ``memberWeights``' order)
    /// when given. Each score is bit for bit what ``rawScore(row:memberScores:)`` gives, but tree
    /// models walk eight rows at a time (inside ensembles too: each member scores the block of
    /// its rows, then the members are combined row by row in member order). Precondition:
    /// ``scoresSingleRows``.
    /// - Throws: ``PreprocessingError`` for an infinite number read by a linear model.
    public func rawScores(rows: UnsafePointer<Float>, count: Int, into scores: UnsafeMutablePointer<Double>,
                          memberScores: UnsafeMutablePointer<Double>? = nil) throws {
        switch scorer {
        case .trees(let predictor, _, _):
            predictor.rawScores(rows: rows, count: count, featureCount: featureCount, into: scores)
        case .logistic:
            for r in 0..<count { scores[r] = try rawScore(row: rows + r * featureCount) }
        case .ensemble(let weights, let members, let memberRows?):
            scores.update(repeating: 0, count: count)
            for (m, member) in members.enumerated() {
                let width = member.featureCount
                try withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, count * width)) { block in
                    try withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, count)) { own in
                        for r in 0..<count { memberRows[m].gather(rows + r * featureCount, into: block.baseAddress! + r * width) }
                        try member.rawScores(rows: block.baseAddress!, count: count, into: own.baseAddress!)
                        for r in 0..<count {
                            scores[r] += weights[m] * own[r]
                            memberScores?[r * members.count + m] = own[r]
                        }
                    }
                }
            }
        case .ensemble:
            preconditionFailure("rawScores(rows:count:into:) needs scoresSingleRows")
        }
    }

    /// What explaining one row costs, machine-independently (``TreeExplainer/workPerRow`` for
    /// trees; for a linear model, its design width; for an ensemble, its members' sum).
    public var explanationWorkPerRow: Int {
        switch scorer {
        case .trees(_, _, let explainer): explainer.workPerRow
        case .logistic(_, let encoder, _): encoder.width
        case .ensemble(_, let members, _): members.reduce(0) { $0 + $1.explanationWorkPerRow }
        }
    }

    /// Per-row, per-feature contributions (see ``TrainedModel/contributions(_:threads:)``).
    public func contributions(_ dataset: Dataset, threads: Int = 1) throws -> [[Double]] {
        try model.contributions(dataset, threads: threads)
    }
}
