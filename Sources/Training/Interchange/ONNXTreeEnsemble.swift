/// mlctl's trees as the attributes of one `ai.onnx.ml` `TreeEnsemble` node (operator set 5),
/// which sums the leaves the rows reach over all trees, reading a double matrix (one column per
/// model feature; category codes as numbers) and writing a double column. Every split keeps its
/// meaning exactly:
///
///     mlctl                                     TreeEnsemble node
///     numeric: value ≤ threshold → left         BRANCH_LEQ (mode 0), split = threshold (a
///                                               double, as mlctl compares), true = left
///     missing number → left when defaultLeft    nodes_missing_value_tracks_true = defaultLeft
///     categorical: code in the set → left;      BRANCH_MEMBER (mode 6), the set's codes in
///     every other code (missing −1, unseen −2)  membership_values (each set ends with NaN),
///     → right                                   true = left; −1 and −2 are in no set
///     a set with no codes: everything right     BRANCH_LEQ on −∞ (codes are ≥ −2: never true)
///     a tree that is a single leaf              a split whose both branches reach that leaf
///
/// Internal nodes are numbered in mlctl's node order within each tree, trees one after
/// another; leaves likewise. Leaf weights are mlctl's doubles, so with double input the sum
/// differs from mlctl's only in the order of additions.
enum ONNXTreeEnsemble {
    static let branchLEQ: UInt8 = 0
    static let branchMember: UInt8 = 6

    /// The `TreeEnsemble` attributes of `trees` (no initial score: it is added after the node).
    static func attributes(_ trees: [Tree]) -> [ONNXProto.Attribute] {
        var featureIDs: [Int64] = [], modes: [UInt8] = [], splits: [Double] = [], missingTracksTrue: [Int64] = []
        var trueIDs: [Int64] = [], trueLeafs: [Int64] = [], falseIDs: [Int64] = [], falseLeafs: [Int64] = []
        var membership: [Double] = [], leafWeights: [Double] = [], roots: [Int64] = []
        for tree in trees {
            // Index of each mlctl node among this model's ONNX nodes (internal) or leaves.
            var index = [Int64](repeating: 0, count: tree.nodeCount)
            var nextNode = Int64(featureIDs.count), nextLeaf = Int64(leafWeights.count)
            for node in 0..<tree.nodeCount {
                if tree.feature[node] >= 0 {
                    index[node] = nextNode; nextNode += 1
                } else {
                    index[node] = nextLeaf; nextLeaf += 1
                }
            }
            roots.append(Int64(featureIDs.count))
            if tree.feature[0] < 0 {
                featureIDs.append(0); modes.append(branchLEQ); splits.append(0); missingTracksTrue.append(0)
                trueIDs.append(index[0]); trueLeafs.append(1); falseIDs.append(index[0]); falseLeafs.append(1)
            }
            for node in 0..<tree.nodeCount {
                guard tree.feature[node] >= 0 else {
                    leafWeights.append(tree.value[node])
                    continue
                }
                featureIDs.append(Int64(tree.feature[node]))
                if tree.categorySet[node] >= 0 {
                    let codes = setCodes(tree.categorySets[Int(tree.categorySet[node])])
                    if codes.isEmpty {
                        modes.append(branchLEQ); splits.append(-.infinity)
                    } else {
                        modes.append(branchMember); splits.append(0)
                        membership += codes.map(Double.init) + [.nan]
                    }
                    missingTracksTrue.append(0)
                } else {
                    modes.append(branchLEQ); splits.append(tree.threshold[node])
                    missingTracksTrue.append(tree.defaultLeft[node] ? 1 : 0)
                }
                let left = Int(tree.left[node]), right = Int(tree.right[node])
                trueIDs.append(index[left]); trueLeafs.append(tree.feature[left] < 0 ? 1 : 0)
                falseIDs.append(index[right]); falseLeafs.append(tree.feature[right] < 0 ? 1 : 0)
            }
        }
        var attributes: [ONNXProto.Attribute] = [
            .init("aggregate_function", .int(1)),   // SUM
            .init("leaf_targetids", .ints([Int64](repeating: 0, count: leafWeights.count))),
            .init("leaf_weights", .tensor(.vector(.doubles(leafWeights)))),
        ]
        if !membership.isEmpty { attributes.append(.init("membership_values", .tensor(.vector(.doubles(membership))))) }
        attributes += [
            .init("n_targets", .int(1)),
            .init("nodes_falseleafs", .ints(falseLeafs)),
            .init("nodes_falsenodeids", .ints(falseIDs)),
            .init("nodes_featureids", .ints(featureIDs)),
            .init("nodes_missing_value_tracks_true", .ints(missingTracksTrue)),
            .init("nodes_modes", .tensor(.vector(.uint8s(modes)))),
            .init("nodes_splits", .tensor(.vector(.doubles(splits)))),
            .init("nodes_trueleafs", .ints(trueLeafs)),
            .init("nodes_truenodeids", .ints(trueIDs)),
            .init("post_transform", .int(0)),       // NONE
            .init("tree_roots", .ints(roots)),
        ]
        return attributes
    }

    /// The category codes of a bitset (64 codes per word), ascending.
    static func setCodes(_ words: [UInt64]) -> [Int] {
        var codes: [Int] = []
        for (w, word) in words.enumerated() {
            for bit in 0..<64 where word & (1 << UInt64(bit)) != 0 { codes.append(w * 64 + bit) }
        }
        return codes
    }
}
