import Core
import Evaluation
import Foundation
import Training
import Tuning

/// The stages of `train-all`, each a function of its inputs: the logistic baseline and the
/// tuned tree variants.
public enum TrainAllStages {
    /// The logistic baseline: standard scaling + one-hot + L2 logistic regression with the
    /// prior correction, its C and SMOTE chosen by cross-validation on the training rows
    /// (``BaselineChoice``; the original system fixed C = 1 with SMOTE).
    static func baseline(train: Dataset, valid: Dataset, test: Dataset, target: String, folds: Int, seed: UInt64, threads: Int) throws -> CandidateModel {
        let started = Date()
        var parameters = LogisticParameters()
        parameters.seed = seed
        let choice = try BaselineChoice.choose(train: train, base: parameters, folds: folds, seed: seed, threads: threads)
        Console.error("train-all: baseline: \(choice.explanation)")
        parameters.C = choice.chosen.C
        parameters.smote = choice.chosen.smote
        parameters.threads = threads
        let model = try LogisticTrainer.train(train, parameters: parameters)
        var manifest = BundleManifest(modelKind: "logistic", target: target, inputSchema: model.features, logisticParameters: parameters,
                                      seed: seed, dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: [:])
        manifest.inputProfile = InputProfile.make(train)
        let smote = parameters.smote ? "SMOTE (\(model.fittedRows - train.rowCount) synthetic rows) + " : ""
        return CandidateModel(name: "baseline", model: .logistic(model), manifest: manifest,
                              validRaw: try model.rawScores(valid, threads: threads), testRaw: try model.rawScores(test, threads: threads),
                              seconds: Date().timeIntervalSince(started),
                              detail: "\(smote)logistic regression (C \(BaselineChoice.number(parameters.C)), L2; chosen by \(choice.folds)-fold CV)")
    }

    /// A tree variant tuned by TPE with k-fold cross-validation on the training rows (median
    /// pruning after each fold), then refitted on all training rows with the number of rounds
    /// the folds' early stopping chose. The study is kept in `studyFile`, so an interrupted run
    /// resumes its trials — on the same training rows only: a study of other data (a weekly
    /// retrain into the same registry) or another evaluation starts fresh, and says so.
    static func tunedTrees(growth: GrowthPolicy, train: Dataset, valid: Dataset, test: Dataset, target: String, trials: Int, folds: Int,
                           timeout: Double?, studyFile: URL, seed: UInt64, threads: Int) throws -> CandidateModel {
        let started = Date()
        var base = GBDTParameters()
        base.growth = growth
        base.trees = 1000
        base.earlyStoppingRounds = 30
        base.threads = threads
        let cv = CrossValidation(data: train, folds: folds, metric: .rocAUC, seed: seed)
        let searchBase = base
        let context = cv.studyContext(fixed: "gbdt \(growth.rawValue), at most \(base.trees) rounds, early stopping \(base.earlyStoppingRounds)")
        let study = try Study(space: ModelSearch.gbdtSpace, direction: .maximize, sampler: TPESampler(multivariate: true),
                              pruner: MedianPruner(startupTrials: 5), seed: seed, storage: studyFile, context: context)
        let label = "train-all: \(growth.rawValue)"
        if !study.trials.isEmpty { Console.error("\(label): resuming \(study.trials.count) trials from \(studyFile.path)") }
        if let reason = study.startedFreshBecause { Console.error("\(label): tuning afresh: \(reason)") }
        let resumed = study.trials.count
        let progress = TerminalProgress(label, total: trials, unit: "trials")
        try study.optimize(trialCount: trials, timeout: timeout, objective: { trial in
            try ModelSearch.crossValidateGBDT(trial, base: searchBase, cv: cv)
        }, onTrial: { trial, study in
            let best = study.bestTrial.map { String(format: "best AUC %.4f", $0.value!) } ?? "no trial complete"
            progress.update(study.trials.count, note: "\(best), trial \(trial.number + 1) \(trial.state.rawValue)")
        })
        guard let best = study.bestTrial else { throw StudyError(message: "\(growth.rawValue): no tuning trial completed (see \(studyFile.path))") }
        var parameters = ModelSearch.gbdtParameters(best.parameters, base: base)
        parameters.trees = max(1, Int((best.attributes["trees"] ?? 100).rounded()))
        parameters.earlyStoppingRounds = 0
        parameters.seed = seed
        let model = try GBDTTrainer.train(train, parameters: parameters)
        progress.finish("CV AUC \(String(format: "%.4f", best.value!)) after \(study.trials.count - resumed) new trials; \(model.trees.count) rounds")
        var manifest = BundleManifest(modelKind: "gbdt", target: target, inputSchema: model.features, parameters: parameters, seed: seed,
                                      dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: ["cv_roc_auc": best.value!])
        manifest.metrics["tuning_trials"] = Double(study.trials.count)
        manifest.inputProfile = InputProfile.make(train)
        return CandidateModel(name: "gbdt-\(growth.rawValue)", model: .gbdt(model), manifest: manifest,
                              validRaw: try model.rawScores(valid, threads: threads), testRaw: try model.rawScores(test, threads: threads),
                              seconds: Date().timeIntervalSince(started),
                              detail: "\(model.trees.count) trees, \(study.trials.count) trials, best CV AUC \(String(format: "%.4f", best.value!))",
                              study: try Data(contentsOf: studyFile))
    }

    /// The weighted ensemble of `members` in log-odds, weights on the simplex minimising the
    /// validation log loss (the validation rows thus choose the weights; the test rows stay
    /// untouched for the final comparison).
    static func ensemble(of members: [CandidateModel], valid: Dataset, test: Dataset, target: String, seed: UInt64, threads: Int) throws -> CandidateModel {
        let started = Date()
        let weights = EnsembleWeights.simplex(rawScores: members.map(\.validRaw), labels: valid.labels, weights: valid.weights.map { $0.map(Double.init) })
        let ensemble = EnsembleModel(members: zip(members, weights).filter { $0.1 > 0 }.map { EnsembleModel.Member(name: $0.0.name, weight: $0.1, model: $0.0.model) },
                                     method: "simplex")
        let model = TrainedModel.ensemble(ensemble)
        var manifest = BundleManifest(modelKind: "ensemble", target: target, inputSchema: model.features, seed: seed,
                                      dataFingerprint: members[0].manifest.dataFingerprint, trainingRows: members[0].manifest.trainingRows, metrics: [:])
        for member in ensemble.members { manifest.metrics["weight_\(member.name)"] = member.weight }
        manifest.inputProfile = members[0].manifest.inputProfile
        let description = ensemble.members.map { String(format: "%@ %.2f", $0.name, $0.weight) }.joined(separator: ", ")
        // The members' stored scores, combined as the ensemble combines them (no rescoring).
        return CandidateModel(name: "ensemble", model: model, manifest: manifest,
                              validRaw: EnsembleModel.combine(members.map(\.validRaw), weights: weights),
                              testRaw: EnsembleModel.combine(members.map(\.testRaw), weights: weights),
                              seconds: Date().timeIntervalSince(started), detail: "weights (validation log loss): \(description)")
    }

    /// What happened to one vertical.
    public struct VerticalOutcome: Sendable {
        public var vertical: String
        public var trainRows: Int
        public var trainPositives: Int
        /// Every row of the vertical (train, validation and test), for the refit.
        public var allRows: [Int] = []
        /// The vertical's own model, when it had enough data and beat the global model on the
        /// vertical's validation rows by more than the noise (``VerticalChoice``).
        public var candidate: CandidateModel?
        /// The own model's calibration, decided as the global model's is.
        public var calibration: CalibrationChoice?
        /// The comparison with the global model on the vertical's validation rows.
        public var choice: VerticalChoice?
        public var testAUC: (own: Double, global: Double)?
        public var decision: String
    }

    /// Per-vertical models: for each value of the categorical column `vertical`, a tree model
    /// with the best tuned variant's parameters, trained on that vertical's training rows with
    /// early stopping on its validation rows. It is kept only if the vertical has enough data
    /// (≥ 1,000 training rows, ≥ 50 positive training and ≥ 20 positive validation rows) and it
    /// beats the global model's AUC on the vertical's validation rows by more than the noise
    /// (``VerticalChoice``: DeLong's paired test, one-sided, p < 0.05); otherwise the vertical
    /// falls back to the global model, and the reason is reported with its numbers.
    /// On a cross-fitted small table (`crossFitted`) no vertical gets a model of its own: the
    /// rows that would judge it are the out-of-fold ones, and a vertical of a small table
    /// rarely has the data anyway.
    static func perVertical(crossFitted: Bool = false, dataset: Dataset, split: TrainValidTestSplit, global: CandidateModel, globalValid: [Double], globalTest: [Double],
                            best: CandidateModel, target: String, seed: UInt64, threads: Int) throws -> [VerticalOutcome] {
        guard let index = dataset.columnIndex(named: "vertical"), case .categorical(let column) = dataset.columns[index],
              var parameters = best.manifest.parameters else { return [] }
        parameters.earlyStoppingRounds = 50
        parameters.trees = max(parameters.trees * 2, 100)
        var outcomes: [VerticalOutcome] = []
        let validPosition = Dictionary(uniqueKeysWithValues: split.valid.enumerated().map { ($1, $0) })
        let testPosition = Dictionary(uniqueKeysWithValues: split.test.enumerated().map { ($1, $0) })
        for (code, vertical) in column.categories.enumerated() {
            let inVertical = { (row: Int) in column.codes[row] == Int32(code) }
            let trainRows = split.train.filter(inVertical), validRows = split.valid.filter(inVertical), testRows = split.test.filter(inVertical)
            let trainPositives = trainRows.reduce(0) { $0 + Int(dataset.labels[$1]) }
            let validPositives = validRows.reduce(0) { $0 + Int(dataset.labels[$1]) }
            var outcome = VerticalOutcome(vertical: vertical, trainRows: trainRows.count, trainPositives: trainPositives,
                                          allRows: (trainRows + validRows + testRows).sorted(), decision: "")
            guard !crossFitted else {
                outcome.decision = "a small table, decided by out-of-fold scores: global model"
                outcomes.append(outcome)
                continue
            }
            guard trainRows.count >= 1000, trainPositives >= 50, validPositives >= 20, testRows.reduce(0, { $0 + Int(dataset.labels[$1]) }) > 0 else {
                outcome.decision = "too little data (\(trainRows.count) training rows, \(trainPositives) positive; \(validPositives) positive validation rows): global model"
                outcomes.append(outcome)
                continue
            }
            let started = Date()
            let train = dataset.rows(trainRows), valid = dataset.rows(validRows), test = dataset.rows(testRows)
            parameters.seed = seed
            let model = try GBDTTrainer.train(train, parameters: parameters, validation: valid, metric: .auc)
            let validRaw = try model.rawScores(valid, threads: threads)
            let testRaw = try model.rawScores(test, threads: threads)
            let ownTest = RankingMetrics.rocAUC(scores: testRaw, labels: test.labels)
            let globalTestAUC = RankingMetrics.rocAUC(scores: testRows.map { globalTest[testPosition[$0]!] }, labels: test.labels)
            outcome.testAUC = (ownTest, globalTestAUC)
            guard let choice = VerticalChoice.decide(own: validRaw, global: validRows.map { globalValid[validPosition[$0]!] }, labels: valid.labels) else {
                outcome.decision = "a class is missing from the validation rows: global model"
                outcomes.append(outcome)
                continue
            }
            outcome.choice = choice
            outcome.decision = choice.explanation
            guard choice.kept else {
                outcomes.append(outcome)
                continue
            }
            let calibration = CalibrationChoice.choose(rawScores: validRaw, labels: valid.labels, weights: valid.weights,
                                                       seed: SeededGenerator(seed: seed).derived(0xCA1 + UInt64(code)).seed)
            var manifest = BundleManifest(modelKind: "gbdt", target: target, inputSchema: model.features, parameters: parameters, seed: seed,
                                          dataFingerprint: train.fingerprint(), trainingRows: train.rowCount,
                                          metrics: ["valid_roc_auc": choice.ownAUC, "test_roc_auc": ownTest, "global_valid_roc_auc": choice.globalAUC])
            manifest.inputProfile = InputProfile.make(train)
            manifest.calibration = calibration.calibration
            manifest.qualityLevels = QualityLevels.fit(try ScoredRows(scores: validRaw.map { calibration.probability(rawScore: $0) }, labels: valid.labels))
            manifest.scoreProfile = ScoreProfile.make(scores: testRaw.map { calibration.probability(rawScore: $0) })
            outcome.candidate = CandidateModel(name: vertical, model: .gbdt(model), manifest: manifest, validRaw: validRaw, testRaw: testRaw,
                                               seconds: Date().timeIntervalSince(started), detail: "\(model.trees.count) trees on \(train.rowCount) rows")
            outcome.calibration = calibration
            outcomes.append(outcome)
        }
        return outcomes
    }
}
