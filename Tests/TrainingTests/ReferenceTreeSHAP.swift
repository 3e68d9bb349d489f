@testable import Training

/// The reference for ``TreeSHAP``: Algorithm 2 of Lundberg, Erion & Lee (2018), "Consistent
/// Individualized Feature Attribution for Tree Ensembles" (EXTEND / UNWIND over the path with
/// permutation weights), as mlctl computed contributions before switching to the quadrature
/// form; the shap package implements the same algorithm. Tests only.
enum ReferenceTreeSHAP {
    /// One element of the path of unique features from the root (the paper's `m`).
    struct PathElement {
        var feature: Int
        /// Fraction of "zero" (feature absent) paths that flow through: the cover ratio.
        var zeroFraction: Double
        /// Fraction of "one" (feature present) paths: 1 if the row goes this way, else 0.
        var oneFraction: Double
        /// Permutation weight.
        var weight: Double
    }

    /// Adds `tree`'s contributions for `row` (features in model order; category codes as
    /// floats) to `phi` (one entry per feature).
    static func addContributions(of tree: Tree, row: UnsafePointer<Float>, to phi: inout [Double]) {
        phi.withUnsafeMutableBufferPointer { addContributions(of: tree, row: row, to: $0.baseAddress!) }
    }

    /// The same, into a buffer: no allocation beyond one stack buffer for the paths.
    static func addContributions(of tree: Tree, row: UnsafePointer<Float>, to phi: UnsafeMutablePointer<Double>) {
        guard tree.nodeCount > 0 else { return }
        // Each level of the recursion keeps its own copy of the path (at most depth + 1
        // elements) after its parent's, as in the paper's reference implementation.
        let depth = maxDepth(tree)
        let capacity = (depth + 2) * (depth + 3) / 2
        withUnsafeTemporaryAllocation(of: PathElement.self, capacity: capacity) { buffer in
            recurse(tree, row: row, node: 0, path: buffer.baseAddress!, length: 0, zeroFraction: 1, oneFraction: 1, feature: -1, phi: phi)
        }
    }

    /// The number of splits on the longest root-to-leaf path.
    static func maxDepth(_ tree: Tree) -> Int {
        withUnsafeTemporaryAllocation(of: (node: Int32, depth: Int32).self, capacity: tree.nodeCount + 1) { stack in
            var top = 0, deepest = 0
            stack[0] = (0, 0)
            top = 1
            while top > 0 {
                top -= 1
                let (node, depth) = stack[top]
                if tree.feature[Int(node)] < 0 {
                    deepest = max(deepest, Int(depth))
                } else {
                    stack[top] = (tree.left[Int(node)], depth + 1)
                    stack[top + 1] = (tree.right[Int(node)], depth + 1)
                    top += 2
                }
            }
            return deepest
        }
    }

    /// `path` holds this node's copy of its parent's path (`length` elements); the children's
    /// copies go right after it.
    private static func recurse(_ tree: Tree, row: UnsafePointer<Float>, node: Int, path: UnsafeMutablePointer<PathElement>, length: Int,
                                zeroFraction: Double, oneFraction: Double, feature: Int, phi: UnsafeMutablePointer<Double>) {
        var length = length
        extend(path, &length, zeroFraction: zeroFraction, oneFraction: oneFraction, feature: feature)
        if tree.feature[node] < 0 {
            let value = tree.value[node]
            for i in stride(from: 1, to: length, by: 1) {
                let weight = unwoundSum(path, length, i)
                phi[path[i].feature] += weight * (path[i].oneFraction - path[i].zeroFraction) * value
            }
            return
        }
        let split = Int(tree.feature[node])
        let goesLeft = tree.goesLeft(node: node, value: row[split])
        let hot = Int(goesLeft ? tree.left[node] : tree.right[node])
        let cold = Int(goesLeft ? tree.right[node] : tree.left[node])
        var incomingZero = 1.0, incomingOne = 1.0
        var k = 1
        while k < length && path[k].feature != split { k += 1 }
        if k < length {
            incomingZero = path[k].zeroFraction
            incomingOne = path[k].oneFraction
            unwind(path, &length, k)
        }
        let cover = Double(tree.count[node])
        let hotShare = cover > 0 ? Double(tree.count[hot]) / cover : 0.5
        let coldShare = cover > 0 ? Double(tree.count[cold]) / cover : 0.5
        let child = path + length
        // A child that no path reaches (zero and one fractions both 0: an empty leaf of an
        // oblivious tree, or the far side of a feature already decided) contributes nothing,
        // and extending the path with it would divide by zero.
        if incomingZero * hotShare > 0 || incomingOne > 0 {
            child.update(from: path, count: length)
            recurse(tree, row: row, node: hot, path: child, length: length, zeroFraction: incomingZero * hotShare,
                    oneFraction: incomingOne, feature: split, phi: phi)
        }
        if incomingZero * coldShare > 0 {
            child.update(from: path, count: length)
            recurse(tree, row: row, node: cold, path: child, length: length, zeroFraction: incomingZero * coldShare,
                    oneFraction: 0, feature: split, phi: phi)
        }
    }

    private static func extend(_ path: UnsafeMutablePointer<PathElement>, _ length: inout Int, zeroFraction: Double, oneFraction: Double, feature: Int) {
        let n = length
        path[n] = PathElement(feature: feature, zeroFraction: zeroFraction, oneFraction: oneFraction, weight: n == 0 ? 1 : 0)
        length += 1
        guard n > 0 else { return }
        for i in stride(from: n - 1, through: 0, by: -1) {
            path[i + 1].weight += oneFraction * path[i].weight * Double(i + 1) / Double(n + 1)
            path[i].weight = zeroFraction * path[i].weight * Double(n - i) / Double(n + 1)
        }
    }

    private static func unwind(_ path: UnsafeMutablePointer<PathElement>, _ length: inout Int, _ index: Int) {
        let last = length - 1
        let one = path[index].oneFraction, zero = path[index].zeroFraction
        var next = path[last].weight
        for j in stride(from: last - 1, through: 0, by: -1) {
            if one != 0 {
                let saved = path[j].weight
                path[j].weight = next * Double(last + 1) / (Double(j + 1) * one)
                next = saved - path[j].weight * zero * Double(last - j) / Double(last + 1)
            } else {
                path[j].weight = path[j].weight * Double(last + 1) / (zero * Double(last - j))
            }
        }
        for j in index..<last {
            path[j].feature = path[j + 1].feature
            path[j].zeroFraction = path[j + 1].zeroFraction
            path[j].oneFraction = path[j + 1].oneFraction
        }
        length -= 1
    }

    private static func unwoundSum(_ path: UnsafeMutablePointer<PathElement>, _ length: Int, _ index: Int) -> Double {
        let last = length - 1
        let one = path[index].oneFraction, zero = path[index].zeroFraction
        var total = 0.0
        // The hottest loop of TreeSHAP: constants hoisted so that the chain through `next`
        // holds multiplications only (the reciprocals do not depend on it).
        let n = Double(last + 1)
        if one != 0 {
            let oneScale = n / one, zeroScale = zero / n
            var next = path[last].weight
            for j in stride(from: last - 1, through: 0, by: -1) {
                let share = next * (oneScale / Double(j + 1))
                total += share
                next = path[j].weight - share * (zeroScale * Double(last - j))
            }
        } else if zero != 0 {
            let zeroScale = n / zero
            for j in stride(from: last - 1, through: 0, by: -1) {
                total += path[j].weight * (zeroScale / Double(last - j))
            }
        }
        return total
    }
}

