import Core
import Evaluation

/// How trees grow: the three policies share one histogram engine.
public enum GrowthPolicy: String, Codable, Sendable, CaseIterable {
    /// Best-first: always split the leaf with the largest gain, up to `numLeaves` (LightGBM).
    case leafwise
    /// Level by level: split every splittable leaf of a depth before the next (XGBoost hist).
    case depthwise
    /// Symmetric: one (feature, threshold) per level shared by all leaves (CatBoost).
    case oblivious
}

/// Parameters of gradient-boosted trees for binary classification. Defaults equal LightGBM's
/// where LightGBM has the parameter (names in parentheses where they differ).
public struct GBDTParameters: Codable, Sendable, Equatable {
    public var growth: GrowthPolicy = .leafwise
    /// Boosting rounds (`num_iterations`).
    public var trees = 100
    public var learningRate = 0.1
    /// Leaves per tree for leaf-wise growth; depth-wise and oblivious trees are bounded by
    /// `maxDepth` (with 6 when `maxDepth` is -1).
    public var numLeaves = 31
    /// Depth limit; -1 means none (leaf-wise) or 6 (depth-wise, oblivious).
    public var maxDepth = -1
    /// Histogram bins per numeric feature, at most 255 (a bin index is one byte; missing
    /// values take one more).
    public var maxBin = 255
    /// A bin holds at least this many sampled rows (`min_data_in_bin`).
    public var minDataInBin = 3
    /// Rows sampled to find bin boundaries (`bin_construct_sample_cnt`).
    public var binSampleCount = 200_000
    public var minDataInLeaf = 20
    public var minSumHessianInLeaf = 1e-3
    public var lambdaL1 = 0.0
    public var lambdaL2 = 0.0
    public var minGainToSplit = 0.0
    /// Leaf outputs are clipped to ±maxDeltaStep before shrinkage; 0 means no clipping.
    public var maxDeltaStep = 0.0
    /// Fraction of features considered by each tree.
    public var featureFraction = 1.0
    /// Fraction of rows used by each tree when `baggingFrequency` > 0.
    public var baggingFraction = 1.0
    /// Re-draw the bag every this many rounds; 0 disables bagging.
    public var baggingFrequency = 0
    /// Gradient-based one-side sampling (LightGBM's `goss`): keep the `topRate` rows with the
    /// largest gradients and a `otherRate` sample of the rest, reweighted.
    public var goss = false
    public var topRate = 0.2
    public var otherRate = 0.1
    /// Weight of positive rows (`scale_pos_weight`).
    public var scalePositiveWeight = 1.0
    /// Weight classes as n / (2 · n_class) (scikit-learn's "balanced").
    public var balanced = false
    // Categorical splits (LightGBM semantics).
    /// At most this many categories: one category against the rest (`max_cat_to_onehot`).
    public var maxCategoriesOneHot = 4
    /// At most this many categories on the left of a many-vs-many split (`max_cat_threshold`).
    public var maxCategoryThreshold = 32
    /// Smoothing of category gradient ratios when ordering categories (`cat_smooth`).
    public var categorySmoothing = 10.0
    /// Extra L2 regularisation for categorical splits (`cat_l2`).
    public var categoryL2 = 10.0
    /// Each side of a many-vs-many split holds at least this many rows (`min_data_per_group`).
    public var minDataPerGroup = 100
    /// Rounds without improvement of the validation metric before stopping; 0 disables.
    public var earlyStoppingRounds = 0
    public var seed: UInt64 = 0
    /// Worker threads; 0 means all cores. The trained model does not depend on it.
    public var threads = 0

    /// Everything but `threads`: the thread count is a setting of the run, not of the model
    /// (which does not depend on it), so bundles do not record it and stay identical whatever
    /// it was.
    enum CodingKeys: String, CodingKey {
        case growth
        case trees
        case learningRate
        case numLeaves
        case maxDepth
        case maxBin
        case minDataInBin
        case binSampleCount
        case minDataInLeaf
        case minSumHessianInLeaf
        case lambdaL1
        case lambdaL2
        case minGainToSplit
        case maxDeltaStep
        case featureFraction
        case baggingFraction
        case baggingFrequency
        case goss
        case topRate
        case otherRate
        case scalePositiveWeight
        case balanced
        case maxCategoriesOneHot
        case maxCategoryThreshold
        case categorySmoothing
        case categoryL2
        case minDataPerGroup
        case earlyStoppingRounds
        case seed
    }

    public init() {}

    /// The thread count in force: `threads`, or every core when it is 0.
    public var effectiveThreads: Int { threads > 0 ? threads : defaultThreadCount }

    /// The depth bound in force: `maxDepth`, or 6 for depth-wise and oblivious trees without one.
    public var effectiveMaxDepth: Int {
        if maxDepth > 0 { return maxDepth }
        return growth == .leafwise ? Int.max : 6
    }

    /// Checks ranges; the message names the parameter.
    public func validate() throws(GBDTError) {
        func check(_ ok: Bool, _ message: String) throws(GBDTError) {
            if !ok { throw GBDTError.invalidParameter(message) }
        }
        try check(trees >= 1, "trees must be ≥ 1")
        try check(learningRate > 0 && learningRate.isFinite, "learning rate must be > 0")
        try check(numLeaves >= 2 && numLeaves <= 131_072, "num-leaves must be in 2…131072")
        try check(maxDepth == -1 || maxDepth >= 1, "max-depth must be -1 or ≥ 1")
        try check(growth == .leafwise || effectiveMaxDepth <= 16, "max-depth must be ≤ 16 for depth-wise and oblivious trees")
        try check(maxBin >= 2 && maxBin <= 255, "max-bin must be in 2…255")
        try check(minDataInBin >= 1, "min-data-in-bin must be ≥ 1")
        try check(minDataInLeaf >= 1, "min-data-in-leaf must be ≥ 1")
        try check(minSumHessianInLeaf >= 0, "min-sum-hessian-in-leaf must be ≥ 0")
        try check(lambdaL1 >= 0 && lambdaL2 >= 0, "lambda-l1 and lambda-l2 must be ≥ 0")
        try check(featureFraction > 0 && featureFraction <= 1, "feature-fraction must be in (0, 1]")
        try check(baggingFraction > 0 && baggingFraction <= 1, "bagging-fraction must be in (0, 1]")
        try check(baggingFrequency >= 0, "bagging-freq must be ≥ 0")
        try check(topRate > 0 && otherRate > 0 && topRate + otherRate <= 1, "GOSS rates must be positive with top + other ≤ 1")
        try check(scalePositiveWeight > 0, "scale-pos-weight must be > 0")
        try check(!(balanced && scalePositiveWeight != 1), "use either balanced or scale-pos-weight, not both")
        try check(earlyStoppingRounds >= 0, "early-stopping must be ≥ 0")
    }
}

/// Why training could not run.
public enum GBDTError: Error, CustomStringConvertible, Equatable {
    case invalidParameter(String)
    case invalidData(String)

    public var description: String {
        switch self {
        case .invalidParameter(let message): return "invalid parameter: \(message)"
        case .invalidData(let message): return "cannot train on this data: \(message)"
        }
    }
}
