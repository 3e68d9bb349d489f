import Core
import Evaluation
import Foundation
import Training
import Tuning

/// train-all as a library: from loaded, split rows (``TrainAllData``) to a new version in the
/// model registry. The logistic baseline (SMOTE); the three tree variants, each tuned by TPE
/// with cross-validation and pruning on the training rows; their ensemble, weighted on the
/// validation rows; every model is evaluated on the test rows with
/// bootstrap intervals and compared with the baseline by DeLong's test. The `global` model is the
/// cheapest to serve within the noise of the best validation AUC (``ServedModelChoice``); it gets
/// quality levels from the validation rows, and Platt scaling where it lowers their log loss out
/// of sample (``CalibrationChoice``); each vertical gets its own model where it has enough data
/// and beats the global one by more than the noise (``VerticalChoice``).
///
/// Nothing reaches the registry before the 'write registry' stage, which writes a hidden
/// staging directory and renames it, so a failure leaves the registry as it was. Progress goes
/// to standard error; the result says what was made.
public enum TrainAllPipeline {
    /// Runs every stage on `data`; throws ``TrainAllStageFailure`` naming the stage that failed.
    public static func run(_ data: TrainAllData, _ configuration: TrainAllConfiguration) throws -> TrainAllResult {
        let started = Date()
        let seed = configuration.seed, threads = configuration.threads, target = configuration.target
        // Small tables (and not time-ordered): decisions from out-of-fold scores on the
        // training and validation rows together (TrainAllCrossFit).
        let crossFit = configuration.crossFitBelow > 0 && data.splitBy == nil && data.dataset.rowCount < configuration.crossFitBelow
        let development = crossFit ? data.dataset.rows(data.split.train + data.split.valid) : nil
        let train = development ?? data.train, valid = development ?? data.valid, test = data.test
        if let development {
            Console.error("train-all: \(formatCount(data.dataset.rowCount)) rows, below \(formatCount(configuration.crossFitBelow)): every decision from "
                          + "\(TrainAllCrossFit.folds)-fold out-of-fold scores on the \(formatCount(development.rowCount)) training and validation rows")
        }
        let registry = ModelRegistry(root: configuration.registry)
        let studies = registry.root.appendingPathComponent(".studies")
        try FileManager.default.createDirectory(at: studies, withIntermediateDirectories: true)

        var stageTimes: [(String, Double)] = [("load and split", data.seconds)]
        var candidates: [CandidateModel] = []
        let baselineStarted = Date()
        candidates.append(try inStage("baseline") { try TrainAllStages.baseline(train: train, valid: valid, test: test, target: target, folds: configuration.folds, seed: seed, threads: threads) })
        Console.error("train-all: baseline: \(candidates[0].detail) in \(formatDuration(Date().timeIntervalSince(baselineStarted)))")
        stageTimes.append(("baseline", candidates[0].seconds))
        let tuningStarted = Date()
        for (index, growth) in GrowthPolicy.allCases.enumerated() {
            let remaining = configuration.timeout.map { max(1, ($0 - Date().timeIntervalSince(tuningStarted)) / Double(GrowthPolicy.allCases.count - index)) }
            let studyFile = studies.appendingPathComponent("\(growth.rawValue)-seed\(seed).json")
            let candidate = try inStage("tune + fit \(growth.rawValue)") {
                try TrainAllStages.tunedTrees(growth: growth, train: train, valid: valid, test: test, target: target, trials: configuration.trials,
                                              folds: configuration.folds, timeout: remaining, studyFile: studyFile,
                                              seed: SeededGenerator(seed: seed).derived(UInt64(index + 1)).seed, threads: threads)
            }
            candidates.append(candidate)
            stageTimes.append(("tune + fit \(growth.rawValue)", candidate.seconds))
        }

        if let development {
            let started = Date()
            let folds = TrainAllCrossFit.folds(of: development, seed: SeededGenerator(seed: seed).derived(0xF01D).seed)
            let progress = TerminalProgress("train-all: out-of-fold scores", total: candidates.count, unit: "models")
            for index in candidates.indices {
                candidates[index].validRaw = try inStage("out-of-fold scores") {
                    try TrainAllCrossFit.outOfFold(candidates[index], on: development, folds: folds, threads: threads)
                }
                progress.update(index + 1, note: candidates[index].name)
            }
            progress.finish("\(candidates.count) models × \(TrainAllCrossFit.folds) folds")
            stageTimes.append(("out-of-fold scores", Date().timeIntervalSince(started)))
        }

        // The global model: the ensemble of every model, weighted on validation.
        let ensembleStarted = Date()
        let members = candidates
        candidates.append(try inStage("ensemble") { try TrainAllStages.ensemble(of: members, valid: valid, test: test, target: target, seed: seed, threads: threads) })
        Console.error("train-all: ensemble: \(candidates.last!.detail)")
        stageTimes.append(("ensemble", Date().timeIntervalSince(ensembleStarted)))
        let evaluationStarted = Date()
        let validAUC = candidates.map { RankingMetrics.rocAUC(scores: $0.validProbabilities, labels: valid.labels) }
        var reports: [EvaluationReport] = []
        for (index, candidate) in candidates.enumerated() {
            var random = SeededGenerator(seed: seed).derived(0xE7A1 + UInt64(index))
            let bootstrapSeed = random.next()
            reports.append(try inStage("evaluation") {
                try EvaluationReport(model: candidate.name, probabilities: candidate.testProbabilities, labels: test.labels,
                                     resamples: configuration.resamples, seed: bootstrapSeed, threads: threads)
            })
        }
        let comparisons = candidates.indices.dropFirst().map { index -> (index: Int, test: DeLongTest?) in
            (index, DeLongTest.compare(candidates[index].testProbabilities, candidates[0].testProbabilities, labels: test.labels))
        }
        stageTimes.append(("evaluation", Date().timeIntervalSince(evaluationStarted)))

        // The served model: the cheapest to explain among the candidates within the noise of
        // the best validation AUC (each candidate's cost measured on the serving path).
        let costStarted = Date()
        let finalists = candidates
        let costs = try inStage("serving cost") { try finalists.map { try ServingCost.measure($0.model, on: valid) } }
        let served = ServedModelChoice.choose(names: candidates.map(\.name), validScores: candidates.map(\.validRaw), labels: valid.labels,
                                              costs: costs, budgetMicroseconds: configuration.servingBudgetMicroseconds)
        let globalIndex = served.chosen
        Console.error("train-all: served model: \(served.explanation)")
        stageTimes.append(("serving cost", Date().timeIntervalSince(costStarted)))

        // Calibration and quality levels for the global model, from its validation scores.
        // Platt scaling (affine in log-odds, so explanations stay exact) is kept only if it
        // lowers the validation log loss out of sample (cross-fitted); the test rows then check
        // the decision: both maps' calibration error and log loss are reported.
        let globalValidRaw = candidates[globalIndex].validRaw, globalTestRaw = candidates[globalIndex].testRaw
        let calibration = CalibrationChoice.choose(rawScores: globalValidRaw, labels: valid.labels, weights: valid.weights,
                                                   seed: SeededGenerator(seed: seed).derived(0xCA1B).seed)
        let calibratedValid = globalValidRaw.map { calibration.probability(rawScore: $0) }
        let qualityLevels = QualityLevels.fit(try ScoredRows(scores: calibratedValid, labels: valid.labels))
        let calibratedTest = globalTestRaw.map { calibration.probability(rawScore: $0) }
        let calibrationCheck = try TrainAllResult.CalibrationCheck(testRaw: globalTestRaw, labels: test.labels, platt: calibration.platt)
        // Per-vertical models, compared with the global model on each vertical's rows.
        let verticalStarted = Date()
        let bestTrees = (1..<(candidates.count - 1)).max { validAUC[$0] < validAUC[$1] }!
        let finalCandidates = candidates
        let verticals = try inStage("per-vertical models") {
            try TrainAllStages.perVertical(crossFitted: crossFit, dataset: data.dataset, split: data.split, global: finalCandidates[globalIndex], globalValid: calibratedValid,
                                           globalTest: calibratedTest, best: finalCandidates[bestTrees], target: target, seed: seed, threads: threads)
        }
        for outcome in verticals { Console.error("train-all: vertical \(outcome.vertical): \(outcome.decision)") }
        stageTimes.append(("per-vertical models", Date().timeIntervalSince(verticalStarted)))

        // Every decision is made: the shipped models are fitted again on all rows.
        let refitStarted = Date()
        var shipped = candidates, shippedVerticals = verticals
        if configuration.refit {
            let all = data.dataset
            let verticalModels = verticals.filter { $0.candidate != nil }.count
            let progress = TerminalProgress("train-all: refit on all \(formatCount(all.rowCount)) rows", total: candidates.count + verticalModels, unit: "models")
            shipped = try inStage("refit") { try TrainAllRefit.refitAll(candidates, on: all, threads: threads, progress: progress) }
            for index in shippedVerticals.indices {
                guard let candidate = shippedVerticals[index].candidate else { continue }
                let rows = all.rows(shippedVerticals[index].allRows)
                shippedVerticals[index].candidate = try inStage("refit") { try TrainAllRefit.refit(candidate, on: rows, members: [:], threads: threads) }
                progress.update(candidates.count + index + 1, note: candidate.name)
            }
            progress.finish("\(candidates.count + verticalModels) models")
            stageTimes.append(("refit", Date().timeIntervalSince(refitStarted)))
        }

        var result = TrainAllResult(source: data.source, seed: seed, split: data.split, testRows: test.rowCount, resamples: configuration.resamples,
                                    candidates: candidates, reports: reports, validAUC: validAUC, globalIndex: globalIndex,
                                    comparisons: comparisons, served: served, calibration: calibration, calibrationCheck: calibrationCheck,
                                    qualityLevels: qualityLevels, verticals: verticals, refitRows: configuration.refit ? data.dataset.rowCount : nil,
                                    crossFitRows: development?.rowCount, stageTimes: stageTimes,
                                    version: "", versionDirectory: registry.root, promoted: configuration.promote, seconds: 0)

        // The registry version: every bundle, the summary and the report, renamed into place at once.
        let writeStarted = Date()
        let summary = result.summary
        let version = try inStage("write registry") { try registry.addVersion { directory in
            for (index, candidate) in shipped.enumerated() {
                var manifest = candidate.manifest
                manifest.metrics["valid_roc_auc"] = validAUC[index]
                manifest.metrics["test_roc_auc"] = reports[index].metrics["roc_auc"]
                // What its scores looked like on the test rows, before any refit saw them.
                manifest.scoreProfile = ScoreProfile.make(scores: candidates[index].testProbabilities)
                // Tuning histories hold wall-clock durations, so they live beside the bundles
                // (tuning/NAME.json), keeping the bundles themselves reproducible bit for bit.
                if let study = candidate.study {
                    let tuning = directory.appendingPathComponent("tuning")
                    try FileManager.default.createDirectory(at: tuning, withIntermediateDirectories: true)
                    try study.write(to: tuning.appendingPathComponent("\(candidate.name).json"))
                }
                try ModelBundle.write(candidate.model, manifest: manifest, to: directory.appendingPathComponent(candidate.name))
                if index == globalIndex {
                    // The deployed model: its calibration (when kept) and quality levels, from the validation rows.
                    manifest.calibration = calibration.calibration
                    manifest.qualityLevels = qualityLevels
                    manifest.scoreProfile = ScoreProfile.make(scores: calibratedTest)
                    try ModelBundle.write(candidate.model, manifest: manifest, to: directory.appendingPathComponent("global"))
                }
            }
            for outcome in shippedVerticals {
                guard let candidate = outcome.candidate else { continue }
                try ModelBundle.write(candidate.model, manifest: candidate.manifest, to: directory.appendingPathComponent(candidate.name))
            }
            try JSONCoding.encoder(pretty: true).encode(summary).write(to: directory.appendingPathComponent(ModelRegistry.summaryFile))
            let summaryPlot = try ContributionSummary.make(model: shipped[globalIndex].model, data: test, sampleRows: 500, threads: threads)
            let html = try result.htmlReport(testLabels: test.labels, contributions: summaryPlot)
            try Data(html.utf8).write(to: directory.appendingPathComponent("report.html"))
        } }
        if configuration.promote { try inStage("promote") { try registry.promote(version) } }
        stageTimes.append(("write registry", Date().timeIntervalSince(writeStarted)))
        result.stageTimes = stageTimes
        result.version = version
        result.versionDirectory = registry.directory(of: version)
        result.seconds = data.seconds + Date().timeIntervalSince(started)
        return result
    }

    /// Runs one stage, naming it in any error it throws (input errors pass as they are).
    private static func inStage<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TrainAllInputError {
            throw error
        } catch {
            throw TrainAllStageFailure(stage: name, reason: error)
        }
    }
}
