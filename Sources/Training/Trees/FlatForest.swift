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

    private(set) var nodes: [Node] = []
    private(set) var leafValues: [Double] = []
    /// Root node of each tree, or `~leaf` for a single-leaf tree.
    private(set) var roots: [Int32] = []
    private(set) var categoryWords: [UInt64] = []
    /// Start and word count of each category bitset in `categoryWords`.
    private(set) var categoryRanges: [(start: Int32, count: Int32)] = []

    init(_ trees: [Tree]) {
        for tree in trees {
            var index = [Int32](repeating: 0, count: tree.nodeCount)
            for node in 0..<tree.nodeCount {
                if tree.feature[node] < 0 {
                    index[node] = ~Int32(leafValues.count)
                    leafValues.append(tree.value[node])
                } else {
                    index[node] = Int32(nodes.count)
                    nodes.append(Node(threshold: 0, featureAndFlags: 0, left: 0, right: 0))
                }
            }
            for node in 0..<tree.nodeCount where tree.feature[node] >= 0 {
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
        while node >= 0 {
            let n = nodes[Int(node)]
            let value = row[Int(n.featureAndFlags & Node.featureMask)]
            let goLeft: Bool
            if n.featureAndFlags & Node.categoricalBit != 0 {
                goLeft = categoryGoesLeft(value, set: Int(n.threshold.bitPattern))
            } else if n.featureAndFlags & Node.defaultLeftBit != 0 {
                goLeft = !(value > n.threshold)
            } else {
                goLeft = value <= n.threshold
            }
            // Select the child without a branch: which way a row goes is data.
            let mask = Int32(bitPattern: 0 &- UInt32(unsafeBitCast(goLeft, to: UInt8.self)))
            node = (n.left & mask) | (n.right & ~mask)
        }
        return node
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
    func add(block: UnsafePointer<Float>, featureCount: Int, count: Int, to scores: UnsafeMutablePointer<Double>) {
        nodes.withUnsafeBufferPointer { nodes in
            leafValues.withUnsafeBufferPointer { leaves in
                for root in roots {
                    for k in 0..<count {
                        scores[k] += leaves[Int(~leaf(block + k * featureCount, from: root, nodes: nodes.baseAddress!))]
                    }
                }
            }
        }
    }

    /// The sum of the trees' outputs for one row; allocation-free.
    @inline(__always)
    func sum(_ row: UnsafePointer<Float>) -> Double {
        nodes.withUnsafeBufferPointer { nodes in
            leafValues.withUnsafeBufferPointer { leaves in
                var total = 0.0
                for root in roots { total += leaves[Int(~leaf(row, from: root, nodes: nodes.baseAddress!))] }
                return total
            }
        }
    }
}
