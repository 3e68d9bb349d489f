import Core
import Foundation
import Testing
import TestSupport
import Training
@testable import Pipeline

/// train-all run in process, on a small table of its own: what the command line runs, without
/// the binary.
@Suite struct TrainAllPipelineTests {
    /// A table of 1,200 rows: two informative numeric columns, a categorical `vertical` and a
    /// time column, label by a logistic model of the first two.
    static func writeTable(to url: URL) throws {
        var random = SeededGenerator(seed: 9)
        var lines = ["x1,x2,vertical,day,label"]
        for row in 0..<1_200 {
            let x1 = random.nextGaussian(), x2 = random.nextGaussian()
            let label = random.nextDouble() < logistic(1.5 * x1 - x2 - 1) ? 1 : 0
            lines.append(String(format: "%.5f,%.5f,%@,%d,%d", x1, x2, ["a", "b"][row % 2], row, label))
        }
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    static func configuration(_ directory: URL) -> TrainAllConfiguration {
        var configuration = TrainAllConfiguration()
        configuration.source = .csv(path: directory.appendingPathComponent("table.csv").path, target: "label")
        configuration.trials = 1
        configuration.folds = 2
        configuration.resamples = 10
        configuration.threads = 2
        configuration.registry = directory.appendingPathComponent("models")
        return configuration
    }

    @Test func aRunWritesEveryBundleAndTheGlobalModelIsTheServedCandidate() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTable(to: directory.appendingPathComponent("table.csv"))
        let configuration = Self.configuration(directory)
        let data = try TrainAllData.load(configuration)
        #expect(data.split.train.count + data.split.valid.count + data.split.test.count == 1_200)
        #expect(data.description.contains("stratified split (seed 0)"))
        let result = try TrainAllPipeline.run(data, configuration)
        #expect(result.candidates.map(\.name) == ["baseline", "gbdt-leafwise", "gbdt-depthwise", "gbdt-oblivious", "ensemble"])
        // The served model follows the stated rule: within one standard error of the best
        // validation AUC, the least explanation work; the global bundle is that candidate's.
        let served = result.served
        #expect(result.globalIndex == served.chosen && served.candidates[served.chosen].withinNoise)
        for candidate in served.candidates where candidate.withinNoise {
            #expect(candidate.cost.explanationWork >= served.candidates[served.chosen].cost.explanationWork)
        }
        #expect(served.candidates.allSatisfy { $0.withinNoise == ($0.gap <= $0.gapStandardError) })
        #expect(served.candidates.allSatisfy { $0.cost.explainMicroseconds > 0 })
        #expect(served.candidates[4].cost.explanationWork > served.candidates[1].cost.explanationWork)
        #expect(result.version == "v1" && result.promoted)
        // Two verticals of about 480 training rows each: too little data for models of their own.
        #expect(result.verticals.map(\.vertical) == ["a", "b"] && result.verticals.allSatisfy { $0.candidate == nil })
        for name in ["baseline", "gbdt-leafwise", "gbdt-depthwise", "gbdt-oblivious", "ensemble", "global"] {
            let bundle = result.versionDirectory.appendingPathComponent(name)
            #expect(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("manifest.json").path), "\(name)")
        }
        let global = try ModelBundle.read(from: result.versionDirectory.appendingPathComponent("global"))
        #expect(global.manifest.calibration == result.calibration.calibration)
        #expect(global.manifest.qualityLevels == result.qualityLevels)
        // The served scores on the test rows, for score drift in monitoring.
        let testScores = result.candidates[result.globalIndex].testRaw.map { result.calibration.probability(rawScore: $0) }
        #expect(global.manifest.scoreProfile == ScoreProfile.make(scores: testScores) && global.manifest.scoreProfile?.rows == result.testRows)
        // The informative columns make every model clearly better than chance on the test rows.
        #expect(result.reports.allSatisfy { ($0.metrics["roc_auc"] ?? 0) > 0.7 }, "\(result.reports.map { $0.metrics["roc_auc"] ?? .nan })")
        #expect(result.description.contains("wrote \(result.versionDirectory.path) (now current)"))
    }

    /// After the decisions, the shipped models are fitted again on all 1,200 rows with what was
    /// chosen for them (parameters, rounds, ensemble weights); `refit = false` ships them as
    /// fitted on the training rows. The test figures are the split's either way.
    @Test func theShippedModelsAreRefittedOnAllRows() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTable(to: directory.appendingPathComponent("table.csv"))
        var configuration = Self.configuration(directory)
        configuration.crossFitBelow = 0  // decisions on the validation split, models fitted on the training rows
        let data = try TrainAllData.load(configuration)
        let refitted = try TrainAllPipeline.run(data, configuration)
        configuration.refit = false
        configuration.registry = directory.appendingPathComponent("split-models")
        let asFitted = try TrainAllPipeline.run(data, configuration)
        #expect(refitted.refitRows == 1_200 && asFitted.refitRows == nil)
        #expect(refitted.reports.map { $0.metrics["roc_auc"] } == asFitted.reports.map { $0.metrics["roc_auc"] })
        #expect(refitted.description.contains("shipped models refitted on all 1,200 rows after the decisions"))

        let read = { (result: TrainAllResult, name: String) in try ModelBundle.read(from: result.versionDirectory.appendingPathComponent(name)) }
        for name in ["baseline", "gbdt-leafwise", "gbdt-depthwise", "gbdt-oblivious", "ensemble", "global"] {
            let shipped = try read(refitted, name), split = try read(asFitted, name)
            #expect(shipped.manifest.trainingRows == 1_200 && shipped.manifest.metrics["refit_on_all_rows"] == 1, "\(name)")
            #expect(split.manifest.trainingRows == data.split.train.count && split.manifest.metrics["refit_on_all_rows"] == nil, "\(name)")
            #expect(shipped.manifest.dataFingerprint == data.dataset.fingerprint())
            #expect(shipped.model != split.model, "\(name) was not refitted")
            // Same rounds as chosen on the split, not re-chosen on the larger data.
            if case .gbdt(let a) = shipped.model, case .gbdt(let b) = split.model { #expect(a.trees.count == b.trees.count, "\(name)") }
            #expect(shipped.manifest.calibration == split.manifest.calibration && shipped.manifest.qualityLevels == split.manifest.qualityLevels)
        }
        // The ensemble keeps its weights over the refitted members, which are the member bundles.
        guard case .ensemble(let ensemble) = try read(refitted, "ensemble").model,
              case .ensemble(let before) = try read(asFitted, "ensemble").model else { Issue.record("not an ensemble"); return }
        #expect(ensemble.members.map(\.weight) == before.members.map(\.weight))
        for member in ensemble.members { #expect(member.model == (try read(refitted, member.name)).model, "\(member.name)") }
    }

    /// A table below `crossFitBelow` rows: the candidates are fitted on the training and
    /// validation rows together, and their validation scores are out-of-fold — each row scored
    /// by the candidate's configuration fitted without the row's fold, whatever the thread
    /// count; the ensemble's weights come from those scores, and the summary says so.
    @Test func smallTablesDecideOnOutOfFoldScores() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTable(to: directory.appendingPathComponent("table.csv"))
        let configuration = Self.configuration(directory)
        #expect(configuration.crossFitBelow == 5_000)
        let data = try TrainAllData.load(configuration)
        let result = try TrainAllPipeline.run(data, configuration)
        let development = data.dataset.rows(data.split.train + data.split.valid)
        #expect(result.crossFitRows == development.rowCount && development.rowCount == 960)
        #expect(result.description.contains("from 5-fold out-of-fold scores on the 960 training and validation rows"))
        let baseline = result.candidates[0], trees = result.candidates[1]
        #expect(baseline.manifest.trainingRows == 960 && trees.manifest.trainingRows == 960)
        #expect(result.candidates.allSatisfy { $0.validRaw.count == 960 && $0.validRaw.allSatisfy(\.isFinite) })

        // By hand: fold 2's rows, scored by the configurations fitted on the other folds.
        let folds = TrainAllCrossFit.folds(of: development, seed: SeededGenerator(seed: configuration.seed).derived(0xF01D).seed)
        #expect(folds.count == 5 && Set(folds.joined()) == Set(0..<960))
        let others = development.rows(StratifiedSplit.complement(of: folds[2], rowCount: 960)), held = development.rows(folds[2])
        var parameters = try #require(baseline.manifest.logisticParameters)
        parameters.threads = 2
        let byHand = try LogisticTrainer.train(others, parameters: parameters).rawScores(held, threads: 1)
        #expect(folds[2].map { baseline.validRaw[$0] } == byHand)
        var treeParameters = try #require(trees.manifest.parameters)
        guard case .gbdt(let fitted) = trees.model else { Issue.record("not trees"); return }
        treeParameters.trees = fitted.trees.count
        treeParameters.earlyStoppingRounds = 0
        treeParameters.threads = 1
        let treesByHand = try GBDTTrainer.train(others, parameters: treeParameters).rawScores(held, threads: 1)
        #expect(folds[2].map { trees.validRaw[$0] } == treesByHand)
        #expect(try TrainAllCrossFit.outOfFold(trees, on: development, folds: folds, threads: 1) == trees.validRaw)

        // The ensemble's weights minimise the log loss of the out-of-fold scores.
        guard case .ensemble(let ensemble) = result.candidates[4].model else { Issue.record("not an ensemble"); return }
        let weights = EnsembleWeights.simplex(rawScores: Array(result.candidates.prefix(4).map(\.validRaw)), labels: development.labels, weights: nil)
        #expect(ensemble.members.map(\.weight) == weights.filter { $0 > 0 })
        let summary = try #require(TrainAllSummary.read(from: result.versionDirectory))
        #expect(summary.crossFitRows == 960 && summary.verticals.allSatisfy { $0.decision.contains("out-of-fold") })
    }

    @Test func aTimeSplitTakesTheColumnOutOfTheFeaturesAndOrdersTheRows() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTable(to: directory.appendingPathComponent("table.csv"))
        var configuration = Self.configuration(directory)
        configuration.splitBy = "day"
        let data = try TrainAllData.load(configuration)
        #expect(data.dataset.columnIndex(named: "day") == nil)
        #expect(data.split.train.max()! < data.split.valid.min()! && data.split.valid.max()! < data.split.test.min()!)
    }

    @Test func inputMistakesAreInputErrorsNamingTheProblem() throws {
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.writeTable(to: directory.appendingPathComponent("table.csv"))
        var configuration = Self.configuration(directory)
        configuration.splitBy = "no_such_column"
        #expect { try TrainAllData.load(configuration) } throws: { ($0 as? TrainAllInputError)?.message.contains("has no column 'no_such_column'") == true }
        try "x,label\n1,0\n2,0\n3,0\n".write(to: directory.appendingPathComponent("table.csv"), atomically: true, encoding: .utf8)
        configuration.splitBy = nil
        #expect { try TrainAllData.load(configuration) } throws: { ($0 as? TrainAllInputError)?.message.contains("single class") == true }
        var leads = TrainAllConfiguration()
        leads.splitBy = "vertical"
        #expect(leads.source.isLeads && leads.target == "converted")
    }
}
