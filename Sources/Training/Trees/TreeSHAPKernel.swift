extension TreeSHAP {
    /// One tree's contributions for `row`, added to `phi` (the method of ``TreeSHAP``), lane by
    /// lane: `phi[f]` is a vector whose lanes sum to feature f's contribution.
    ///
    /// - `nodes[0..<count]`: the tree's internal nodes (see ``TreeExplainer/Node``).
    /// - `quadrature`: the tree's rule as `chunks` vectors of nodes t, then of 1 − t, then of
    ///   weights (padding lanes: t = 1/2, weight 0).
    /// - `scratch`: (4 × count + 2) × chunks vectors; `follows`: 2 × count flags.
    ///
    /// A node handles both its edges: one routing decision, and for the first split on a
    /// feature along the path no branch on the row's values (which way the row goes is data,
    /// and mispredicted branches were a large part of this loop's time).
    static func addContributions(nodes: UnsafePointer<TreeExplainer.Node>, count: Int, chunks: Int,
                                 quadrature: UnsafePointer<SIMD2<Double>>, categoryWords: UnsafePointer<UInt64>?,
                                 row: UnsafePointer<Float>, phi: UnsafeMutablePointer<SIMD2<Double>>,
                                 scratch: UnsafeMutablePointer<SIMD2<Double>>, follows: UnsafeMutablePointer<Bool>) {
        // Trees of up to 16 distinct features on a path (the usual ones) get a copy of the
        // loop with the number of chunks fixed, so that the loops over chunks unroll.
        switch chunks {
        case 1: kernel(Chunks1.self, nodes, count, chunks, quadrature, categoryWords, row, phi, scratch, follows)
        case 2: kernel(Chunks2.self, nodes, count, chunks, quadrature, categoryWords, row, phi, scratch, follows)
        case 3: kernel(Chunks3.self, nodes, count, chunks, quadrature, categoryWords, row, phi, scratch, follows)
        case 4: kernel(Chunks4.self, nodes, count, chunks, quadrature, categoryWords, row, phi, scratch, follows)
        default: kernel(AnyChunks.self, nodes, count, chunks, quadrature, categoryWords, row, phi, scratch, follows)
        }
    }

    private static func kernel<Fixed: FixedChunks>(_: Fixed.Type, _ nodes: UnsafePointer<TreeExplainer.Node>, _ count: Int, _ chunks: Int,
                                                   _ quadrature: UnsafePointer<SIMD2<Double>>, _ categoryWords: UnsafePointer<UInt64>?,
                                                   _ row: UnsafePointer<Float>, _ phi: UnsafeMutablePointer<SIMD2<Double>>,
                                                   _ scratch: UnsafeMutablePointer<SIMD2<Double>>, _ follows: UnsafeMutablePointer<Bool>) {
        let c = Fixed.count ?? chunks
        typealias V = SIMD2<Double>
        let t = quadrature, s = quadrature + c, w = quadrature + 2 * c
        // P per slot (slot `count`: where leaves' products go, unread), the left edge's factor
        // a_new/a_old per node (the right edge's is 1 minus it: the two a_new add up to
        // a_old), B per slot (slot `count`: a leaf's, 0 plus its value), and 1/a_old per node
        // below a followed split on its feature.
        let product = scratch, factor = scratch + (count &+ 1) &* c
        let below = factor + count &* c, inverse = below + (count &+ 1) &* c
        for j in 0..<c {
            product[j] = V(repeating: 1)
            below[count &* c + j] = .zero
        }
        // Down: each node's factor and its children's products.
        for slot in 0..<count {
            let node = nodes[slot]
            let goesLeft = routesLeft(node, value: row[Int(node.feature)], categoryWords: categoryWords)
            let ancestor = Int(node.ancestor)
            let before = ancestor < 0 || follows[ancestor]
            follows[2 &* slot] = goesLeft && before
            follows[2 &* slot &+ 1] = !goesLeft && before
            let here = product + slot &* c, toLeft = product + Int(node.left) &* c, toRight = product + Int(node.right) &* c
            let f = factor + slot &* c
            let o: Double = goesLeft ? 1 : 0, q = node.leftZero
            if ancestor < 0 {
                for j in 0..<c { f[j] = s[j] * q + t[j] * o }
            } else if !before {
                // The feature already turned away: both a are (1 − t)·q, their ratio the share.
                for j in 0..<c { f[j] = V(repeating: node.leftShare) }
            } else {
                let earlier = node.earlier, g = inverse + slot &* c
                for j in 0..<c {
                    let inverseOld = 1 / (t[j] + s[j] * earlier)
                    g[j] = inverseOld
                    f[j] = (s[j] * q + t[j] * o) * inverseOld
                }
            }
            for j in 0..<c {
                let left = here[j] * f[j]
                toLeft[j] = left
                toRight[j] = here[j] - left
            }
        }
        // Up: each node's B, and its edges' share of the feature's φ. Both edges' integrands
        // come to (B(left) − B(right)) times one factor: (o − q) of the left edge for the
        // path's first split on the feature; for a deeper one, less what moves from the
        // ancestor, (o − q)/a_old − (1 − q_old)/a_old · a_new/a_old (the right edge's terms
        // are the negatives of the left's).
        for slot in stride(from: count - 1, through: 0, by: -1) {
            let node = nodes[slot]
            let ancestor = Int(node.ancestor)
            let here = below + slot &* c, fromLeft = below + Int(node.left) &* c, fromRight = below + Int(node.right) &* c
            let f = factor + slot &* c, above = product + slot &* c
            let leftValue = node.leftValue, rightValue = node.rightValue
            let gap = (follows[2 &* slot] ? 1 : 0) - node.leftZero
            if ancestor < 0 {
                var total = V.zero
                for j in 0..<c {
                    let bRight = fromRight[j] + rightValue, difference = fromLeft[j] + leftValue - bRight
                    here[j] = bRight + f[j] * difference
                    total += w[j] * above[j] * difference
                }
                phi[Int(node.feature)] += gap * total
            } else if !follows[ancestor] {
                // Below a split on the same feature that the row turned away from, each edge's
                // integrand equals the one the ancestor counts for these leaves: nothing moves.
                for j in 0..<c {
                    let bRight = fromRight[j] + rightValue
                    here[j] = bRight + f[j] * (fromLeft[j] + leftValue - bRight)
                }
            } else {
                let taken = 1 - node.earlier, g = inverse + slot &* c
                var total = V.zero
                for j in 0..<c {
                    let bRight = fromRight[j] + rightValue, difference = fromLeft[j] + leftValue - bRight
                    here[j] = bRight + f[j] * difference
                    total += w[j] * above[j] * g[j] * difference * (V(repeating: gap) - f[j] * taken)
                }
                phi[Int(node.feature)] += total
            }
        }
    }

    /// The routing rule of prediction (``Tree/goesLeft(node:value:)``).
    @inline(__always)
    static func routesLeft(_ node: TreeExplainer.Node, value: Float, categoryWords: UnsafePointer<UInt64>?) -> Bool {
        if node.categoryCount >= 0 {
            // Codes as the tree reads them: NaN and negatives are missing, and go right.
            guard node.categoryCount > 0, value > -1, value < Float(64 * Int(node.categoryCount)) else { return false }
            let code = Int(value)
            return categoryWords![Int(node.categoryStart) + code >> 6] & (1 << UInt64(code & 63)) != 0
        }
        if value.isNaN { return node.defaultLeft }
        return Double(value) <= node.threshold
    }
}

/// A number of chunks known when the kernel is compiled (a type per count: each gets its own
/// specialised copy), or `nil` for any.
protocol FixedChunks { static var count: Int? { get } }
private enum Chunks1: FixedChunks { static var count: Int? { 1 } }
private enum Chunks2: FixedChunks { static var count: Int? { 2 } }
private enum Chunks3: FixedChunks { static var count: Int? { 3 } }
private enum Chunks4: FixedChunks { static var count: Int? { 4 } }
private enum AnyChunks: FixedChunks { static var count: Int? { nil } }
