/// The checks of a tree model read from a file (see ``ModelValidation``): what ``FlatForest``,
/// ``TreeExplainer`` and ``TreeSHAP`` rely on when they walk trees without bounds checks.
extension GBDTModel {
    /// Checks the features, the initial score and every tree (``Tree/validate(features:)``).
    /// - Throws: ``ModelValidationError`` naming the tree and node (`tree 17 node 4: right
    ///   child 912 is outside the tree's 31 nodes`), counted from 0 as in the file.
    public func validate() throws(ModelValidationError) {
        try ModelValidation.validateFeatures(features)
        try ModelValidation.requireBounded(initialScore, "initialScore")
        for (index, tree) in trees.enumerated() {
            do throws(ModelValidationError) { try tree.validate(features: features) } catch { throw error.inside("tree \(index)") }
        }
    }
}

extension Tree {
    /// The deepest tree accepted: ``TreeExplainer`` lays a tree out by recursion, a level per
    /// call, and the service does so on event-loop threads of 4 MiB of stack (a debug build
    /// needs 1–2 KiB a level). Training stays far below it: depth-wise and oblivious trees
    /// stop at 16 levels, and leaf-wise ones are as deep as their splits chain, tens of levels
    /// in practice (deeper than 1,024 needs more than 1,024 leaves in one chain).
    public static let maximumDepth = 1_024

    /// Checks that the tree can be walked and explained for rows of `features`:
    /// - every per-node array has one entry per node, and there is a root;
    /// - an internal node (feature ≥ 0) splits on a feature of the model, categorical nodes
    ///   (a category set) on categorical features and numeric ones on numeric features; its
    ///   category set exists; its children are nodes of the tree;
    /// - every node is reached exactly once from the root (no cycle, no shared or orphan
    ///   node), within ``maximumDepth`` levels, so walks end at a leaf;
    /// - row counts are not negative and a node's count is its children's sum (TreeSHAP's
    ///   cover shares, the expected value);
    /// - covers are not negative in a tree explained by cover (``explainsByCover``: TreeSHAP
    ///   divides by them);
    /// - values, covers and gains are finite and bounded (``ModelValidation/magnitudeLimit``);
    ///   numeric thresholds are not NaN. A threshold may be ±∞: training places one at −∞ when
    ///   the training values include −∞, and `x ≤ ±∞` is a well-defined test.
    /// - Throws: ``ModelValidationError`` naming the node.
    public func validate(features: [ModelFeature]) throws(ModelValidationError) {
        let n = nodeCount
        guard n > 0 else { throw ModelValidationError("the tree has no nodes") }
        let lengths = [("threshold", threshold.count), ("defaultLeft", defaultLeft.count), ("categorySet", categorySet.count),
                       ("left", left.count), ("right", right.count), ("value", value.count), ("count", count.count),
                       ("cover", cover.count), ("gain", gain.count)]
        for (name, length) in lengths where length != n {
            throw ModelValidationError("\(name) has \(length) entries for the tree's \(n) nodes")
        }
        // Indices first, then the shape they make, then the numbers: a cycle is reported as a
        // cycle, not as the row counts it also breaks.
        for node in 0..<n {
            do throws(ModelValidationError) { try validateSplit(node, features: features) } catch { throw error.inside("node \(node)") }
        }
        try validateShape()
        for node in 0..<n {
            do throws(ModelValidationError) { try validateNumbers(node) } catch { throw error.inside("node \(node)") }
        }
    }

    /// An internal node's feature, children and category set.
    private func validateSplit(_ node: Int, features: [ModelFeature]) throws(ModelValidationError) {
        let split = Int(feature[node])
        guard split >= 0 else { return }  // a leaf
        guard split < features.count else {
            throw ModelValidationError("feature \(split) is outside the model's \(features.count) features")
        }
        let n = nodeCount
        for (side, child) in [("left", Int(left[node])), ("right", Int(right[node]))] where !(0..<n).contains(child) {
            throw ModelValidationError("\(side) child \(child) is outside the tree's \(n) nodes")
        }
        let set = Int(categorySet[node])
        let splitFeature = features[split]
        if set >= 0 {
            guard set < categorySets.count else {
                throw ModelValidationError("category set \(set) is outside the tree's \(categorySets.count) category sets")
            }
            guard splitFeature.kind == .categorical else {
                throw ModelValidationError("a categorical split on numeric feature \(split) '\(splitFeature.name)'")
            }
        } else {
            guard set == -1 else { throw ModelValidationError("category set \(set) is neither -1 (numeric split) nor a set") }
            guard splitFeature.kind == .numeric else {
                throw ModelValidationError("a numeric split on categorical feature \(split) '\(splitFeature.name)'")
            }
            guard !threshold[node].isNaN else { throw ModelValidationError("threshold is NaN") }
        }
    }

    /// A node's output, cover, gain and row count (its children's sum).
    private func validateNumbers(_ node: Int) throws(ModelValidationError) {
        try ModelValidation.requireBounded(value[node], "value")
        try ModelValidation.requireBounded(cover[node], "cover")
        try ModelValidation.requireBounded(gain[node], "gain")
        if explainsByCover == true && cover[node] < 0 {
            throw ModelValidationError("cover \(cover[node]) is negative in a tree explained by cover")
        }
        guard count[node] >= 0 else { throw ModelValidationError("row count \(count[node]) is negative") }
        guard feature[node] >= 0 else { return }
        let children = Int(count[Int(left[node])]) + Int(count[Int(right[node])])
        guard Int(count[node]) == children else {
            throw ModelValidationError("row count \(count[node]) is not the sum of its children's (\(children))")
        }
    }

    /// Every node reached exactly once from the root, within ``maximumDepth`` levels (children
    /// are known to be in range). Iterative, so a deep or cyclic file cannot exhaust the stack.
    private func validateShape() throws(ModelValidationError) {
        var reached = [Bool](repeating: false, count: nodeCount)
        reached[0] = true
        var pending = [(node: 0, depth: 0)]
        while let (node, depth) = pending.popLast() {
            guard feature[node] >= 0 else { continue }
            guard depth < Self.maximumDepth else {
                throw ModelValidationError("deeper than the \(Self.maximumDepth) levels accepted", at: ["node \(node)"])
            }
            for (side, child) in [("left", Int(left[node])), ("right", Int(right[node]))] {
                guard !reached[child] else {
                    throw ModelValidationError("\(side) child \(child) is reached a second time (a cycle, or a node with two parents)",
                                               at: ["node \(node)"])
                }
                reached[child] = true
                pending.append((child, depth + 1))
            }
        }
        if let orphan = reached.firstIndex(of: false) {
            throw ModelValidationError("not reachable from the root", at: ["node \(orphan)"])
        }
    }
}
