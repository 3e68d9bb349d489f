import Core
import Foundation
import Training

/// The last step before train-all writes its models: once every decision is made on the split
/// (the ensemble's weights, the served model, its calibration and quality levels, the
/// verticals), the shipped models are fitted again on every row the user gave — train,
/// validation and test together — as scikit-learn's `refit=True` and AutoGluon's `refit_full`
/// do, instead of shipping models that saw 60 % of the data.
///
/// Each model keeps what was chosen for it: a tree model its parameters and its number of
/// rounds (chosen by the cross-validation folds' early stopping, or a vertical's own early
/// stopping), not scaled up for the larger data; the baseline its parameters (SMOTE, C); an
/// ensemble its weights over the refitted members. The test figures in the summary and report
/// are those measured before the refit (the refitted models have seen the test rows).
enum TrainAllRefit {
    /// `candidate`'s model fitted again on `all` rows (an ensemble's members must be refitted
    /// first: `members` maps a member's name to its refitted model). The manifest records the
    /// rows it was fitted on; the stored validation and test scores stay those of the split.
    static func refit(_ candidate: CandidateModel, on all: Dataset, members: [String: TrainedModel], threads: Int) throws -> CandidateModel {
        var refitted = candidate
        switch candidate.model {
        case .gbdt(let model):
            guard var parameters = candidate.manifest.parameters else { return candidate }
            parameters.trees = model.trees.count
            parameters.earlyStoppingRounds = 0
            parameters.threads = threads
            let model = try GBDTTrainer.train(all, parameters: parameters)
            refitted.model = .gbdt(model)
            refitted.manifest.parameters = parameters
        case .logistic:
            guard var parameters = candidate.manifest.logisticParameters else { return candidate }
            parameters.threads = threads
            refitted.model = .logistic(try LogisticTrainer.train(all, parameters: parameters))
        case .ensemble(let ensemble):
            var rebuilt = ensemble
            for index in rebuilt.members.indices {
                guard let model = members[rebuilt.members[index].name] else {
                    throw TrainAllInputError("the ensemble member '\(rebuilt.members[index].name)' was not refitted")
                }
                rebuilt.members[index].model = model
            }
            refitted.model = .ensemble(rebuilt)
        }
        refitted.manifest.inputSchema = refitted.model.features
        refitted.manifest.dataFingerprint = all.fingerprint()
        refitted.manifest.trainingRows = all.rowCount
        refitted.manifest.metrics["refit_on_all_rows"] = 1
        if candidate.manifest.inputProfile != nil { refitted.manifest.inputProfile = InputProfile.make(all) }
        return refitted
    }

    /// Every candidate refitted on `all`, members before the ensemble (whose members are the
    /// candidates of the same names).
    static func refitAll(_ candidates: [CandidateModel], on all: Dataset, threads: Int, progress: TerminalProgress) throws -> [CandidateModel] {
        var refitted: [CandidateModel] = [], byName: [String: TrainedModel] = [:]
        for candidate in candidates {
            let model = try refit(candidate, on: all, members: byName, threads: threads)
            refitted.append(model)
            byName[model.name] = model.model
            progress.update(refitted.count, note: candidate.name)
        }
        return refitted
    }
}
