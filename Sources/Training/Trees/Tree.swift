/// One decision tree in flat arrays (node `0` is the root).
///
/// An internal node tests one feature: numeric, `value ≤ threshold` goes left and a missing
/// value follows `defaultLeft`; categorical, the category codes in its set go left and
/// everything else (other, unseen, missing) goes right. Leaves hold `value`, the output added
/// to the raw score (shrinkage included). Internal nodes keep the output they would have as
/// leaves, their row count and hessian sum (cover) and their split gain, for explanations and
/// importance.
public struct Tree: Codable, Sendable, Equatable {
    /// Feature of each internal node, -1 for a leaf.
    public var feature: [Int32] = []
    public var threshold: [Double] = []
    public var defaultLeft: [Bool] = []
    /// Index into ``categorySets`` for categorical nodes, -1 otherwise.
    public var categorySet: [Int32] = []
    /// Bitsets (64 codes per word) of the category codes that go left.
    public var categorySets: [[UInt64]] = []
    public var left: [Int32] = []
    public var right: [Int32] = []
    public var value: [Double] = []
    public var count: [Int32] = []
    public var cover: [Double] = []
    public var gain: [Double] = []
    /// What TreeSHAP weighs a node by when its feature is absent (the children's shares and
    /// the expected output): `nil` or `false`, its row count (``count``, as LightGBM's
    /// `pred_contrib`); `true`, its ``cover`` (the hessian sum, as XGBoost's `pred_contrib`,
    /// which has no row counts). Trees mlctl trains leave it `nil`, so it is absent from their
    /// JSON; trees imported from XGBoost set it (``ModelImport``).
    public var explainsByCover: Bool?

    public var nodeCount: Int { feature.count }
    public var leafCount: Int { feature.filter { $0 < 0 }.count }

    /// Appends a leaf and returns its index.
    mutating func addLeaf(value: Double, count: Int, cover: Double) -> Int {
        feature.append(-1); threshold.append(0); defaultLeft.append(false); categorySet.append(-1)
        left.append(-1); right.append(-1); self.value.append(value); self.count.append(Int32(count))
        self.cover.append(cover); gain.append(0)
        return feature.count - 1
    }

    /// The weight TreeSHAP gives `node` (see ``explainsByCover``).
    @inline(__always)
    func explanationWeight(_ node: Int) -> Double {
        explainsByCover == true ? cover[node] : Double(count[node])
    }

    /// Whether a category code goes left at categorical node `node`.
    @inline(__always)
    public func categoryGoesLeft(_ code: Int, node: Int) -> Bool {
        guard code >= 0 else { return false }
        let words = categorySets[Int(categorySet[node])]
        let word = code >> 6
        return word < words.count && words[word] & (1 << UInt64(code & 63)) != 0
    }

    /// Whether a row whose split feature has `value` goes left at internal node `node`.
    @inline(__always)
    public func goesLeft(node: Int, value: Float) -> Bool {
        if categorySet[node] >= 0 { return categoryGoesLeft(value.isNaN ? -1 : Int(value), node: node) }
        if value.isNaN { return defaultLeft[node] }
        return Double(value) <= threshold[node]
    }

    /// The leaf reached by a row whose feature values are `row[f]` (numeric values; category
    /// codes as floats, negative for missing or unseen).
    @inline(__always)
    public func leaf(_ row: UnsafePointer<Float>) -> Int {
        var node = 0
        while feature[node] >= 0 {
            node = Int(goesLeft(node: node, value: row[Int(feature[node])]) ? left[node] : right[node])
        }
        return node
    }

    /// Multiplies every node's output by `factor` (shrinkage).
    mutating func scale(by factor: Double) {
        for i in value.indices { value[i] *= factor }
    }
}
