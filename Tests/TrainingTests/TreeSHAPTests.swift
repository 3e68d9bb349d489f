import Core
import Foundation
import Testing
@testable import Training
import Tuning

@Suite struct TreeSHAPTests {
    /// One split on `feature` at 0.5: leaves −1 (30 rows) and +2 (10 rows).
    static func singleSplit(on feature: Int32) -> Tree {
        var tree = Tree()
        _ = tree.addLeaf(value: 0, count: 40, cover: 40)
        let left = tree.addLeaf(value: -1, count: 30, cover: 30)
        let right = tree.addLeaf(value: 2, count: 10, cover: 10)
        tree.feature[0] = feature; tree.threshold[0] = 0.5; tree.left[0] = Int32(left); tree.right[0] = Int32(right)
        return tree
    }

    /// One split on x at 0.5 with leaves −1 (30 rows) and +2 (10 rows): expected value
    /// (−30 + 20)/40 = −0.25; a row going right gets φ_x = 2 − (−0.25) = 2.25, others 0.
    @Test func singleSplitIsHandComputable() {
        let tree = Self.singleSplit(on: 0)
        #expect(TreeSHAP.expectedValue(tree) == -0.25)
        var phi = [0.0, 0.0]
        let row: [Float] = [0.9, 123]
        row.withUnsafeBufferPointer { TreeSHAP.addContributions(of: tree, row: $0.baseAddress!, to: &phi) }
        #expect(phi == [2.25, 0])
    }

    @Test(arguments: GrowthPolicy.allCases)
    func contributionsAddUpToTheRawScore(_ growth: GrowthPolicy) throws {
        var r = SeededGenerator(seed: 21)
        let n = 1500
        var a: [Float] = [], b: [Float] = [], c: [Int32] = [], y: [UInt8] = []
        for _ in 0..<n {
            let u = Float(r.nextGaussian()), v = Float(r.nextGaussian()), k = Int32(r.nextInt(below: 7))
            a.append(r.nextDouble() < 0.1 ? .nan : u); b.append(v); c.append(k)
            y.append(r.nextDouble() < 1 / (1 + exp(-Double(u * v) - (k % 2 == 0 ? 1 : -1))) ? 1 : 0)
        }
        let dataset = Dataset(columns: [.numeric(NumericColumn(name: "a", values: a)), .numeric(NumericColumn(name: "b", values: b)),
                                        .categorical(CategoricalColumn(name: "c", codes: c, categories: (0..<7).map { "c\($0)" }))],
                              labels: y, rowCount: n)
        var parameters = GBDTParameters(); parameters.growth = growth; parameters.trees = 25; parameters.maxDepth = growth == .leafwise ? 8 : 5
        parameters.minDataPerGroup = 10; parameters.baggingFraction = 0.7; parameters.baggingFrequency = 1
        let model = try GBDTTrainer.train(dataset, parameters: parameters)
        let raw = try model.rawScores(dataset)
        let phi = try model.contributions(dataset)
        for row in 0..<n {
            let total = phi[row].reduce(model.expectedRawScore, +)
            #expect(abs(total - raw[row]) < 1e-9 * max(1, abs(raw[row])), "\(growth) row \(row): \(total) vs \(raw[row])")
            if abs(total - raw[row]) >= 1e-9 * max(1, abs(raw[row])) { break }
        }
    }
}

@Suite struct TreeLevelTableTests {
    /// Oblivious trees are explained from their tables: the same contributions as the kernel
    /// (to rounding: the tables hold per-feature sums, 1e-12 of the row's largest), on rows the
    /// model never saw — thresholds exactly, ±∞, NaN, unseen and missing categories — and for
    /// a tree testing one feature at several levels.
    @Test func tablesGiveTheKernelsContributions() throws {
        var r = SeededGenerator(seed: 5)
        let n = 1200
        var a: [Float] = [], b: [Float] = [], k: [Int32] = [], y: [UInt8] = []
        for _ in 0..<n {
            let u = Float(r.nextGaussian()), v = Float(r.nextGaussian()), code = Int32(r.nextInt(below: 5))
            a.append(r.nextDouble() < 0.1 ? .nan : u); b.append(v); k.append(code)
            y.append(r.nextDouble() < 1 / (1 + exp(-Double(sin(3 * u) + v * v) - (code == 2 ? 1 : -0.5))) ? 1 : 0)
        }
        let dataset = Dataset(columns: [.numeric(NumericColumn(name: "a", values: a)), .numeric(NumericColumn(name: "b", values: b)),
                                        .categorical(CategoricalColumn(name: "k", codes: k, categories: (0..<5).map { "k\($0)" }))],
                              labels: y, rowCount: n)
        var parameters = GBDTParameters(); parameters.growth = .oblivious; parameters.trees = 30; parameters.maxDepth = 6
        let model = try GBDTTrainer.train(dataset, parameters: parameters)
        let tabulated = TreeExplainer(trees: model.trees, featureCount: 3), kernel = TreeExplainer(trees: model.trees, featureCount: 3, tabulating: false)
        #expect(tabulated.levelTables.allSatisfy { $0 != nil })
        #expect(model.trees.contains { tree in Set(tree.feature.filter { $0 >= 0 }).count < ReferenceTreeSHAP.maxDepth(tree) },
                "some tree tests a feature at two levels")
        let thresholds = model.trees.flatMap { tree in tree.threshold.map(Float.init) }
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -1, -2, 4, 7]
        for row in 0..<600 {
            func pick(_ values: [Float]) -> Float { values[r.nextInt(below: values.count)] }
            let values: [Float] = [row % 3 == 0 ? pick(thresholds) : row % 3 == 1 ? pick(specials) : Float(r.nextGaussian()),
                                   row % 2 == 0 ? pick(thresholds) : Float(r.nextGaussian()), Float(r.nextInt(below: 8)) - 2]
            var fromTables = [Double](repeating: 0, count: 3), fromKernel = fromTables
            values.withUnsafeBufferPointer { pointer in
                fromTables.withUnsafeMutableBufferPointer { tabulated.addContributions(row: pointer.baseAddress!, to: $0.baseAddress!) }
                fromKernel.withUnsafeMutableBufferPointer { kernel.addContributions(row: pointer.baseAddress!, to: $0.baseAddress!) }
            }
            let scale = max(1e-12, fromKernel.map(abs).max()!)
            #expect(zip(fromTables, fromKernel).allSatisfy { abs($0 - $1) <= 1e-12 * scale }, "row \(values): \(fromTables) vs \(fromKernel)")
        }
    }

    /// Trees whose levels do not share one test are not tabulated.
    @Test func onlyObliviousTreesAreTabulated() {
        var tree = Tree()
        _ = tree.addLeaf(value: 0, count: 40, cover: 40)
        let left = tree.addLeaf(value: 0, count: 20, cover: 20), right = tree.addLeaf(value: 0, count: 20, cover: 20)
        tree.feature[0] = 0; tree.threshold[0] = 0.5; tree.left[0] = Int32(left); tree.right[0] = Int32(right)
        for (node, threshold) in [(left, 0.1), (right, 0.2)] {
            let a = tree.addLeaf(value: 1, count: 10, cover: 10), b = tree.addLeaf(value: -1, count: 10, cover: 10)
            tree.feature[node] = 1; tree.threshold[node] = threshold; tree.left[node] = Int32(a); tree.right[node] = Int32(b)
        }
        #expect(TreeExplainer(trees: [tree]).levelTables.first! == nil)
        tree.threshold[right] = 0.1
        #expect(TreeExplainer(trees: [tree]).levelTables.first??.depth == 2)
    }
}

@Suite struct TreeSHAPReferenceTests {
    /// The quadrature form must give the contributions of the paper's algorithm (kept as
    /// ``ReferenceTreeSHAP``) on every growth policy: deep trees on three numeric features and
    /// a categorical one split on the same feature many times along a path, missing values,
    /// bagging (covers that are not the whole data). Equal to rounding: 1e-10 relative to the
    /// row's largest contribution (the two sum different products in different orders).
    @Test(arguments: GrowthPolicy.allCases)
    func quadratureEqualsTheReferenceAlgorithm(_ growth: GrowthPolicy) throws {
        var r = SeededGenerator(seed: 33)
        let n = 2000
        var a: [Float] = [], b: [Float] = [], c: [Float] = [], k: [Int32] = [], y: [UInt8] = []
        for _ in 0..<n {
            let u = Float(r.nextGaussian()), v = Float(r.nextGaussian()), w = Float(r.nextGaussian()), code = Int32(r.nextInt(below: 6))
            a.append(r.nextDouble() < 0.1 ? .nan : u); b.append(v); c.append(w); k.append(code)
            y.append(r.nextDouble() < 1 / (1 + exp(-Double(sin(3 * u) * v + w * w) - (code % 3 == 0 ? 1 : -0.5))) ? 1 : 0)
        }
        let dataset = Dataset(columns: [.numeric(NumericColumn(name: "a", values: a)), .numeric(NumericColumn(name: "b", values: b)),
                                        .numeric(NumericColumn(name: "c", values: c)),
                                        .categorical(CategoricalColumn(name: "k", codes: k, categories: (0..<6).map { "k\($0)" }))],
                              labels: y, rowCount: n)
        var parameters = GBDTParameters(); parameters.growth = growth; parameters.trees = 12; parameters.numLeaves = 48
        parameters.maxDepth = growth == .leafwise ? 14 : 7; parameters.minDataInLeaf = 5; parameters.minDataPerGroup = 10
        parameters.baggingFraction = 0.8; parameters.baggingFrequency = 1
        let model = try GBDTTrainer.train(dataset, parameters: parameters)
        #expect(model.trees.map { ReferenceTreeSHAP.maxDepth($0) }.max()! >= 6)
        for row in stride(from: 0, to: n, by: 7) {
            let values: [Float] = [a[row], b[row], c[row], Float(k[row])]
            var fast = [Double](repeating: 0, count: 4), reference = fast
            values.withUnsafeBufferPointer { pointer in
                for tree in model.trees {
                    TreeSHAP.addContributions(of: tree, row: pointer.baseAddress!, to: &fast)
                    ReferenceTreeSHAP.addContributions(of: tree, row: pointer.baseAddress!, to: &reference)
                }
            }
            let scale = max(1e-12, reference.map(abs).max()!)
            for f in 0..<4 {
                #expect(abs(fast[f] - reference[f]) <= 1e-10 * scale, "\(growth) row \(row) feature \(f): \(fast[f]) vs \(reference[f])")
            }
        }
    }

    /// Deep trees over many features: paths with a dozen or more distinct features, so a
    /// tree's rule spans several vectors of points (the shallow trees above have one).
    @Test func deepPathsOverManyFeaturesEqualTheReference() throws {
        var r = SeededGenerator(seed: 8)
        let n = 3000, width = 24
        var columns = [[Float]](repeating: [], count: width), y: [UInt8] = []
        for _ in 0..<n {
            var logit = 0.0
            for f in 0..<width {
                let x = Float(r.nextGaussian())
                columns[f].append(r.nextDouble() < 0.05 ? .nan : x)
                logit += (f % 3 == 0 ? 1 : -0.5) * Double(x) * (f % 2 == 0 ? 1 : Double(x))
            }
            y.append(r.nextDouble() < 1 / (1 + exp(-logit / 3)) ? 1 : 0)
        }
        let dataset = Dataset(columns: columns.enumerated().map { .numeric(NumericColumn(name: "x\($0.offset)", values: $0.element)) },
                              labels: y, rowCount: n)
        var parameters = GBDTParameters(); parameters.trees = 6; parameters.numLeaves = 400; parameters.maxDepth = 60
        parameters.minDataInLeaf = 2; parameters.minSumHessianInLeaf = 0; parameters.lambdaL2 = 0; parameters.minGainToSplit = 0
        let model = try GBDTTrainer.train(dataset, parameters: parameters)
        let explainer = TreeExplainer(trees: model.trees, featureCount: width)
        #expect(explainer.layouts.map(\.chunks).max()! >= 3, "paths too short to span several vectors")
        for row in stride(from: 0, to: n, by: 37) {
            let values = (0..<width).map { columns[$0][row] }
            var fast = [Double](repeating: 0, count: width), reference = fast
            values.withUnsafeBufferPointer { pointer in
                fast.withUnsafeMutableBufferPointer { explainer.addContributions(row: pointer.baseAddress!, to: $0.baseAddress!) }
                for tree in model.trees { ReferenceTreeSHAP.addContributions(of: tree, row: pointer.baseAddress!, to: &reference) }
            }
            let scale = max(1e-12, reference.map(abs).max()!)
            for f in 0..<width {
                #expect(abs(fast[f] - reference[f]) <= 1e-10 * scale, "row \(row) feature \(f): \(fast[f]) vs \(reference[f])")
            }
        }
    }

    /// Single-leaf trees explain nothing, wherever they stand among the others, and a model
    /// of them alone leaves φ as it was.
    @Test func singleLeafTreesContributeNothing() {
        let split = TreeSHAPTests.singleSplit(on: 1)
        var stump = Tree()
        _ = stump.addLeaf(value: 0.75, count: 40, cover: 40)
        let row: [Float] = [3, 0.1]
        func phi(_ trees: [Tree]) -> [Double] {
            var phi = [0.5, -0.5]
            row.withUnsafeBufferPointer { r in
                phi.withUnsafeMutableBufferPointer { TreeExplainer(trees: trees, featureCount: 2).addContributions(row: r.baseAddress!, to: $0.baseAddress!) }
            }
            return phi
        }
        let both = phi([stump, split, stump])  // the split alone: φ₁ = −1 − (−0.25)
        #expect(both[0] == 0.5 && abs(both[1] - (-0.5 - 0.75)) < 1e-15)
        #expect(phi([stump]) == [0.5, -0.5] && phi([]) == [0.5, -0.5])
    }

    /// Gauss–Legendre rules integrate t^m exactly (1 / (m + 1)) up to degree 2n − 1.
    @Test func quadratureRulesAreExact() {
        for n in [1, 2, 5, 16, 64, 128, 130] {
            let (nodes, weights) = GaussLegendre.compute(n)
            for m in [0, 1, 2 * n - 1] {
                let integral = (0..<n).reduce(0.0) { $0 + weights[$1] * pow(nodes[$1], Double(m)) }
                #expect(abs(integral - 1 / Double(m + 1)) < 1e-13, "n \(n), degree \(m)")
            }
        }
    }
}

@Suite struct FlatForestTests {
    /// The flattened walk compares in `Float` against the largest float at or below each
    /// `Double` threshold: it must decide exactly as the tree does, NaN included.
    @Test func decidesExactlyAsTheTree() {
        var tree = Tree()
        _ = tree.addLeaf(value: 0, count: 2, cover: 2)
        let left = tree.addLeaf(value: -1, count: 1, cover: 1)
        let right = tree.addLeaf(value: 1, count: 1, cover: 1)
        tree.feature[0] = 0; tree.left[0] = Int32(left); tree.right[0] = Int32(right)
        for threshold in [0.1, -0.1, 1.0 / 3, 0, 1e-40, Double(Float(0.7)), .infinity] {
            for defaultLeft in [false, true] {
                tree.threshold[0] = threshold; tree.defaultLeft[0] = defaultLeft
                let forest = FlatForest([tree])
                for x: Float in [0.1, -0.1, Float(1.0 / 3), (Float(1.0 / 3)).nextDown, 0, -0.0, Float(1e-40 as Double), 0.7, .nan, .infinity, -.infinity] {
                    let expected = [x].withUnsafeBufferPointer { tree.value[tree.leaf($0.baseAddress!)] }
                    let got = [x].withUnsafeBufferPointer { forest.sum($0.baseAddress!, startingAt: 0) }
                    #expect(got == expected, "threshold \(threshold), defaultLeft \(defaultLeft), x \(x)")
                }
            }
        }
        #expect(FlatForest.floatAtOrBelow(0.1) == Float(0.1).nextDown && FlatForest.floatAtOrBelow(0.5) == 0.5)
    }

    /// Batches walk eight rows together and single rows walk eight trees together; both must
    /// give, bit for bit, the per-tree walk of ``Tree/leaf(_:)`` summed in tree order. Trees of
    /// uneven depth (leaf-wise), missing values with learned directions, a categorical
    /// feature, single-leaf trees in the middle of a group of eight, and row and tree counts
    /// that are not multiples of eight.
    @Test func interleavedWalksEqualTheTreeByTreeSum() throws {
        var r = SeededGenerator(seed: 5)
        let n = 803
        var a: [Float] = [], b: [Float] = [], c: [Int32] = [], y: [UInt8] = []
        for _ in 0..<n {
            let u = Float(r.nextGaussian()), v = Float(r.nextGaussian()), k = Int32(r.nextInt(below: 9)) - 1
            a.append(r.nextDouble() < 0.15 ? .nan : u); b.append(v); c.append(k)
            y.append(r.nextDouble() < 1 / (1 + exp(-Double(u * v) - (k % 2 == 0 ? 1 : -1))) ? 1 : 0)
        }
        let dataset = Dataset(columns: [.numeric(NumericColumn(name: "a", values: a)), .numeric(NumericColumn(name: "b", values: b)),
                                        .categorical(CategoricalColumn(name: "c", codes: c, categories: (0..<8).map { "c\($0)" }))],
                              labels: y, rowCount: n)
        var parameters = GBDTParameters(); parameters.trees = 21; parameters.minDataPerGroup = 10; parameters.minDataInLeaf = 5
        var trees = try GBDTTrainer.train(dataset, parameters: parameters).trees
        var stump = Tree()
        _ = stump.addLeaf(value: 0.25, count: n, cover: Double(n))
        trees.insert(stump, at: 3)
        trees.insert(stump, at: 12)
        let forest = FlatForest(trees)
        var matrix = [Float](repeating: 0, count: n * 3)
        for row in 0..<n { matrix[row * 3] = a[row]; matrix[row * 3 + 1] = b[row]; matrix[row * 3 + 2] = Float(c[row]) }
        var batch = [Double](repeating: 0, count: n)
        matrix.withUnsafeBufferPointer { m in
            batch.withUnsafeMutableBufferPointer { forest.add(block: m.baseAddress!, featureCount: 3, count: n, to: $0.baseAddress!) }
            for row in 0..<n {
                let values = m.baseAddress! + row * 3
                let expected = trees.reduce(0.0) { $0 + $1.value[$1.leaf(values)] }
                #expect(forest.sum(values, startingAt: 0).bitPattern == expected.bitPattern, "row \(row)")
                #expect(batch[row].bitPattern == expected.bitPattern, "row \(row)")
            }
        }
    }
}
