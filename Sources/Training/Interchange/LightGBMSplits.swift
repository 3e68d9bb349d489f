/// One LightGBM tree's nodes as an mlctl ``Tree``: the split semantics documented on
/// ``LightGBMModelText``'s conversion (LightGBMImport.swift).
extension LightGBMTree {
    /// LightGBM's missing types (`decision_type` bits 2–3).
    enum MissingType: Int {
        case none = 0, zero = 1, nan = 2
    }

    /// The tree for rows of `features`. Problems are prefixed by the node (`node 7: …`).
    func mlctlTree(features: [LightGBMFeature]) throws(ImportProblem) -> Tree {
        var tree = Tree()
        let splits = leaves - 1
        let nodeCount = splits + leaves
        tree.feature = [Int32](repeating: -1, count: nodeCount)
        tree.threshold = [Double](repeating: 0, count: nodeCount)
        tree.defaultLeft = [Bool](repeating: false, count: nodeCount)
        tree.categorySet = [Int32](repeating: -1, count: nodeCount)
        tree.left = [Int32](repeating: -1, count: nodeCount)
        tree.right = [Int32](repeating: -1, count: nodeCount)
        tree.value = internalValue + leafValue
        tree.cover = internalWeight + leafWeight
        tree.gain = splitGain + [Double](repeating: 0, count: leaves)
        let counts = internalCount + leafCount
        for (node, count) in counts.enumerated() where !(0...Int(Int32.max)).contains(count) {
            throw ImportProblem("node \(node): row count \(count) is negative or too large")
        }
        tree.count = counts.map { Int32($0) }
        for node in 0..<splits {
            do throws(ImportProblem) { try convertSplit(node, into: &tree, features: features) } catch {
                throw ImportProblem("node \(node): \(error.message)")
            }
        }
        return tree
    }

    /// An index of `left_child`/`right_child` as an mlctl node (leaf ~c after the internal nodes).
    private func node(ofChild child: Int, side: String) throws(ImportProblem) -> Int32 {
        let splits = leaves - 1
        if child >= 0 {
            guard child < splits else { throw ImportProblem("\(side) child \(child) is outside the tree's \(splits) internal nodes") }
            return Int32(child)
        }
        let leaf = -child - 1
        guard leaf < leaves else { throw ImportProblem("\(side) child \(child) (leaf \(leaf)) is outside the tree's \(leaves) leaves") }
        return Int32(splits + leaf)
    }

    private func convertSplit(_ node: Int, into tree: inout Tree, features: [LightGBMFeature]) throws(ImportProblem) {
        let decision = decisionType[node]
        guard (0..<16).contains(decision), let missing = MissingType(rawValue: (decision >> 2) & 3) else {
            throw ImportProblem("decision_type \(decision) is not a LightGBM decision type")
        }
        let feature = features[splitFeature[node]]
        tree.feature[node] = Int32(splitFeature[node])
        tree.left[node] = try self.node(ofChild: leftChild[node], side: "left")
        tree.right[node] = try self.node(ofChild: rightChild[node], side: "right")
        let defaultLeft = decision & 2 != 0
        if decision & 1 != 0 {
            try convertCategorical(node, missing: missing, feature: feature, into: &tree)
        } else {
            guard feature.feature.kind == .numeric else {
                throw ImportProblem("a numeric split on feature '\(feature.feature.name)', which feature_infos lists as categorical")
            }
            (tree.threshold[node], tree.defaultLeft[node]) = try Self.numericTest(threshold: threshold[node], missing: missing,
                                                                                  defaultLeft: defaultLeft)
        }
    }

    /// mlctl's (threshold, defaultLeft) for LightGBM's numeric test, or a problem when none
    /// is the same test (see the conversion's documentation).
    ///
    /// mlctl holds feature values as 32-bit floats, LightGBM compares doubles. The threshold
    /// is rounded to the nearest float first: a value equal to a training value (which
    /// LightGBM's thresholds sit just above, `nextafter` of it, or midway past) then goes the
    /// way LightGBM sends it. Without the rounding `0.3` (the float 0.30000001) would pass
    /// LightGBM's threshold 0.30000000000000004 that the double 0.3 stays under. The two can
    /// still differ for a value that is within one float step of the threshold and does not
    /// round to the same float, which the data LightGBM saw never has.
    static func numericTest(threshold: Double, missing: MissingType, defaultLeft: Bool) throws(ImportProblem) -> (Double, Bool) {
        let zero = LightGBMModelText.zeroThreshold
        let rounded = Double(Float(threshold))
        switch missing {
        case .nan: return (rounded, defaultLeft)
        case .none: return (rounded, 0 <= rounded)
        case .zero:
            if defaultLeft {
                if rounded >= zero { return (rounded, true) }
                if rounded >= -zero { return (zero, true) }
            } else {
                if rounded < -zero { return (rounded, false) }
                if rounded <= zero { return (Double(Float(-zero).nextDown), false) }
            }
            throw ImportProblem("missing type Zero with threshold \(threshold) sends zero and missing values \(defaultLeft ? "left" : "right") "
                                + "but values on both sides of zero \(defaultLeft ? "right" : "left"): mlctl's one-threshold test cannot express it")
        }
    }

    private func convertCategorical(_ node: Int, missing: MissingType, feature: LightGBMFeature, into tree: inout Tree) throws(ImportProblem) {
        guard let dictionary = feature.feature.categories else {
            throw ImportProblem("a categorical split on feature '\(feature.feature.name)', which feature_infos lists as numeric")
        }
        var values = try categoryValues(node: node)
        if let beyond = values.first(where: { $0 >= dictionary.count }) {
            throw ImportProblem("category \(beyond) of feature '\(feature.feature.name)' is beyond its \(dictionary.count) categories")
        }
        // Under missing types None and Zero LightGBM reads NaN as category 0.
        if missing != .nan && values.contains(0) {
            guard feature.fromPandas else {
                throw ImportProblem("missing values of integer categorical feature '\(feature.feature.name)' go left (as category 0) "
                                    + "while values LightGBM never saw go right: mlctl sends both right and cannot express it")
            }
            let inSet = Set(values)
            values = (0..<dictionary.count).filter { !inSet.contains($0) }
            swap(&tree.left[node], &tree.right[node])
        }
        var words = [UInt64](repeating: 0, count: max(1, (dictionary.count + 63) / 64))
        for value in values { words[value >> 6] |= 1 << UInt64(value & 63) }
        tree.categorySet[node] = Int32(tree.categorySets.count)
        tree.categorySets.append(words)
    }
}
