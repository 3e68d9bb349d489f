/// TreeSHAP answers precomputed for trees whose every level applies one test to all its nodes
/// — oblivious (symmetric) trees, as CatBoost and `--growth oblivious` grow them.
///
/// Path-dependent TreeSHAP reads a row only through the way it goes at each node. In such a
/// tree a row goes the same way at every node of a level, so a tree of depth d has at most
/// 2^d answers, one per pattern of directions: computed once per model with the same kernel
/// (``TreeSHAP/addContributions(nodes:count:chunks:quadrature:categoryWords:row:phi:scratch:follows:)``)
/// on a row that takes each pattern, they make explaining a row d tests and one lookup per
/// tree instead of two passes over its 2^d − 1 nodes. A pattern that none of the rows tried
/// takes (a feature tested at two levels can make some impossible) stays unknown, and a row
/// that takes it anyway is explained by the kernel: the table is never a guess.
///
/// The values are the kernel's, summed per feature: they differ from the kernel's running sum
/// only in rounding (a few ulps).
struct TreeLevelTable: Sendable {
    /// Levels (the tree's depth); the tests are the nodes in slots 0..<depth (in preorder, a
    /// tree's leftmost path).
    let depth: Int
    /// The features the tree splits on, each once.
    let features: [Int32]
    /// Per pattern (bit j set: the row goes left at level j), one value per feature; NaN in the
    /// first value marks a pattern no row was found to take.
    let values: [Double]

    /// The deepest tree tabulated: 2^8 patterns × 8 features is 16 KiB per tree.
    static let maximumDepth = 8

    /// The table of the tree whose internal nodes are `nodes` (``TreeExplainer``'s preorder
    /// layout), or `nil` if some level's nodes do not share one test, or the tree is not
    /// complete, or deeper than ``maximumDepth``.
    static func make(nodes: UnsafeBufferPointer<TreeExplainer.Node>, chunks: Int, quadrature: UnsafePointer<SIMD2<Double>>,
                     categoryWords: UnsafeBufferPointer<UInt64>) -> TreeLevelTable? {
        let count = nodes.count
        var depth = 0
        while (1 << depth) - 1 < count { depth += 1 }
        guard depth >= 1, depth <= maximumDepth, (1 << depth) - 1 == count else { return nil }
        // Every node's test equals its level's first node's, and the tree is complete.
        var level = [Int](repeating: 0, count: count)
        for slot in 0..<count {
            let node = nodes[slot], representative = nodes[level[slot]]
            guard sameTest(node, representative, categoryWords) else { return nil }
            for child in [Int(node.left), Int(node.right)] {
                if level[slot] == depth - 1 {
                    guard child == count else { return nil }
                } else {
                    guard child < count else { return nil }
                    level[child] = level[slot] + 1
                }
            }
        }
        let tests = (0..<depth).map { nodes[$0] }
        var features: [Int32] = []
        for test in tests where !features.contains(test.feature) { features.append(test.feature) }
        // For each feature, a value for every way its levels can go that some candidate takes.
        let width = Int(features.max()!) + 1
        let levelsOf = features.map { feature in (0..<depth).filter { tests[$0].feature == feature } }
        var valueOf: [[Int: Float]] = []
        for levels in levelsOf {
            var found: [Int: Float] = [:]
            for candidate in candidates(for: levels.map { tests[$0] }, categoryWords) {
                var pattern = 0
                for level in levels where TreeSHAP.routesLeft(tests[level], value: candidate, categoryWords: categoryWords.baseAddress) {
                    pattern |= 1 << level
                }
                if found[pattern] == nil { found[pattern] = candidate }
            }
            valueOf.append(found)
        }
        var values = [Double](repeating: .nan, count: (1 << depth) * features.count)
        var row = [Float](repeating: .nan, count: width)
        let scratchVectors = (4 * count + 2) * chunks
        withUnsafeTemporaryAllocation(of: SIMD2<Double>.self, capacity: scratchVectors + width) { scratch in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: 2 * count) { follows in
                let phi = scratch.baseAddress! + scratchVectors
                patterns: for pattern in 0..<(1 << depth) {
                    for (k, feature) in features.enumerated() {
                        let own = levelsOf[k].reduce(0) { $0 | (pattern & (1 << $1)) }
                        guard let value = valueOf[k][own] else { continue patterns }
                        row[Int(feature)] = value
                    }
                    phi.initialize(repeating: .zero, count: width)
                    row.withUnsafeBufferPointer { row in
                        TreeSHAP.addContributions(nodes: nodes.baseAddress!, count: count, chunks: chunks, quadrature: quadrature,
                                                  categoryWords: categoryWords.baseAddress, row: row.baseAddress!, phi: phi,
                                                  scratch: scratch.baseAddress!, follows: follows.baseAddress!)
                    }
                    for (k, feature) in features.enumerated() { values[pattern * features.count + k] = phi[Int(feature)].sum() }
                }
            }
        }
        return TreeLevelTable(depth: depth, features: features, values: values)
    }

    /// Whether two nodes apply the same test (feature, threshold, missing direction, category set).
    private static func sameTest(_ a: TreeExplainer.Node, _ b: TreeExplainer.Node, _ words: UnsafeBufferPointer<UInt64>) -> Bool {
        guard a.feature == b.feature, a.categoryCount == b.categoryCount else { return false }
        if a.categoryCount >= 0 {
            let count = Int(a.categoryCount)
            return (0..<count).allSatisfy { words[Int(a.categoryStart) + $0] == words[Int(b.categoryStart) + $0] }
        }
        return a.threshold.bitPattern == b.threshold.bitPattern && a.defaultLeft == b.defaultLeft
    }

    /// Values that take a feature's tests every way they can be taken: for numeric tests, the
    /// floats at and beside each threshold, ±∞ and NaN; for category tests, the missing code,
    /// every code in a set and one in none.
    private static func candidates(for tests: [TreeExplainer.Node], _ words: UnsafeBufferPointer<UInt64>) -> [Float] {
        var values: [Float] = [-.infinity, .infinity, .nan, 0, -1]
        for test in tests {
            if test.categoryCount >= 0 {
                let count = Int(test.categoryCount)
                for word in 0..<count {
                    var bits = words[Int(test.categoryStart) + word]
                    while bits != 0 {
                        values.append(Float(word * 64 + bits.trailingZeroBitCount))
                        bits &= bits - 1
                    }
                }
                values.append(Float(64 * count))
            } else {
                let near = Float(test.threshold)
                values += [near.nextDown, near, near.nextUp]
            }
        }
        return values
    }

    /// The pattern `row` takes (bit j: left at level j), and whether the table knows it.
    @inline(__always)
    func lookup(row: UnsafePointer<Float>, nodes: UnsafePointer<TreeExplainer.Node>, categoryWords: UnsafePointer<UInt64>?) -> Int? {
        var pattern = 0
        for level in 0..<depth {
            let test = nodes[level]
            if TreeSHAP.routesLeft(test, value: row[Int(test.feature)], categoryWords: categoryWords) { pattern |= 1 << level }
        }
        return values[pattern * features.count].isNaN ? nil : pattern
    }
}
