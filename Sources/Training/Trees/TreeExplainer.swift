/// Trees laid out for TreeSHAP (see ``TreeSHAP``): everything about a tree that does not
/// depend on the row — its internal nodes in preorder, each child's cover fraction combined
/// with the splits on the same feature above it, and the quadrature rule the tree needs —
/// built once per model, so that explaining a row is two passes over each tree's nodes (or a
/// lookup, for an oblivious tree: ``TreeLevelTable``).
///
/// Memory: 80 bytes per internal node (1.2 MB for 500 trees of 31 leaves), and for an
/// oblivious tree of depth d, 8 · 2^d · (its distinct features) bytes more (3 KiB at depth 6).
public struct TreeExplainer: Sendable {
    /// One internal node of a tree with what its two children need, numbered in preorder (the
    /// root is slot 0; a child's slot comes after its parent's). Edges, parent → child, are
    /// numbered 2·slot (left) and 2·slot + 1 (right).
    struct Node {
        var feature: Int32
        /// Categorical splits: start and word count of the set in ``categoryWords``; count -1
        /// for a numeric split.
        var categoryStart: Int32
        var categoryCount: Int32
        /// The nearest edge above this node that leaves a split on the same feature; -1 if
        /// this is the path's first split on it.
        var ancestor: Int32
        /// The children's slots; a leaf child has the slot one past the tree's last node.
        var left: Int32
        var right: Int32
        /// The direction of a missing numeric value.
        var defaultLeft: Bool
        /// The numeric threshold (`value ≤ threshold` goes left).
        var threshold: Double
        /// The children's values if they are leaves, 0 otherwise.
        var leftValue: Double
        var rightValue: Double
        /// The left child's share of the node's rows (the right child has the rest; 1/2 for a
        /// node with no rows).
        var leftShare: Double
        /// The feature's zero fraction below the left child: its share times ``earlier``.
        var leftZero: Double
        /// The feature's zero fraction above this node: 1 for its first split on the path.
        var earlier: Double
    }

    /// Every tree's nodes, one tree after another (slot s of tree t is `nodes[nodeStart[t] + s]`).
    let nodes: [Node]
    /// Where each tree's nodes start in ``nodes``, plus the end (a single leaf has none).
    let nodeStart: [Int]
    /// Each tree's quadrature: ⌈d/2⌉ Gauss–Legendre points for its largest count d of
    /// distinct features on a path, in vectors of two (`chunks` of them; an odd count is
    /// padded with a point of weight 0); `rule` is where its vectors start in ``rules``.
    /// Pairs keep every vector in one SSE register: wider vectors spilled to the stack.
    let layouts: [Layout]
    struct Layout {
        var chunks: Int
        var rule: Int
    }
    let rules: [SIMD2<Double>]
    let categoryWords: [UInt64]
    /// Each tree's precomputed answers when its levels each apply one test (oblivious trees):
    /// see ``TreeLevelTable``.
    let levelTables: [TreeLevelTable?]
    /// The feature count the contributions are indexed by (at least every split feature + 1).
    public let featureCount: Int
    /// A machine-independent measure of what explaining one row costs, in units of one kernel
    /// vector operation: per tree, 4 per internal node and quadrature chunk for the kernel's two
    /// passes, or for a tabulated tree 4 · (its features + 2) — the level tests and the table's
    /// additions, whose loads mostly miss the cache (calibrated on the bundled leads' registry:
    /// about 3 ns per unit for kernel trees, tabulated trees and linear models alike). Unlike a
    /// timing it does not depend on the machine or its load, so a choice made on it
    /// (train-all's served model) is the same on every run of a seed; ``ServingCost`` measures
    /// the time beside it.
    public var workPerRow: Int {
        layouts.indices.reduce(0) { total, tree in
            if let table = levelTables[tree] { return total + 4 * (table.features.count + 2) }
            return total + 4 * (nodeStart[tree + 1] - nodeStart[tree]) * layouts[tree].chunks
        }
    }

    /// Vectors of scratch a row needs (4 per node and chunk, and 2 more), and flags (2 per node).
    let scratchVectors: Int
    let scratchSlots: Int

    /// - Parameter tabulating: whether oblivious trees get a ``TreeLevelTable`` (`false` only
    ///   to check the tables against the kernel).
    public init(trees: [Tree], featureCount: Int = 0, tabulating: Bool = true) {
        var nodes: [Node] = [], nodeStart = [0], layouts: [Layout] = [], words: [UInt64] = []
        var rules: [SIMD2<Double>] = [], ruleStart: [Int: Int] = [:]
        var features = featureCount, scratch = 0, slots = 1
        for tree in trees {
            let built = Self.nodes(of: tree, categoryWords: &words)
            nodes += built.nodes
            nodeStart.append(nodes.count)
            slots = max(slots, 2 * built.nodes.count)
            for node in built.nodes { features = max(features, Int(node.feature) + 1) }
            let points = max(1, (built.distinctFeatures + 1) / 2), chunks = (points + 1) / 2
            if ruleStart[points] == nil {
                let rule = GaussLegendre.compute(points), pad = 2 * chunks - points
                let t = rule.nodes + Array(repeating: 0.5, count: pad), weights = rule.weights + Array(repeating: 0, count: pad)
                let lanes = t + t.map { 1 - $0 } + weights
                ruleStart[points] = rules.count
                for start in stride(from: 0, to: lanes.count, by: 2) { rules.append(SIMD2(lanes[start], lanes[start + 1])) }
            }
            layouts.append(Layout(chunks: chunks, rule: ruleStart[points]!))
            scratch = max(scratch, (4 * built.nodes.count + 2) * chunks)
        }
        self.nodes = nodes
        self.nodeStart = nodeStart
        self.layouts = layouts
        self.rules = rules
        self.categoryWords = words
        levelTables = nodes.withUnsafeBufferPointer { nodes in
            rules.withUnsafeBufferPointer { rules in
                words.withUnsafeBufferPointer { words in
                    layouts.indices.map { tree in
                        !tabulating ? nil : TreeLevelTable.make(nodes: UnsafeBufferPointer(rebasing: nodes[nodeStart[tree]..<nodeStart[tree + 1]]),
                                            chunks: layouts[tree].chunks, quadrature: rules.baseAddress! + layouts[tree].rule,
                                            categoryWords: words)
                    }
                }
            }
        }
        self.featureCount = features
        self.scratchVectors = scratch
        self.scratchSlots = slots
    }

    /// `tree`'s internal nodes in preorder, and the largest number of distinct features on a path.
    private static func nodes(of tree: Tree, categoryWords: inout [UInt64]) -> (nodes: [Node], distinctFeatures: Int) {
        guard tree.nodeCount > 1 else { return ([], 0) }
        let internalCount = tree.feature.filter { $0 >= 0 }.count
        var nodes: [Node] = [], deepest = 0
        // The nearest edge leaving a split on each feature, along the current path.
        var lastSplit: [Int32: Int32] = [:]
        var categoryStart: [Int32: Int32] = [:]
        func visit(node: Int, distinct: Int, zero: [Int32: Double]) -> Int32 {
            let feature = tree.feature[node]
            guard feature >= 0 else { deepest = max(deepest, distinct); return Int32(internalCount) }
            var start: Int32 = -1, count: Int32 = -1
            let set = tree.categorySet[node]
            if set >= 0 {
                if let known = categoryStart[set] { start = known } else {
                    start = Int32(categoryWords.count)
                    categoryStart[set] = start
                    categoryWords += tree.categorySets[Int(set)]
                }
                count = Int32(tree.categorySets[Int(set)].count)
            }
            let slot = Int32(nodes.count), ancestor = lastSplit[feature] ?? -1, earlier = zero[feature] ?? 1
            let left = Int(tree.left[node]), right = Int(tree.right[node])
            let leftWeight = tree.explanationWeight(left), weight = leftWeight + tree.explanationWeight(right)
            let leftShare = weight > 0 ? leftWeight / weight : 0.5
            nodes.append(Node(feature: feature, categoryStart: start, categoryCount: count, ancestor: ancestor, left: 0, right: 0,
                              defaultLeft: tree.defaultLeft[node], threshold: tree.threshold[node],
                              leftValue: tree.feature[left] < 0 ? tree.value[left] : 0,
                              rightValue: tree.feature[right] < 0 ? tree.value[right] : 0,
                              leftShare: leftShare, leftZero: earlier * leftShare, earlier: earlier))
            let distinctBelow = distinct + (ancestor >= 0 ? 0 : 1)
            var below = zero
            lastSplit[feature] = 2 * slot
            below[feature] = earlier * leftShare
            let leftSlot = visit(node: left, distinct: distinctBelow, zero: below)
            lastSplit[feature] = 2 * slot + 1
            below[feature] = earlier * (1 - leftShare)
            let rightSlot = visit(node: right, distinct: distinctBelow, zero: below)
            lastSplit[feature] = ancestor >= 0 ? ancestor : nil
            nodes[Int(slot)].left = leftSlot
            nodes[Int(slot)].right = rightSlot
            return slot
        }
        _ = visit(node: 0, distinct: 0, zero: [:])
        return (nodes, deepest)
    }

    /// Adds one row's contributions (features in model order, category codes as floats) to
    /// `phi` (``featureCount`` entries), tree by tree in order. Allocation-free beyond stack
    /// scratch of the largest tree's size.
    public func addContributions(row: UnsafePointer<Float>, to phi: UnsafeMutablePointer<Double>) {
        guard scratchVectors > 0 else { return }  // no tree with a split: nothing to explain
        withUnsafeTemporaryAllocation(of: SIMD2<Double>.self, capacity: scratchVectors + featureCount) { scratch in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: scratchSlots) { follows in
                // Each feature's contribution accumulates lane by lane, summed at the end.
                let lanes = scratch.baseAddress! + scratchVectors
                lanes.initialize(repeating: .zero, count: featureCount)
                nodes.withUnsafeBufferPointer { nodes in
                    categoryWords.withUnsafeBufferPointer { words in
                        rules.withUnsafeBufferPointer { rules in
                            for tree in 0..<layouts.count where nodeStart[tree + 1] > nodeStart[tree] {
                                let treeNodes = nodes.baseAddress! + nodeStart[tree]
                                if let table = levelTables[tree],
                                   let pattern = table.lookup(row: row, nodes: treeNodes, categoryWords: words.baseAddress) {
                                    let width = table.features.count
                                    for k in 0..<width { lanes[Int(table.features[k])][0] += table.values[pattern &* width &+ k] }
                                    continue
                                }
                                let layout = layouts[tree]
                                TreeSHAP.addContributions(nodes: nodes.baseAddress! + nodeStart[tree], count: nodeStart[tree + 1] - nodeStart[tree],
                                                          chunks: layout.chunks, quadrature: rules.baseAddress! + layout.rule,
                                                          categoryWords: words.baseAddress, row: row, phi: lanes,
                                                          scratch: scratch.baseAddress!, follows: follows.baseAddress!)
                            }
                        }
                    }
                }
                for feature in 0..<featureCount { phi[feature] += lanes[feature].sum() }
            }
        }
    }
}
