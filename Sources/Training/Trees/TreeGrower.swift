import Core
import Evaluation

/// Grows one tree on binned data from per-row gradients and hessians, by one of the three
/// ``GrowthPolicy``s, on the shared histogram engine.
///
/// Rows of the bag are kept in one buffer, partitioned in place so that every leaf owns a
/// contiguous range (stable partitions keep rows in ascending order, so histogram sums are
/// accumulated in the same order whatever happens). A split builds the histogram of the
/// smaller child from its rows and gets the larger child's by subtraction from the parent's.
final class TreeGrower {
    let data: BinnedData
    let parameters: GBDTParameters
    let finder: SplitFinder
    let threads: Int

    /// A leaf under construction.
    struct Leaf {
        var node: Int
        var begin: Int
        var count: Int
        var depth: Int
        var sums: LeafSums
        var histogram: Int
        var best: SplitCandidate
    }

    /// The result: the tree, and for each leaf its node and rows (`rows[begin..<begin+count]`).
    struct Result {
        var tree: Tree
        var leaves: [(node: Int, begin: Int, count: Int)]
    }

    private var histograms: [UnsafeMutableBufferPointer<HistogramEntry>] = []
    private var freeHistograms: [Int] = []
    private var scratch: [Int32] = []
    private var scratchRight: [Int32] = []
    private var ordered: [Float] = []

    init(data: BinnedData, parameters: GBDTParameters, threads: Int) {
        self.data = data
        self.parameters = parameters
        self.finder = SplitFinder(parameters: parameters)
        self.threads = threads
    }

    deinit {
        for histogram in histograms { histogram.deallocate() }
    }

    /// Grows a tree over `rows` (the bag; reordered in place), considering `features` only;
    /// `gradients` holds (g, h) pairs, row i's at 2i and 2i + 1.
    func grow(rows: inout [Int32], gradients: [Float], features: [Int]) -> Result {
        freeHistograms = Array(histograms.indices)
        if scratch.count < rows.count { scratch = [Int32](repeating: 0, count: rows.count) }
        var tree = Tree()
        var total = LeafSums()
        for r in rows {
            total.gradient += Double(gradients[2 * Int(r)])
            total.hessian += Double(gradients[2 * Int(r) + 1])
        }
        total.count = rows.count
        let rootHistogram = takeHistogram()
        build(histogram: rootHistogram, rows: rows, range: 0..<rows.count, gradients: gradients, features: features)
        let rootNode = tree.addLeaf(value: finder.leafOutput(gradient: total.gradient, hessian: total.hessian, l2: parameters.lambdaL2),
                                    count: total.count, cover: total.hessian)
        var leaves = [Leaf(node: rootNode, begin: 0, count: rows.count, depth: 0, sums: total, histogram: rootHistogram, best: .none)]
        leaves[0].best = bestSplit(for: leaves[0], features: features)

        switch parameters.growth {
        case .leafwise, .depthwise:
            let maxLeaves = parameters.growth == .leafwise ? parameters.numLeaves : 1 << min(20, parameters.effectiveMaxDepth)
            while leaves.count < maxLeaves {
                guard let chosen = nextLeafToSplit(leaves) else { break }
                let (leftLeaf, rightLeaf) = split(leaves[chosen], tree: &tree, rows: &rows, gradients: gradients, features: features)
                leaves[chosen] = leftLeaf
                leaves.append(rightLeaf)
                for index in [chosen, leaves.count - 1] {
                    leaves[index].best = leaves.count < maxLeaves ? bestSplit(for: leaves[index], features: features) : .none
                }
            }
        case .oblivious:
            ObliviousLevels.grow(grower: self, tree: &tree, leaves: &leaves, rows: &rows, gradients: gradients, features: features)
        }
        return Result(tree: tree, leaves: leaves.map { ($0.node, $0.begin, $0.count) })
    }

    /// Leaf-wise: the leaf with the largest gain. Depth-wise: the shallowest splittable leaf,
    /// lowest node first. Ties go to the lower index, so the choice is deterministic.
    private func nextLeafToSplit(_ leaves: [Leaf]) -> Int? {
        var chosen: Int?
        for (index, leaf) in leaves.enumerated() where leaf.best.feature >= 0 && leaf.best.gain > 0 {
            guard let current = chosen else { chosen = index; continue }
            switch parameters.growth {
            case .leafwise:
                if leaf.best.gain > leaves[current].best.gain { chosen = index }
            case .depthwise, .oblivious:
                let a = (leaf.depth, leaf.node), b = (leaves[current].depth, leaves[current].node)
                if a < b { chosen = index }
            }
        }
        return chosen
    }

    /// The best split of a leaf over `features`, or `.none` when the leaf may not split.
    func bestSplit(for leaf: Leaf, features: [Int]) -> SplitCandidate {
        guard leaf.depth < parameters.effectiveMaxDepth, leaf.count >= 2 * parameters.minDataInLeaf else { return .none }
        let histogram = UnsafeBufferPointer(histograms[leaf.histogram])
        let blocks = HistogramBuilder.featureBlocks(features, rowCount: 10_000, threads: threads, perThread: 4)
        let slots = ResultSlots<SplitCandidate>(count: blocks.count)
        parallelFor(blocks.count, threads: threads) { block in
            var best = SplitCandidate.none
            for feature in blocks[block] {
                let bins = data.featureBins[feature]
                let slice = UnsafeBufferPointer(rebasing: histogram[data.histogramOffsets[feature]..<(data.histogramOffsets[feature] + bins.binCount)])
                let candidate = finder.bestSplit(feature: feature, bins: bins, histogram: slice, total: leaf.sums)
                if candidate.gain > best.gain { best = candidate }
            }
            slots[block] = best
        }
        var best = SplitCandidate.none
        for candidate in slots.values where candidate.gain > best.gain { best = candidate }
        return best
    }

    /// Splits `leaf` by its best split: updates the tree, partitions its rows, builds the
    /// children's histograms. Returns (left, right).
    func split(_ leaf: Leaf, tree: inout Tree, rows: inout [Int32], gradients: [Float], features: [Int]) -> (Leaf, Leaf) {
        split(leaf, by: leaf.best, tree: &tree, rows: &rows, gradients: gradients, features: features)
    }

    func split(_ leaf: Leaf, by split: SplitCandidate, tree: inout Tree, rows: inout [Int32], gradients: [Float],
               features: [Int]) -> (Leaf, Leaf) {
        let feature = split.feature
        let bins = data.featureBins[feature]
        // Route rows by bin.
        var goesLeft = [Bool](repeating: false, count: bins.binCount)
        if split.isCategorical {
            for bin in split.leftBins { goesLeft[bin] = true }
        } else {
            for bin in 0...split.thresholdBin { goesLeft[bin] = true }
            if bins.hasMissingBin { goesLeft[bins.missingBin] = split.defaultLeft }
        }
        let leftCount = partition(rows: &rows, begin: leaf.begin, count: leaf.count, feature: feature, goesLeft: goesLeft)
        // The tree node.
        let node = leaf.node
        tree.feature[node] = Int32(feature)
        tree.gain[node] = split.gain
        if split.isCategorical {
            let codes = split.leftBins.map { Int(bins.categoryBins[$0]) }
            var words = [UInt64](repeating: 0, count: (codes.max()! >> 6) + 1)
            for code in codes { words[code >> 6] |= 1 << UInt64(code & 63) }
            tree.categorySet[node] = Int32(tree.categorySets.count)
            tree.categorySets.append(words)
        } else {
            tree.threshold[node] = bins.upperBounds[split.thresholdBin]
            tree.defaultLeft[node] = split.defaultLeft
        }
        let l2 = parameters.lambdaL2
        var leftSums = split.left, rightSums = split.right
        leftSums.count = leftCount
        rightSums.count = leaf.count - leftCount
        let leftNode = tree.addLeaf(value: finder.leafOutput(gradient: leftSums.gradient, hessian: leftSums.hessian, l2: l2),
                                    count: leftSums.count, cover: leftSums.hessian)
        let rightNode = tree.addLeaf(value: finder.leafOutput(gradient: rightSums.gradient, hessian: rightSums.hessian, l2: l2),
                                     count: rightSums.count, cover: rightSums.hessian)
        tree.left[node] = Int32(leftNode)
        tree.right[node] = Int32(rightNode)
        // Histograms: the smaller child from its rows, the larger by subtraction (in the
        // parent's buffer).
        var left = Leaf(node: leftNode, begin: leaf.begin, count: leftCount, depth: leaf.depth + 1, sums: leftSums, histogram: -1, best: .none)
        var right = Leaf(node: rightNode, begin: leaf.begin + leftCount, count: leaf.count - leftCount, depth: leaf.depth + 1,
                         sums: rightSums, histogram: -1, best: .none)
        let smallerIsLeft = left.count <= right.count
        let smallHistogram = takeHistogram()
        let small = smallerIsLeft ? left : right
        build(histogram: smallHistogram, rows: rows, range: small.begin..<(small.begin + small.count), gradients: gradients, features: features)
        let parent = histograms[leaf.histogram]
        HistogramBuilder.subtract(parent: UnsafeBufferPointer(parent), smaller: UnsafeBufferPointer(histograms[smallHistogram]), into: parent)
        if smallerIsLeft { left.histogram = smallHistogram; right.histogram = leaf.histogram } else { right.histogram = smallHistogram; left.histogram = leaf.histogram }
        return (left, right)
    }

    /// Stable partition of `rows[begin..<begin+count]` by `goesLeft[bin]`; returns the left
    /// count. Large ranges are cut into fixed chunks of 32,768 rows partitioned in parallel
    /// into scratch buffers, then gathered in chunk order: lefts, then rights. The chunking
    /// does not depend on the thread count, so neither does the result.
    private func partition(rows: inout [Int32], begin: Int, count: Int, feature: Int, goesLeft: [Bool]) -> Int {
        let chunkSize = 32_768
        let chunks = (count + chunkSize - 1) / chunkSize
        if scratchRight.count < rows.count { scratchRight = [Int32](repeating: 0, count: rows.count) }
        var leftCounts = [Int](repeating: 0, count: chunks)
        data.bins.withUnsafeBufferPointer { bins in
            rows.withUnsafeMutableBufferPointer { rowBuffer in
                scratch.withUnsafeMutableBufferPointer { lefts in
                    scratchRight.withUnsafeMutableBufferPointer { rights in
                        leftCounts.withUnsafeMutableBufferPointer { counts in
                            let (rowsOut, leftsOut, rightsOut, countsOut) = (UncheckedSendable(rowBuffer), UncheckedSendable(lefts), UncheckedSendable(rights), UncheckedSendable(counts))
                            let column = bins.baseAddress! + feature * data.rowCount
                            goesLeft.withUnsafeBufferPointer { goesLeft in
                                parallelFor(chunks, threads: chunks > 1 ? threads : 1) { chunk in
                                    let from = begin + chunk * chunkSize, to = min(begin + count, from + chunkSize)
                                    // Branch-free: which side a row goes is data, and a
                                    // mispredicted branch per row cost more than the two stores.
                                    let lefts = leftsOut.value.baseAddress!, rights = rightsOut.value.baseAddress!
                                    var leftEnd = from, rightEnd = from
                                    for i in from..<to {
                                        let row = rowsOut.value[i]
                                        let isLeft = Int(unsafeBitCast(goesLeft[Int(column[Int(row)])], to: UInt8.self))
                                        lefts[leftEnd] = row
                                        rights[rightEnd] = row
                                        leftEnd &+= isLeft
                                        rightEnd &+= 1 &- isLeft
                                    }
                                    countsOut.value[chunk] = leftEnd - from
                                }
                            }
                            // Gather: every chunk's lefts in order, then every chunk's rights,
                            // each chunk copying its own rows to offsets known in advance.
                            var leftStarts = [Int](repeating: 0, count: chunks), rightStarts = leftStarts
                            var nextLeft = begin
                            for chunk in 0..<chunks { leftStarts[chunk] = nextLeft; nextLeft += counts[chunk] }
                            var nextRight = nextLeft
                            for chunk in 0..<chunks {
                                rightStarts[chunk] = nextRight
                                nextRight += min(count, (chunk + 1) * chunkSize) - chunk * chunkSize - counts[chunk]
                            }
                            parallelFor(chunks, threads: chunks > 1 ? threads : 1) { chunk in
                                let from = begin + chunk * chunkSize, to = min(begin + count, from + chunkSize)
                                let leftCount = countsOut.value[chunk], rightCount = to - from - leftCount
                                (rowsOut.value.baseAddress! + leftStarts[chunk]).update(from: leftsOut.value.baseAddress! + from, count: leftCount)
                                (rowsOut.value.baseAddress! + rightStarts[chunk]).update(from: rightsOut.value.baseAddress! + from, count: rightCount)
                            }
                        }
                    }
                }
            }
        }
        return leftCounts.reduce(0, +)
    }

    private func build(histogram: Int, rows: [Int32], range: Range<Int>, gradients: [Float], features: [Int]) {
        rows.withUnsafeBufferPointer { rows in
            gradients.withUnsafeBufferPointer { g in
                if ordered.count < 2 * range.count { ordered = [Float](repeating: 0, count: 2 * rows.count) }
                ordered.withUnsafeMutableBufferPointer { ordered in
                    HistogramBuilder.build(histograms[histogram], data: data, rows: UnsafeBufferPointer(rebasing: rows[range]),
                                           gradients: g, ordered: ordered, features: features, threads: threads)
                }
            }
        }
    }

    func takeHistogram() -> Int {
        if let index = freeHistograms.popLast() { return index }
        let buffer = UnsafeMutableBufferPointer<HistogramEntry>.allocate(capacity: data.totalBins)
        buffer.initialize(repeating: HistogramEntry())
        histograms.append(buffer)
        return histograms.count - 1
    }

    func histogram(_ index: Int) -> UnsafeBufferPointer<HistogramEntry> { UnsafeBufferPointer(histograms[index]) }
}
