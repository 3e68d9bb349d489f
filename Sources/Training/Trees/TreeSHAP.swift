import Evaluation
import Foundation

/// Exact path-dependent TreeSHAP (the Shapley values of Lundberg, Erion & Lee 2018, "Consistent
/// Individualized Feature Attribution for Tree Ensembles"): each feature's Shapley value for one
/// row's raw score, where a feature that is "absent" follows both children in proportion to
/// their training cover (row counts here).
///
/// Computed as Linear TreeSHAP does (Yu, Xu, Bifet & Read 2022): for a leaf of value v whose
/// path splits on the distinct features j with cover fraction q_j (the product over the path's
/// splits on j) and "the row goes this way" o_j ∈ {0, 1}, feature i receives
///
///     v · (o_i − q_i) · ∫₀¹ Π_{j ≠ i} (q_j·(1 − t) + o_j·t) dt,
///
/// because the Shapley weight |S|!(d − |S| − 1)!/d! is ∫₀¹ t^|S| (1 − t)^(d−1−|S|) dt. The
/// integrand is a polynomial of degree d − 1, which Gauss–Legendre quadrature with ⌈d/2⌉
/// points integrates exactly; prefix and suffix products give every "all but i" product
/// without dividing. A leaf costs O(d²) multiply-adds with no divisions, against the paper's
/// EXTEND/UNWIND recursion (kept in the tests as the reference this is checked against).
///
/// Invariant (tested for every growth policy): Σ contributions + expected value = raw score.
public enum TreeSHAP {
    /// One distinct feature on the path from the root: its cover fraction and whether the row
    /// follows the path through it.
    struct PathFeature {
        var feature: Int
        var zeroFraction: Double
        var oneFraction: Double
    }

    /// The expected raw output of `tree` over its training rows: Σ leaf value · leaf share.
    public static func expectedValue(_ tree: Tree) -> Double {
        let total = Double(tree.count[0])
        guard total > 0 else { return tree.value[0] }
        var sum = 0.0
        for node in 0..<tree.nodeCount where tree.feature[node] < 0 {
            sum += tree.value[node] * Double(tree.count[node]) / total
        }
        return sum
    }

    /// Adds `tree`'s contributions for `row` (features in model order; category codes as
    /// floats) to `phi` (one entry per feature).
    public static func addContributions(of tree: Tree, row: UnsafePointer<Float>, to phi: inout [Double]) {
        phi.withUnsafeMutableBufferPointer { addContributions(of: tree, row: row, to: $0.baseAddress!) }
    }

    /// The same, into a buffer: no allocation beyond stack buffers of the tree's depth.
    public static func addContributions(of tree: Tree, row: UnsafePointer<Float>, to phi: UnsafeMutablePointer<Double>) {
        guard tree.nodeCount > 1 else { return }  // a single leaf explains nothing
        // A path of D splits needs 2D + 1 nodes, so this bounds the depth without a traversal.
        let capacity = (tree.nodeCount - 1) / 2 + 1
        withUnsafeTemporaryAllocation(of: PathFeature.self, capacity: capacity) { path in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * capacity) { scratch in
                GaussLegendre.withRules(upTo: (capacity + 1) / 2) { rules in
                    let walk = Walk(tree: tree, row: row, path: path.baseAddress!, prefix: scratch.baseAddress!,
                                    integral: scratch.baseAddress! + capacity, phi: phi, rules: rules)
                    walk.visit(node: 0, length: 0)
                }
            }
        }
    }

    /// One row's walk over one tree: `path[0..<length]` holds the distinct features of the
    /// path to the current node; `prefix` and `integral` are scratch of the path's length.
    private struct Walk {
        let tree: Tree
        let row: UnsafePointer<Float>
        let path: UnsafeMutablePointer<PathFeature>
        let prefix: UnsafeMutablePointer<Double>
        let integral: UnsafeMutablePointer<Double>
        let phi: UnsafeMutablePointer<Double>
        let rules: GaussLegendre.Rules

        func visit(node: Int, length: Int) {
            let split = Int(tree.feature[node])
            guard split >= 0 else { return addLeaf(value: tree.value[node], length: length) }
            let goesLeft = routesLeft(tree, node: node, value: row[split])
            let hot = Int(goesLeft ? tree.left[node] : tree.right[node])
            let cold = Int(goesLeft ? tree.right[node] : tree.left[node])
            let cover = Double(tree.count[node])
            let hotShare = cover > 0 ? Double(tree.count[hot]) / cover : 0.5
            let coldShare = cover > 0 ? Double(tree.count[cold]) / cover : 0.5
            var seen = 0
            while seen < length && path[seen].feature != split { seen += 1 }
            descend(to: hot, share: hotShare, follows: 1, split: split, seen: seen, length: length)
            descend(to: cold, share: coldShare, follows: 0, split: split, seen: seen, length: length)
        }

        /// Visits `child` with the split feature's fractions on the path: a new distinct
        /// feature, or (`seen < length`) one split on again, whose fractions multiply. A child
        /// that no path reaches (the far side of a feature already decided, an empty leaf of an
        /// oblivious tree) contributes nothing and is skipped.
        @inline(__always)
        private func descend(to child: Int, share: Double, follows: Double, split: Int, seen: Int, length: Int) {
            if seen < length {
                let saved = path[seen]
                let zero = saved.zeroFraction * share, one = saved.oneFraction * follows
                guard zero > 0 || one > 0 else { return }
                path[seen] = PathFeature(feature: split, zeroFraction: zero, oneFraction: one)
                visit(node: child, length: length)
                path[seen] = saved
            } else {
                guard share > 0 || follows > 0 else { return }
                path[length] = PathFeature(feature: split, zeroFraction: share, oneFraction: follows)
                visit(node: child, length: length + 1)
            }
        }

        /// Adds a leaf's share to φ of each distinct feature on its path (see ``TreeSHAP``).
        private func addLeaf(value: Double, length d: Int) {
            guard d > 0 else { return }
            let points = (d + 1) / 2
            let nodes = rules.nodes(points), weights = rules.weights(points)
            integral.update(repeating: 0, count: d)
            for k in 0..<points {
                let t = nodes[k], s = 1 - t
                var running = 1.0
                for j in 0..<d {
                    prefix[j] = running
                    running *= path[j].zeroFraction * s + path[j].oneFraction * t
                }
                var suffix = weights[k]
                for j in stride(from: d - 1, through: 0, by: -1) {
                    integral[j] += prefix[j] * suffix
                    suffix *= path[j].zeroFraction * s + path[j].oneFraction * t
                }
            }
            for j in 0..<d {
                phi[path[j].feature] += value * (path[j].oneFraction - path[j].zeroFraction) * integral[j]
            }
        }
    }

    /// The routing rule of prediction (``Tree/leaf(_:)``) for one node.
    @inline(__always)
    static func routesLeft(_ tree: Tree, node: Int, value: Float) -> Bool {
        if tree.categorySet[node] >= 0 { return tree.categoryGoesLeft(value.isNaN ? -1 : Int(value), node: node) }
        if value.isNaN { return tree.defaultLeft[node] }
        return Double(value) <= tree.threshold[node]
    }
}

/// Gauss–Legendre quadrature on [0, 1]: n nodes and weights (summing to 1) that integrate
/// every polynomial of degree ≤ 2n − 1 exactly.
enum GaussLegendre {
    /// The rules for 1…`maxPoints` points, flat: the n-point rule starts at n(n − 1)/2.
    struct Rules {
        let allNodes: UnsafePointer<Double>
        let allWeights: UnsafePointer<Double>
        @inline(__always) func nodes(_ n: Int) -> UnsafePointer<Double> { allNodes + n * (n - 1) / 2 }
        @inline(__always) func weights(_ n: Int) -> UnsafePointer<Double> { allWeights + n * (n - 1) / 2 }
    }

    /// Rules for 1…128 points (trees of up to 256 distinct features on a path), computed once.
    static let tablePoints = 128
    private static let table: (nodes: [Double], weights: [Double]) = flatRules(upTo: tablePoints)

    /// Runs `body` with rules for at least 1…`points` points: the shared table, or for
    /// deeper trees a table computed for this call.
    @inline(__always)
    static func withRules<R>(upTo points: Int, _ body: (Rules) -> R) -> R {
        if points <= tablePoints {
            return table.nodes.withUnsafeBufferPointer { nodes in
                table.weights.withUnsafeBufferPointer { body(Rules(allNodes: nodes.baseAddress!, allWeights: $0.baseAddress!)) }
            }
        }
        let local = flatRules(upTo: points)
        return local.nodes.withUnsafeBufferPointer { nodes in
            local.weights.withUnsafeBufferPointer { body(Rules(allNodes: nodes.baseAddress!, allWeights: $0.baseAddress!)) }
        }
    }

    static func flatRules(upTo maximum: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes: [Double] = [], weights: [Double] = []
        for n in 1...maximum {
            let rule = compute(n)
            nodes += rule.nodes
            weights += rule.weights
        }
        return (nodes, weights)
    }

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
        let trees = self.trees
        parallelFor(n, threads: n < 64 ? 1 : threads) { row in
            var values = [Float](repeating: 0, count: featureCount)
            for (feature, column) in data.columns.enumerated() {
                switch column {
                case .numeric(let c): values[feature] = c.values[row]
                case .categorical(let c): values[feature] = Float(c.codes[row])
                }
            }
            var phi = [Double](repeating: 0, count: featureCount)
            values.withUnsafeBufferPointer { pointer in
                for tree in trees { TreeSHAP.addContributions(of: tree, row: pointer.baseAddress!, to: &phi) }
            }
            slots[row] = phi
        }
        return slots.values
    }
}
