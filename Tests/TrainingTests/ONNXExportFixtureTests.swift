import Evaluation
import Foundation
import TestSupport
import Testing
@testable import Training

/// Bundles exported to ONNX score in ONNX Runtime as `mlctl predict` scores them
/// (`Tests/Fixtures/onnx`, from `scripts/fixtures/make_onnx_fixtures.py`, which trains the
/// bundles with mlctl, exports them with `mlctl export` and runs onnxruntime on the files).
/// Tests cannot run onnxruntime, so each case checks two things that together make the round
/// trip: exporting the bundle again gives the committed `.onnx` byte for byte (the file
/// onnxruntime scored is the one this code writes), and mlctl's probabilities of the rows
/// equal onnxruntime's.
///
/// Tolerance: 1e-5 on probabilities, as issue #25 asks; measured: below 3e-8. Inside the graph
/// everything is double, with mlctl's thresholds, leaf values and preprocessing constants,
/// so rows take mlctl's paths through every tree; what differs is the order of additions
/// (onnxruntime sums trees and MatMul terms in its own order: ~1e-16) and the probability's
/// rounding to float at the output (at most 3e-8 below 1: half an ulp of float near 1).
@Suite("ONNX export: onnxruntime fixtures")
struct ONNXExportFixtureTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture("onnx").path)) ?? []
        return names.filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) }.sorted()
    }()

    /// The bundle a fixture case exported (the golden bundle is read where it lives).
    static func bundle(_ expected: [String: Any]) -> URL {
        let name = expected["bundle"] as! String
        return expected["table"] as! String == "golden" ? TestPaths.fixture("golden/\(name)") : TestPaths.fixture("onnx/\(name)")
    }

    /// The rows onnxruntime scored, read as `mlctl predict` reads a table for `manifest`.
    static func rows(_ expected: [String: Any], manifest: BundleManifest) throws -> Dataset {
        let url = TestPaths.fixture("onnx/\(expected["rows_file"] as! String)")
        let present = Set(try CSVReader.header(of: url))
        var kinds: [String: ColumnKind] = [:]
        for feature in manifest.inputSchema where present.contains(feature.name) { kinds[feature.name] = feature.kind }
        return try CSVReader.read(contentsOf: url, options: CSVReadOptions(ignoredColumns: Set([manifest.target].compactMap { $0 }),
                                                                           columnKinds: kinds))
    }

    @Test func everyTableAndKindIsCovered() {
        for table in ["credit_data", "spam", "wa_churn", "leads"] {
            for kind in ["leafwise", "logistic", "ensemble"] { #expect(Self.cases.contains("\(table).\(kind)"), "\(table).\(kind)") }
        }
        for growth in ["depthwise", "oblivious"] { #expect(Self.cases.contains("credit_data.\(growth)") && Self.cases.contains("wa_churn.\(growth)")) }
    }

    @Test(arguments: cases)
    func onnxRuntimeEqualsPredict(_ name: String) throws {
        let expected = try PublicDatasets.fixture("onnx/\(name).expected.json")
        let (manifest, model) = try ModelBundle.read(from: Self.bundle(expected))
        let exported = try ONNXExport.model(model, manifest: manifest, producerVersion: expected["producer_version"] as! String).serialized()
        let committed = try Data(contentsOf: TestPaths.fixture("onnx/\(expected["onnx_file"] as! String)"))
        #expect(exported == Array(committed), "\(name): the export differs from the file onnxruntime scored; rerun make_onnx_fixtures.py if that is intended")
        #expect((expected["inputs"] as! [[String: String]]).map { $0["name"]! } == model.features.map(\.name))

        let data = try Self.rows(expected, manifest: manifest)
        let scores = manifest.probabilities(rawScores: try model.rawScores(data, threads: 1))
        let reference = expected["probabilities"] as! [Double]
        #expect(scores.count == reference.count)
        var worst = 0.0
        for (row, (score, onnx)) in zip(scores, reference).enumerated() {
            worst = max(worst, abs(score - onnx))
            #expect(abs(score - onnx) <= 1e-5, "\(name) row \(row): mlctl \(score), onnxruntime \(onnx)")
        }
        print("onnx agreement \(name): max |Δ| probability \(worst) over \(scores.count) rows")
    }

    /// What the fixtures exercise, so that a regenerated set cannot quietly lose a case:
    /// categorical splits (one with an empty set), single-leaf trees, missing values sent either way, logistic indicators, a `<missing>`
    /// level and a prior correction, an ensemble member of weight 0 and one whose dictionaries
    /// differ from the ensemble's, Platt and isotonic calibration, and rows with missing numbers
    /// and missing categories.
    @Test func fixturesExerciseEverySplitAndPreprocessingKind() throws {
        var categoricalSplits = 0, missingLeft = 0, missingRight = 0, indicators = 0, missingLevels = 0, priorCorrections = 0
        var zeroWeights = 0, platt = 0, isotonic = 0, ownDictionaries = 0, singleLeafTrees = 0, emptySets = 0
        func visit(_ model: TrainedModel) {
            switch model {
            case .gbdt(let trees):
                for tree in trees.trees {
                    if tree.nodeCount == 1 { singleLeafTrees += 1 }
                    emptySets += tree.categorySets.filter { $0.allSatisfy { $0 == 0 } }.count
                    for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
                        if tree.categorySet[node] >= 0 { categoricalSplits += 1 } else if tree.defaultLeft[node] { missingLeft += 1 } else { missingRight += 1 }
                    }
                }
            case .logistic(let linear):
                indicators += linear.preprocessor.numeric.filter(\.indicator).count
                missingLevels += linear.preprocessor.categorical.filter(\.missingLevel).count
                if linear.priorCorrection != 0 { priorCorrections += 1 }
            case .ensemble(let ensemble):
                zeroWeights += ensemble.members.filter { $0.weight == 0 }.count
                let outer = Dictionary(uniqueKeysWithValues: ensemble.features.map { ($0.name, $0.categories) })
                ownDictionaries += ensemble.members.filter { member in member.model.features.contains { outer[$0.name]! != $0.categories } }.count
                ensemble.members.forEach { visit($0.model) }
            }
        }
        var missingNumbers = 0, missingCategories = 0
        for name in Self.cases {
            let expected = try PublicDatasets.fixture("onnx/\(name).expected.json")
            let (manifest, model) = try ModelBundle.read(from: Self.bundle(expected))
            visit(model)
            if case .platt = manifest.calibration { platt += 1 }
            if case .isotonic = manifest.calibration { isotonic += 1 }
            for column in try Self.rows(expected, manifest: manifest).columns {
                switch column {
                case .numeric(let c): missingNumbers += c.values.filter(\.isNaN).count
                case .categorical(let c): missingCategories += c.codes.filter { $0 == CategoricalColumn.missingCode }.count
                }
            }
        }
        print("onnx fixtures: \(categoricalSplits) categorical splits, missing left \(missingLeft) / right \(missingRight), \(indicators) indicators, \(missingLevels) <missing> levels, \(priorCorrections) prior corrections, \(zeroWeights) zero-weight members, \(ownDictionaries) members with their own dictionaries, \(platt) Platt and \(isotonic) isotonic maps, \(singleLeafTrees) single-leaf trees, \(emptySets) empty category sets; rows: \(missingNumbers) missing numbers, \(missingCategories) missing categories")
        #expect(categoricalSplits > 0 && missingLeft > 0 && missingRight > 0 && singleLeafTrees > 0 && emptySets > 0)
        #expect(indicators > 0 && missingLevels > 0 && priorCorrections > 0)
        #expect(zeroWeights > 0 && ownDictionaries > 0 && platt > 0 && isotonic > 0)
        #expect(missingNumbers > 0 && missingCategories > 0)
    }
}
