/// All trees of a model flattened into one node array for fast scoring.
///
/// A node is 16 bytes: a `Float` threshold, the feature with two flag bits, and two children;
/// a negative child `~k` is leaf `k` of `leafValues`. Scoring walks one tree for a block of
/// rows before the next tree, so a tree's nodes stay in L1, with no bounds checks or reference
/// counting inside the walk.
///
/// Thresholds are kept as the largest `Float` not above the tree's `Double` threshold, so for
/// every `Float` input `x ≤ t` decides exactly as `Double(x) ≤ threshold` does. Missing values
/// need no test of their own: `x ≤ t` is false for NaN (goes right), and `!(x > t)` is true
/// for NaN (goes left), so each node uses the form that sends NaN its default way.
struct FlatForest: Sendable {
    struct Node: Sendable {
        /// Numeric nodes: the threshold. Categorical nodes: the index of the node's category
        /// set, as a bit pattern.
        var threshold: Float
        /// Bits 0–29: the feature; bit 30: categorical; bit 31: missing goes left.
        var featureAndFlags: UInt32
        var left: Int32
        var right: Int32

        static let categoricalBit: UInt32 = 1 << 30
        static let defaultLeftBit: UInt32 = 1 << 31
        static let featureMask: UInt32 = (1 << 30) - 1
    }

    /// Leaves as nodes, then split nodes: leaf `k` sits `k + 1` places before split node 0 and
    /// points to itself both ways, so a walk that has reached leaf `~k` can take further steps
    /// and stay there. Indices used in walks are relative to split node 0 (`leafCount` in).
    private(set) var nodes: [Node] = []
    private(set) var leafCount = 0
    private(set) var leafValues: [Double] = []
    /// Root node of each tree, or `~leaf` for a single-leaf tree.
    private(set) var roots: [Int32] = []
    private(set) var categoryWords: [UInt64] = []
    /// Start and word count of each category bitset in `categoryWords`.
    private(set) var categoryRanges: [(start: Int32, count: Int32)] = []

    init(_ trees: [Tree]) {
        for tree in trees {
            var index = [Int32](repeating: 0, count: tree.nodeCount)
            // Depth first, left before right: a node's left child comes right after it, often
            // in the same cache line, and a walk down a tree crosses fewer lines.
            var preorder: [Int] = [], pending = [0]
            while let node = pending.popLast() {
                preorder.append(node)
                if tree.feature[node] >= 0 { pending += [Int(tree.right[node]), Int(tree.left[node])] }
            }
            for node in preorder {
                if tree.feature[node] < 0 {
                    index[node] = ~Int32(leafValues.count)
                    leafValues.append(tree.value[node])
                } else {
                    index[node] = Int32(nodes.count)
                    nodes.append(Node(threshold: 0, featureAndFlags: 0, left: 0, right: 0))
                }
            }
            for node in preorder where tree.feature[node] >= 0 {
                var flat = Node(threshold: Self.floatAtOrBelow(tree.threshold[node]), featureAndFlags: UInt32(tree.feature[node]),
                                left: index[Int(tree.left[node])], right: index[Int(tree.right[node])])
                if tree.defaultLeft[node] { flat.featureAndFlags |= Node.defaultLeftBit }
                if tree.categorySet[node] >= 0 {
                    let words = tree.categorySets[Int(tree.categorySet[node])]
                    flat.featureAndFlags |= Node.categoricalBit
                    flat.threshold = Float(bitPattern: UInt32(categoryRanges.count))
                    categoryRanges.append((Int32(categoryWords.count), Int32(words.count)))
                    categoryWords += words
                }
                nodes[Int(index[node])] = flat
            }
            roots.append(index[0])
        }
        leafCount = leafValues.count
        nodes = (0..<leafCount).reversed().map { k in Node(threshold: 0, featureAndFlags: 0, left: ~Int32(k), right: ~Int32(k)) } + nodes
    }

    /// The largest `Float` that is ≤ `value` (±∞ stay as they are).
    static func floatAtOrBelow(_ value: Double) -> Float {
        let rounded = Float(value)
        return Double(rounded) > value ? rounded.nextDown : rounded
    }

    /// The leaf (as `~k`) reached by `row` from `start`.
    @inline(__always)
    func leaf(_ row: UnsafePointer<Float>, from start: Int32, nodes: UnsafePointer<Node>) -> Int32 {
        var node = start
        while node >= 0 { node = child(of: nodes[Int(node)], for: row) }
        return node
    }

    /// The child of node `n` that `row` goes to. Numeric nodes decide without a branch:
    /// `x ≤ t`, or NaN where missing values go left (`!(x > t)` is exactly that).
    @inline(__always)
    private func child(of n: Node, for row: UnsafePointer<Float>) -> Int32 {
        let value = row[Int(n.featureAndFlags & Node.featureMask)]
        let goLeft: UInt32
        if n.featureAndFlags & Node.categoricalBit != 0 {
            goLeft = categoryGoesLeft(value, set: Int(n.threshold.bitPattern)) ? 1 : 0
        } else {
            // Bit operations, not `||` and `&&`, which would branch on the data.
            let below = UInt32(unsafeBitCast(value <= n.threshold, to: UInt8.self))
            let missing = UInt32(unsafeBitCast(value.isNaN, to: UInt8.self))
            goLeft = below | (missing & (n.featureAndFlags >> 31))
        }
        // Select the child without a branch: which way a row goes is data.
        let mask = Int32(bitPattern: 0 &- goLeft)
        return (n.left & mask) | (n.right & ~mask)
    }

    /// One step of a walk that may already have ended: a leaf (`node < 0`) is a node that
    /// leads to itself, so the step needs no test.
    @inline(__always)
    private func step(_ node: Int32, _ row: UnsafePointer<Float>, _ nodes: UnsafePointer<Node>) -> Int32 {
        child(of: nodes[Int(node)], for: row)
    }

    @inline(__always)
    private func categoryGoesLeft(_ value: Float, set: Int) -> Bool {
        guard value >= 0 else { return false }  // missing (NaN fails too) or unseen
        let code = Int(value)
        let range = categoryRanges[set]
        let word = code >> 6
        return word < Int(range.count) && categoryWords[Int(range.start) + word] & (1 << UInt64(code & 63)) != 0
    }

    /// Adds every tree's output to `scores[k]` for the `count` rows of the row-major `block`.
    ///
    /// Eight rows walk each tree together, a step each in turn, until all eight reach a leaf.
    /// A single walk is a chain of dependent loads that ends on a mispredicted branch (trees
    /// are of uneven depth), so one row at a time leaves the core mostly waiting; eight
    /// independent chains overlap, and the loop ends once per eight rows.
    func add(block: UnsafePointer<Float>, featureCount: Int, count: Int, to scores: UnsafeMutablePointer<Double>) {
        nodes.withUnsafeBufferPointer { nodes in
            leafValues.withUnsafeBufferPointer { leaves in
                guard let first = nodes.baseAddress else { return }  // no trees
                let nodes = first + leafCount  // split node 0; leaves before it
                for root in roots {
                    var k = 0
                    while k &+ 8 <= count {
                        let r = block + k &* featureCount
                        let (r0, r1, r2, r3) = (r, r + featureCount, r + 2 &* featureCount, r + 3 &* featureCount)
                        let (r4, r5, r6, r7) = (r + 4 &* featureCount, r + 5 &* featureCount, r + 6 &* featureCount, r + 7 &* featureCount)
                        var (n0, n1, n2, n3, n4, n5, n6, n7) = (root, root, root, root, root, root, root, root)
                        while (n0 & n1 & n2 & n3 & n4 & n5 & n6 & n7) >= 0 {  // some row is not at a leaf yet
                            n0 = step(n0, r0, nodes); n1 = step(n1, r1, nodes); n2 = step(n2, r2, nodes); n3 = step(n3, r3, nodes)
                            n4 = step(n4, r4, nodes); n5 = step(n5, r5, nodes); n6 = step(n6, r6, nodes); n7 = step(n7, r7, nodes)
                        }
                        scores[k] += leaves[Int(~n0)]; scores[k &+ 1] += leaves[Int(~n1)]
                        scores[k &+ 2] += leaves[Int(~n2)]; scores[k &+ 3] += leaves[Int(~n3)]
                        scores[k &+ 4] += leaves[Int(~n4)]; scores[k &+ 5] += leaves[Int(~n5)]
                        scores[k &+ 6] += leaves[Int(~n6)]; scores[k &+ 7] += leaves[Int(~n7)]
                        k &+= 8
                    }
                    while k < count {
                        scores[k] += leaves[Int(~leaf(block + k &* featureCount, from: root, nodes: nodes))]
                        k &+= 1
                    }
                }
            }
        }
    }

    /// `initial` plus the trees' outputs for one row, added in tree order (as
    /// ``add(block:featureCount:count:to:)`` adds them to a score that starts at `initial`, so
    /// the two agree bit for bit); allocation-free. Eight trees are walked together, for the
    /// reason ``add(block:featureCount:count:to:)`` walks eight rows together.
    @inline(__always)
    func sum(_ row: UnsafePointer<Float>, startingAt initial: Double) -> Double {
        nodes.withUnsafeBufferPointer { nodes in
            leafValues.withUnsafeBufferPointer { leaves in
                roots.withUnsafeBufferPointer { roots in
                    var total = initial
                    guard let first = nodes.baseAddress else { return initial }  // no trees
                    let nodes = first + leafCount  // split node 0; leaves before it
                    var t = 0
                    while t &+ 8 <= roots.count {
                        var (n0, n1, n2, n3) = (roots[t], roots[t &+ 1], roots[t &+ 2], roots[t &+ 3])
                        var (n4, n5, n6, n7) = (roots[t &+ 4], roots[t &+ 5], roots[t &+ 6], roots[t &+ 7])
                        while (n0 & n1 & n2 & n3 & n4 & n5 & n6 & n7) >= 0 {
                            n0 = step(n0, row, nodes); n1 = step(n1, row, nodes); n2 = step(n2, row, nodes); n3 = step(n3, row, nodes)
                            n4 = step(n4, row, nodes); n5 = step(n5, row, nodes); n6 = step(n6, row, nodes); n7 = step(n7, row, nodes)
                        }
                        total += leaves[Int(~n0)]; total += leaves[Int(~n1)]; total += leaves[Int(~n2)]; total += leaves[Int(~n3)]
                        total += leaves[Int(~n4)]; total += leaves[Int(~n5)]; total += leaves[Int(~n6)]; total += leaves[Int(~n7)]
                        t &+= 8
                    }
                    while t < roots.count {
                        total += leaves[Int(~leaf(row, from: roots[t], nodes: nodes))]
                        t &+= 1
                    }
                    return total
                }
            }
        }
    }
}
