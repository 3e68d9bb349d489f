import Core
import Foundation
import Testing
import TestSupport
import Tuning
@testable import Training

/// SMOTE and SMOTE-NC against imbalanced-learn 0.14.2 and scikit-learn's NearestNeighbors,
/// from `Tests/Fixtures/imblearn/smote.json` (made by `scripts/fixtures/make_logistic_fixtures.py`).
///
/// The random streams differ (NumPy's Mersenne Twister versus xoshiro256**), so synthetic
/// rows cannot be equal; what must be equal is everything that does not depend on them — the
/// neighbour tables, the class counts per strategy, SMOTE-NC's median standard deviation —
/// and the properties every synthetic row must have.
@Suite struct SMOTETests {
    nonisolated(unsafe) static let fixture: [String: Any] = try! PublicDatasets.fixture("imblearn/smote.json")

    private func matrix(_ value: Any?) -> DenseMatrix {
        let rows = (value as! [[NSNumber]]).map { $0.map(\.doubleValue) }
        return DenseMatrix(rowCount: rows.count, columnCount: rows.first?.count ?? 0, values: rows.flatMap { $0 })
    }
    private func ints(_ value: Any?) -> [Int] { (value as! [NSNumber]).map(\.intValue) }

    @Test func neighbourTableMatchesScikitLearn() {
        let item = Self.fixture["continuous"] as! [String: Any]
        let points = matrix(item["points"])
        let minority = ints(item["minority_rows"])
        let subset = points.rows(minority)
        for threads in [1, 2] {
            let table = NearestNeighbors.kNearest(points: subset.values, count: subset.rowCount, dimension: subset.columnCount, k: 5, threads: threads)
            let expected = (item["minority_neighbours"] as! [[NSNumber]]).flatMap { $0.map { Int32($0.intValue) } }
            #expect(table == expected)
        }
    }

    @Test func countsPerStrategyMatchImbalancedLearn() throws {
        let item = Self.fixture["continuous"] as! [String: Any]
        let points = matrix(item["points"])
        let labels = ints(item["labels"]).map(UInt8.init)
        let counts = item["resampled_counts"] as! [String: [NSNumber]]
        for (key, strategy) in [("auto", SamplingStrategy.auto), ("0.5", .ratio(0.5)), ("0.25", .ratio(0.25))] {
            let samples = try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: labels, strategy: strategy, random: SeededGenerator(seed: 1))
            let positives = labels.filter { $0 == 1 }.count + samples.continuous.rowCount
            #expect([labels.filter { $0 == 0 }.count, positives] == counts[key]!.map(\.intValue), "strategy \(key)")
        }
    }

    @Test func syntheticRowsLieOnSegmentsBetweenNeighbours() throws {
        let item = Self.fixture["continuous"] as! [String: Any]
        let points = matrix(item["points"])
        let labels = ints(item["labels"]).map(UInt8.init)
        let minority = ints(item["minority_rows"])
        let neighbours = (item["minority_neighbours"] as! [[NSNumber]]).map { Set($0.map { minority[$0.intValue] }) }
        let samples = try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: labels, random: SeededGenerator(seed: 7))
        #expect(samples.label == 1 && samples.continuous.rowCount == 280)
        var steps: [Double] = []
        for s in 0..<samples.continuous.rowCount {
            let origin = Int(samples.origins[s]), neighbour = Int(samples.neighbours[s]), step = samples.steps[s]
            #expect(labels[origin] == 1 && labels[neighbour] == 1)
            #expect(neighbours[minority.firstIndex(of: origin)!].contains(neighbour), "row \(s): \(neighbour) is not a neighbour of \(origin)")
            #expect(step >= 0 && step < 1)
            for c in 0..<points.columnCount {
                let expected = points[origin, c] + step * (points[neighbour, c] - points[origin, c])
                #expect(abs(samples.continuous[s, c] - expected) <= 1e-12)
            }
            steps.append(step)
        }
        // The steps are spread over [0, 1): their mean is near ½.
        #expect(abs(steps.reduce(0, +) / Double(steps.count) - 0.5) < 0.1)
        // Same seed, same rows (whatever the thread count); another seed, other rows.
        let again = try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: labels, random: SeededGenerator(seed: 7), threads: 1)
        #expect(again.continuous == samples.continuous)
        let other = try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: labels, random: SeededGenerator(seed: 8))
        #expect(other.continuous != samples.continuous)
    }

    @Test func smoteNCMatchesImbalancedLearnAndTakesCategoriesFromNeighbours() throws {
        let item = Self.fixture["mixed"] as! [String: Any]
        let continuous = matrix(item["continuous"])
        let categorical = (item["categorical"] as! [[NSNumber]]).map { $0.map { Int32($0.intValue) } }
        let levels = [categorical.map { $0[0] }, categorical.map { $0[1] }]
        let labels = ints(item["labels"]).map(UInt8.init)
        let minority = ints(item["minority_rows"])
        let medianStd = SMOTE.medianStandardDeviation(continuous.rows(minority))
        #expect(abs(medianStd - (item["median_std"] as! NSNumber).doubleValue) <= 1e-12)

        let samples = try SMOTE.samples(continuous: continuous, levels: levels, levelCounts: ints(item["level_counts"]), labels: labels,
                                        random: SeededGenerator(seed: 3))
        #expect([labels.filter { $0 == 0 }.count, minority.count + samples.continuous.rowCount] == ints((item["resampled_counts"] as! [String: Any])["auto"]))
        // Neighbours with the category penalty are sklearn's on imbalanced-learn's encoding.
        let table = (item["minority_neighbours"] as! [[NSNumber]]).map { $0.map { minority[$0.intValue] } }
        for s in 0..<samples.continuous.rowCount {
            let origin = minority.firstIndex(of: Int(samples.origins[s]))!
            #expect(table[origin].contains(Int(samples.neighbours[s])))
            // Each category is a most frequent one among the origin's neighbours.
            for c in 0..<2 {
                var counts: [Int32: Int] = [:]
                for row in table[origin] { counts[levels[c][row], default: 0] += 1 }
                #expect(counts[samples.levels[c][s]] == counts.values.max(), "row \(s) column \(c)")
            }
        }
    }

    @Test func badInputGetsAClearError() {
        let points = DenseMatrix(rowCount: 6, columnCount: 1, values: [0, 1, 2, 3, 4, 5])
        #expect(throws: SMOTEError.self) { try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: [0, 0, 0, 0, 0, 0], random: SeededGenerator(seed: 0)) }
        do {
            _ = try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: [0, 0, 0, 1, 1, 1], k: 5, random: SeededGenerator(seed: 0))
            Issue.record("expected an error for too few minority rows")
        } catch {
            #expect(error.message.contains("needs at least 6"))
        }
        #expect(throws: SMOTEError.self) {
            try SMOTE.samples(continuous: points, levels: [], levelCounts: [], labels: [0, 0, 0, 0, 1, 1], k: 1, strategy: .ratio(0.1), random: SeededGenerator(seed: 0))
        }
    }
}
