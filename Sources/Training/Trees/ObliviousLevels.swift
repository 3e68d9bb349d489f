import Core
import Evaluation

/// Oblivious (symmetric) growth, as CatBoost: every level applies one test — the same
/// feature, threshold and missing direction (or the same category against the rest) — to all
/// of its leaves, chosen to maximise the sum of the leaves' gains. Leaves may end up empty
/// (output 0); `min_data_in_leaf` does not apply, as in CatBoost.
enum ObliviousLevels {
    static func grow(grower: TreeGrower, tree: inout Tree, leaves: inout [TreeGrower.Leaf], rows: inout [Int32],
                     gradients: [Float], features: [Int]) {
        for _ in 0..<grower.parameters.effectiveMaxDepth {
            guard let test = bestLevelTest(grower: grower, leaves: leaves, features: features) else { return }
            var next: [TreeGrower.Leaf] = []
            for leaf in leaves {
                let candidate = candidate(for: leaf, test: test, grower: grower)
                let (left, right) = grower.split(leaf, by: candidate, tree: &tree, rows: &rows, gradients: gradients,
                                                 features: features)
                next += [left, right]
            }
            leaves = next
        }
    }

    /// One level's test: a numeric threshold bin with a missing direction, or one category bin.
    struct LevelTest {
        var feature: Int
        var thresholdBin: Int
        var defaultLeft: Bool
        var categoryBin: Int?
    }

    /// The leaf's split under the level's test (its sums from the leaf's histogram).
    static func candidate(for leaf: TreeGrower.Leaf, test: LevelTest, grower: TreeGrower) -> SplitCandidate {
        let bins = grower.data.featureBins[test.feature]
        let histogram = grower.histogram(leaf.histogram)
        let offset = grower.data.histogramOffsets[test.feature]
        var left = HistogramEntry()
        if let category = test.categoryBin {
            left = histogram[offset + category]
        } else {
            for bin in 0...test.thresholdBin { left = left + histogram[offset + bin] }
            if bins.hasMissingBin && test.defaultLeft { left = left + histogram[offset + bins.missingBin] }
        }
        return SplitCandidate(gain: 0, feature: test.feature, thresholdBin: test.categoryBin == nil ? test.thresholdBin : -1,
                              defaultLeft: test.defaultLeft, leftBins: test.categoryBin.map { [$0] } ?? [],
                              left: LeafSums(left, count: 0), right: leaf.sums.minus(left, count: 0))
    }

    /// The test with the largest total gain over `leaves`, if any gains more than
    /// `min_gain_to_split`. Features are scanned in parallel; ties go to the lower feature.
    static func bestLevelTest(grower: TreeGrower, leaves: [TreeGrower.Leaf], features: [Int]) -> LevelTest? {
        let finder = grower.finder
        let l2 = grower.parameters.lambdaL2
        let data = grower.data
        let blocks = HistogramBuilder.featureBlocks(features, rowCount: 10_000, threads: grower.threads, perThread: 4)
        let slots = ResultSlots<(Double, LevelTest?)>(count: blocks.count)
        parallelFor(blocks.count, threads: grower.threads) { block in
            var best: (Double, LevelTest?) = (grower.parameters.minGainToSplit, nil)
            for feature in blocks[block] {
                let bins = data.featureBins[feature]
                let offset = data.histogramOffsets[feature]
                if bins.isCategorical {
                    for category in 0..<bins.categoryBins.count {
                        var gain = 0.0
                        for leaf in leaves {
                            let left = grower.histogram(leaf.histogram)[offset + category], right = leaf.sums.minus(left, count: 0)
                            gain += finder.leafScore(gradient: left.gradient, hessian: left.hessian, l2: l2)
                                + finder.leafScore(gradient: right.gradient, hessian: right.hessian, l2: l2)
                                - finder.leafScore(gradient: leaf.sums.gradient, hessian: leaf.sums.hessian, l2: l2)
                        }
                        if gain > best.0 { best = (gain, LevelTest(feature: feature, thresholdBin: -1, defaultLeft: false, categoryBin: category)) }
                    }
                    continue
                }
                let valueBins = bins.upperBounds.count
                guard valueBins > 1 else { continue }
                for defaultLeft in bins.hasMissingBin ? [false, true] : [false] {
                    var gains = [Double](repeating: 0, count: valueBins - 1)
                    for leaf in leaves {
                        let histogram = grower.histogram(leaf.histogram)
                        let parent = finder.leafScore(gradient: leaf.sums.gradient, hessian: leaf.sums.hessian, l2: l2)
                        var left = defaultLeft && bins.hasMissingBin ? histogram[offset + bins.missingBin] : HistogramEntry()
                        for bin in 0..<(valueBins - 1) {
                            left = left + histogram[offset + bin]
                            let right = leaf.sums.minus(left, count: 0)
                            gains[bin] += finder.leafScore(gradient: left.gradient, hessian: left.hessian, l2: l2)
                                + finder.leafScore(gradient: right.gradient, hessian: right.hessian, l2: l2) - parent
                        }
                    }
                    for (bin, gain) in gains.enumerated() where gain > best.0 {
                        best = (gain, LevelTest(feature: feature, thresholdBin: bin, defaultLeft: defaultLeft, categoryBin: nil))
                    }
                }
            }
            slots[block] = best
        }
        var best: (Double, LevelTest?) = (grower.parameters.minGainToSplit, nil)
        for candidate in slots.values where candidate.0 > best.0 && candidate.1 != nil { best = candidate }
        guard let test = best.1, best.0 > 0 else { return nil }
        var adjusted = test
        let bins = data.featureBins[test.feature]
        if test.categoryBin == nil && !bins.hasMissingBin {
            adjusted.defaultLeft = 0 <= bins.upperBounds[test.thresholdBin]
        }
        return adjusted
    }
}
