import Core
import Foundation
import Training

/// One model that train-all produced, with its raw scores (log-odds) on the validation and
/// test rows, computed once: the ensemble, calibration and evaluation all start from them.
public struct CandidateModel: Sendable {
    public var name: String
    public var model: TrainedModel
    public var manifest: BundleManifest
    public var validRaw: [Double]
    public var testRaw: [Double]
    public var validProbabilities: [Double] { validRaw.map(logistic) }
    public var testProbabilities: [Double] { testRaw.map(logistic) }
    public var seconds: Double
    public var detail: String
    /// The tuning history, for models that were tuned.
    public var study: Data?
}
