import Core
import Evaluation
import Foundation

/// Exact path-dependent TreeSHAP (the Shapley values of Lundberg, Erion & Lee 2018, "Consistent
/// Individualized Feature Attribution for Tree Ensembles"): each feature's Shapley value for one
/// row's raw score, where a feature that is "absent" follows both children in proportion to
/// their training cover (row counts here).
///
/// Computed from the Shapley integral (the identity behind Linear TreeSHAP, Yu, Xu, Bifet &
/// Read 2022): for a leaf of value v whose path splits on the distinct features j with cover
/// fraction q_j (the product over the path's splits on j) and "the row goes this way"
/// o_j ∈ {0, 1}, feature i receives
///
///     v · (o_i − q_i) · ∫₀¹ Π_{j ≠ i} a_j(t) dt,   a_j(t) = q_j·(1 − t) + o_j·t,
///
/// because the Shapley weight |S|!(d − |S| − 1)!/d! is ∫₀¹ t^|S| (1 − t)^(d−1−|S|) dt. The
/// integrand is a polynomial of degree d − 1, which Gauss–Legendre quadrature with ⌈d/2⌉
/// points integrates exactly.
///
/// At each quadrature point t_k, let P(node) be the product of the a_j down the node's path,
/// and B(node) = Σ v · P(leaf)/P(node) over the leaves below it. For the first split on i
/// along a path, parent → child, the integrand of the leaves below the child sums to
/// (o_i − q_i) · P(parent) · B(child): no division. A deeper split on i multiplies the
/// product by a_new/a_old and takes its leaves over from the ancestor's sum. So one pass down
/// a tree's internal nodes gives every P, one pass up every B and every split's share of φ:
/// O(nodes × points) per tree, against O(leaves × depth²) for the paper's EXTEND/UNWIND
/// recursion (kept in the tests as the reference this is checked against). The two children
/// of a node have a_left + a_right = a_old, so a node costs about one child's work. Points go
/// in pairs, one SSE register each (an odd count padded with a weight-0 point).
/// a_old > 0 where it divides: it is a followed split's t + (1 − t)q, and t ∈ (0, 1).
///
/// Invariant (tested for every growth policy): Σ contributions + expected value = raw score.
public enum TreeSHAP {
    /// The expected raw output of `tree` over its training rows: Σ leaf value · leaf share.
    /// A tree weighed by cover (``Tree/explainsByCover``) takes each leaf's share as the
    /// product of the child shares down its path, as the explainer does: hessian sums, unlike
    /// row counts, need not add up exactly from children to parent, and the contributions add
    /// up to the raw score only with the shares they were computed with.
    public static func expectedValue(_ tree: Tree) -> Double {
        if tree.explainsByCover == true { return coverWeightedValue(tree, node: 0) }
        let total = Double(tree.count[0])
        guard total > 0 else { return tree.value[0] }
        var sum = 0.0
        for node in 0..<tree.nodeCount where tree.feature[node] < 0 {
            sum += tree.value[node] * Double(tree.count[node]) / total
        }
        return sum
    }

    /// The output of the subtree at `node` averaged over its leaves by the explainer's child
    /// shares (recursive: trees are at most ``Tree/maximumDepth`` levels deep).
    private static func coverWeightedValue(_ tree: Tree, node: Int) -> Double {
        guard tree.feature[node] >= 0 else { return tree.value[node] }
        let left = Int(tree.left[node]), right = Int(tree.right[node])
        let leftWeight = tree.explanationWeight(left), weight = leftWeight + tree.explanationWeight(right)
        let leftShare = weight > 0 ? leftWeight / weight : 0.5
        return leftShare * coverWeightedValue(tree, node: left) + (1 - leftShare) * coverWeightedValue(tree, node: right)
    }

    /// Adds `tree`'s contributions for `row` (features in model order; category codes as
    /// floats) to `phi` (one entry per feature). Lays the tree out on every call: for many
    /// rows or trees, build a ``TreeExplainer`` once.
    public static func addContributions(of tree: Tree, row: UnsafePointer<Float>, to phi: inout [Double]) {
        let explainer = TreeExplainer(trees: [tree])
        phi.withUnsafeMutableBufferPointer { explainer.addContributions(row: row, to: $0.baseAddress!) }
    }
}

/// Gauss–Legendre quadrature on [0, 1]: n nodes and weights (summing to 1) that integrate
/// every polynomial of degree ≤ 2n − 1 exactly.
enum GaussLegendre {
    /// The roots of the Legendre polynomial P_n by Newton's method from Tricomi's estimates,
    /// and the weights 2 / ((1 − x²) P_n′(x)²), mapped from [−1, 1] to [0, 1].
    static func compute(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes: [Double] = [], weights: [Double] = []
        for i in 1...n {
            var x = cos(Double.pi * (Double(i) - 0.25) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var current = 1.0, previous = 0.0
                for k in 1...n {
                    (previous, current) = (current, ((2 * Double(k) - 1) * x * current - (Double(k) - 1) * previous) / Double(k))
                }
                derivative = Double(n) * (x * current - previous) / (x * x - 1)
                let step = current / derivative
                x -= step
                if abs(step) < 1e-16 { break }
            }
            nodes.append((1 - x) / 2)
            weights.append(1 / ((1 - x * x) * derivative * derivative))
        }
        return (nodes, weights)
    }
}

extension GBDTModel {
    /// The model's expected raw score: the initial score plus every tree's expected output.
    public var expectedRawScore: Double {
        trees.reduce(initialScore) { $0 + TreeSHAP.expectedValue($1) }
    }

    /// Per-row, per-feature contributions to the raw score (log-odds), by TreeSHAP; with
    /// ``expectedRawScore`` they add up to each row's raw score. Rows run in parallel.
    public func contributions(_ dataset: Dataset, threads: Int = defaultThreadCount) throws(FeatureMismatch) -> [[Double]] {
        let data = try dataset.aligned(to: features)
        let n = data.rowCount, featureCount = max(1, features.count)
        let slots = ResultSlots<[Double]>(count: n)
        let explainer = TreeExplainer(trees: trees, featureCount: featureCount)
        parallelFor(n, threads: n < 64 ? 1 : threads) { row in
            var values = [Float](repeating: 0, count: featureCount)
            values.withUnsafeMutableBufferPointer { data.writeRow(row, to: $0.baseAddress!) }
            var phi = [Double](repeating: 0, count: explainer.featureCount)
            values.withUnsafeBufferPointer { pointer in
                phi.withUnsafeMutableBufferPointer { explainer.addContributions(row: pointer.baseAddress!, to: $0.baseAddress!) }
            }
            phi.removeLast(phi.count - featureCount)
            slots[row] = phi
        }
        return slots.values
    }
}
