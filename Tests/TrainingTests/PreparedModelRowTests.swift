import Core
import Foundation
import Testing
@testable import Training

/// The row paths of ``PreparedModel`` (one row: what the service uses for one lead; a block of
/// rows: what the batch scorer uses) against the table path (a ``Dataset``, what they used
/// before): raw scores, members' scores and contributions must agree bit for bit for every
/// model kind, since the same sums are formed in the same order; rows include missing
/// numbers, missing and unseen categories.
@Suite struct PreparedModelRowTests {
    /// Rows of (x1, x2 with missing values, colour with missing values, size), label from a
    /// logistic model of them. `colours` is the colour dictionary the rows draw from.
    static func table(rows: Int, seed: UInt64, colours: [String]) -> Dataset {
        var random = SeededGenerator(seed: seed)
        var x1: [Float] = [], x2: [Float] = [], colour: [String?] = [], size: [Float] = [], labels: [UInt8] = []
        for _ in 0..<rows {
            let a = random.nextGaussian(), b = random.nextGaussian()
            let c = random.nextDouble() < 0.1 ? nil : colours[random.nextInt(below: colours.count)]
            let s = Float(random.nextInt(below: 5))
            x1.append(Float(a))
            x2.append(random.nextDouble() < 0.15 ? .nan : Float(b))
            colour.append(c)
            size.append(s)
            let signal = 1.2 * a - 0.8 * b + (c == "red" ? 0.9 : 0) + 0.3 * Double(s) - 1
            labels.append(random.nextDouble() < logistic(signal) ? 1 : 0)
        }
        return Dataset(columns: [.numeric(NumericColumn(name: "x1", values: x1)), .numeric(NumericColumn(name: "x2", values: x2)),
                                 .categorical(CategoricalColumn(name: "colour", texts: colour)), .numeric(NumericColumn(name: "size", values: size))],
                       labels: labels, rowCount: rows)
    }

    static func trees(_ data: Dataset, growth: GrowthPolicy, seed: UInt64) throws -> TrainedModel {
        var parameters = GBDTParameters()
        parameters.growth = growth
        parameters.trees = 40
        parameters.numLeaves = 15
        parameters.minDataInLeaf = 10
        parameters.seed = seed
        parameters.threads = 1
        return .gbdt(try GBDTTrainer.train(data, parameters: parameters))
    }

    static func logisticModel(_ data: Dataset) throws -> TrainedModel {
        var parameters = LogisticParameters()
        parameters.smote = true
        parameters.threads = 1
        return .logistic(try LogisticTrainer.train(data, parameters: parameters))
    }

    /// Rows to score, in `model`'s feature order, through the service's encoder: values drawn
    /// like the training rows plus an unseen colour, missing colours and missing numbers.
    static func encodedRows(for model: TrainedModel, count: Int) -> (rows: [Float], encoder: ModelInputEncoder) {
        let encoder = ModelInputEncoder(features: model.features)
        var random = SeededGenerator(seed: 77)
        let colours: [String?] = ["red", "green", "blue", "violet", nil]
        let values: [[String: InputValue]] = (0..<count).map { _ in
            var row: [String: InputValue] = [:]
            row["x1"] = .number(Float(random.nextGaussian() * 1.5))
            row["x2"] = random.nextDouble() < 0.2 ? .missing : .number(Float(random.nextGaussian()))
            row["colour"] = colours[random.nextInt(below: colours.count)].map(InputValue.text) ?? .missing
            row["size"] = .number(Float(random.nextInt(below: 6)))
            return row
        }
        let rows = encoder.encode(rows: count) { r, k in values[r][encoder.features[k].name] ?? .missing }
        return (rows, encoder)
    }

    /// Compares both paths on `count` rows.
    static func expectRowPathMatchesTablePath(_ model: TrainedModel, count: Int = 300) throws {
        let prepared = PreparedModel(model)
        #expect(prepared.scoresSingleRows)
        let (rows, encoder) = encodedRows(for: model, count: count)
        let table = encoder.dataset(encoded: rows, rows: count)
        let tableScores = try prepared.rawScores(table)
        let tableMembers = try prepared.memberRawScores(table)
        let tablePhi = try prepared.contributions(table)
        let width = prepared.featureCount
        #expect(prepared.memberWeights.count == (tableMembers?.weights.count ?? 0))
        // The block path (eight rows at a time through trees, members combined row by row).
        var blockScores = [Double](repeating: .nan, count: count)
        var blockMembers = [Double](repeating: .nan, count: count * prepared.memberWeights.count)
        try rows.withUnsafeBufferPointer { all in
            try blockScores.withUnsafeMutableBufferPointer { out in
                try blockMembers.withUnsafeMutableBufferPointer { members in
                    try prepared.rawScores(rows: all.baseAddress!, count: count, into: out.baseAddress!, memberScores: members.baseAddress)
                }
            }
        }
        #expect(blockScores.map(\.bitPattern) == tableScores.map(\.bitPattern))
        if let tableMembers {
            let m = tableMembers.weights.count
            #expect((0..<count).allSatisfy { r in (0..<m).allSatisfy { blockMembers[r * m + $0].bitPattern == tableMembers.scores[$0][r].bitPattern } })
        }
        try rows.withUnsafeBufferPointer { all in
            for r in 0..<count {
                let row = all.baseAddress! + r * width
                var members = [Double](repeating: .nan, count: prepared.memberWeights.count)
                let raw = try members.withUnsafeMutableBufferPointer { try prepared.rawScore(row: row, memberScores: $0.baseAddress) }
                #expect(raw.bitPattern == tableScores[r].bitPattern, "row \(r): \(raw) against \(tableScores[r])")
                if let tableMembers {
                    #expect(members.map(\.bitPattern) == tableMembers.scores.map { $0[r].bitPattern }, "row \(r)")
                }
                var phi = [Double](repeating: 0, count: prepared.contributionWidth)
                try phi.withUnsafeMutableBufferPointer { try prepared.addContributions(row: row, to: $0.baseAddress!) }
                #expect(Array(phi.prefix(width)).map(\.bitPattern) == tablePhi[r].map(\.bitPattern), "row \(r)")
            }
        }
    }

    @Test func treeModelsOfEveryGrowthPolicy() throws {
        let data = Self.table(rows: 1_500, seed: 1, colours: ["red", "green", "blue"])
        for growth in GrowthPolicy.allCases {
            try Self.expectRowPathMatchesTablePath(try Self.trees(data, growth: growth, seed: 3))
        }
    }

    @Test func theLinearModel() throws {
        try Self.expectRowPathMatchesTablePath(try Self.logisticModel(Self.table(rows: 1_500, seed: 2, colours: ["red", "green", "blue"])))
    }

    /// train-all's shape: the baseline first, then tree variants, one member with weight 0.
    @Test func anEnsembleOfALinearModelAndTrees() throws {
        let data = Self.table(rows: 1_500, seed: 4, colours: ["red", "green", "blue"])
        let ensemble = EnsembleModel(members: [
            .init(name: "baseline", weight: 0.2, model: try Self.logisticModel(data)),
            .init(name: "leafwise", weight: 0.45, model: try Self.trees(data, growth: .leafwise, seed: 5)),
            .init(name: "depthwise", weight: 0, model: try Self.trees(data, growth: .depthwise, seed: 6)),
            .init(name: "oblivious", weight: 0.35, model: try Self.trees(data, growth: .oblivious, seed: 7)),
        ], method: "simplex")
        try Self.expectRowPathMatchesTablePath(.ensemble(ensemble))
    }

    /// Members trained on tables with other colour dictionaries (one lacks "blue", one has
    /// "violet"): the table path re-codes each member's column, the row path translates codes.
    @Test func anEnsembleWhoseMembersHaveOtherDictionaries() throws {
        let ensemble = EnsembleModel(members: [
            .init(name: "linear", weight: 0.5, model: try Self.logisticModel(Self.table(rows: 1_200, seed: 8, colours: ["red", "green"]))),
            .init(name: "trees", weight: 0.5, model: try Self.trees(Self.table(rows: 1_200, seed: 9, colours: ["blue", "red", "violet"]),
                                                                   growth: .leafwise, seed: 10)),
        ], method: "simplex")
        let prepared = PreparedModel(.ensemble(ensemble))
        #expect(ensemble.features.first { $0.name == "colour" }?.categories == ["green", "red"])
        #expect(prepared.scoresSingleRows)
        try Self.expectRowPathMatchesTablePath(.ensemble(ensemble))
    }

    @Test func anInfiniteNumberIsRefusedByALinearModelOnBothPaths() throws {
        let model = try Self.logisticModel(Self.table(rows: 600, seed: 11, colours: ["red", "green"]))
        let prepared = PreparedModel(model)
        let encoder = ModelInputEncoder(features: model.features)
        let row = encoder.encode(rows: 1) { _, k in encoder.features[k].name == "x1" ? .number(.infinity) : .missing }
        #expect(throws: PreprocessingError.self) { try prepared.rawScores(encoder.dataset(encoded: row, rows: 1)) }
        #expect(throws: PreprocessingError.self) { try row.withUnsafeBufferPointer { try prepared.rawScore(row: $0.baseAddress!) } }
    }
}
