import Core
import Evaluation
import Foundation
import Testing
import TestSupport
@testable import Training
import Tuning

private func numeric(_ name: String, _ values: [Float]) -> Column { .numeric(NumericColumn(name: name, values: values)) }

/// Hand-computable cases for each stage of the tree engine.
@Suite struct BinningTests {
    @Test func fewDistinctValuesEachGetABinMergedToMinDataInBin() {
        let values: [Float] = [1, 1, 1, 2, 2, 2, 3, 3, 3]
        #expect(FeatureBins.numeric(values: values, sampleRows: nil, maxBin: 255, minDataInBin: 3).upperBounds == [1.5, 2.5, .infinity])
        #expect(FeatureBins.numeric(values: values, sampleRows: nil, maxBin: 255, minDataInBin: 4).upperBounds == [2.5, .infinity])
        let constant = FeatureBins.numeric(values: [7, 7, 7], sampleRows: nil, maxBin: 255, minDataInBin: 3)
        #expect(constant.upperBounds == [.infinity] && constant.binCount == 1)
    }

    @Test func missingValuesGetTheirOwnLastBin() {
        let bins = FeatureBins.numeric(values: [1, 1, 1, .nan, 2, 2, 2], sampleRows: nil, maxBin: 255, minDataInBin: 3)
        #expect(bins.hasMissingBin && bins.binCount == 3 && bins.missingBin == 2)
        #expect(bins.numericBin(.nan) == 2 && bins.numericBin(1) == 0 && bins.numericBin(1.5) == 0 && bins.numericBin(1.6) == 1)
        #expect(bins.numericBin(.infinity) == 1 && bins.numericBin(-.infinity) == 0)
        // Without missing values in training, a missing value is binned as 0.
        let noMissing = FeatureBins.numeric(values: [-1, -1, -1, 1, 1, 1], sampleRows: nil, maxBin: 255, minDataInBin: 3)
        #expect(noMissing.missingBin == noMissing.numericBin(0))
    }

    @Test func manyDistinctValuesGetAboutEqualCounts() {
        let values = (0..<10_000).map { Float($0) }
        let bins = FeatureBins.numeric(values: values, sampleRows: nil, maxBin: 10, minDataInBin: 3)
        #expect(bins.upperBounds.count == 10)
        var counts = [Int](repeating: 0, count: bins.binCount)
        for v in values { counts[bins.numericBin(Double(v))] += 1 }
        #expect(counts.allSatisfy { $0 >= 800 && $0 <= 1200 }, "\(counts)")
        // A value holding a large share of the rows keeps a bin to itself.
        let heavy = values + [Float](repeating: 5000.5, count: 5000)
        let heavyBins = FeatureBins.numeric(values: heavy, sampleRows: nil, maxBin: 10, minDataInBin: 3)
        let bin = heavyBins.numericBin(5000.5)
        #expect(heavyBins.numericBin(5000) != bin && heavyBins.numericBin(5001) != bin)
    }

    @Test func categoriesAreBinnedByFrequencyWithAnOtherBin() {
        let codes: [Int32] = [2, 2, 2, 0, 0, 1, -1, 3]
        let bins = FeatureBins.categorical(codes: codes, categoryCount: 4, maxCategories: 2)
        #expect(bins.categoryBins == [2, 0])
        #expect(bins.binOfCategoryCode(categoryCount: 4) == [1, 2, 0, 2])
        #expect(bins.missingBin == 2 && bins.binCount == 3)
    }
}

@Suite struct FastBinningTests {
    /// The branch-free Float binner must agree with the reference binary search on Doubles
    /// for every kind of value: exact bounds, the Floats just around them, ±∞, NaN, and
    /// random values; with and without a missing bin, and with 1 to 256 bins.
    @Test func floatBinnerEqualsTheBinarySearch() {
        var random = SeededGenerator(seed: 7)
        for (boundCount, hasMissing) in [(1, false), (2, true), (7, false), (100, true), (255, false), (256, true)] {
            var distinct = Set<Float>()
            while distinct.count < boundCount { distinct.insert(Float(random.nextDouble() * 200 - 100)) }
            let sorted = distinct.sorted()
            // Midpoints in Double between neighbouring Floats, as the bin finder makes them, +∞ last.
            var bounds = (0..<(boundCount - 1)).map { Double(sorted[$0]) + (Double(sorted[$0 + 1]) - Double(sorted[$0])) / 2 }
            bounds.append(.infinity)
            let bins = FeatureBins(isCategorical: false, upperBounds: bounds, hasMissingBin: hasMissing, categoryBins: [])
            var values: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
            for bound in bounds.dropLast() {
                let f = Float(bound)
                values += [f, f.nextUp, f.nextDown, FlatForest.floatAtOrBelow(bound), FlatForest.floatAtOrBelow(bound).nextUp]
            }
            values += sorted
            for _ in 0..<2000 { values.append(Float(random.nextDouble() * 240 - 120)) }
            FeatureBins.FloatBinner(bins).withBinFunction { bin in
                for value in values {
                    #expect(bin(value) == bins.numericBin(Double(value)), "value \(value), \(boundCount) bounds")
                }
            }
        }
    }
}

@Suite struct HistogramAndSplitTests {
    /// Leaves of at most half the rows are built row-wise from the row-major copy; the sums
    /// must be those of the column-wise kernel. Both add each bin's pairs in row order, but the
    /// column-wise kernel keeps four partial sums, so equality is to rounding (1e-12 relative).
    /// Features: numeric with and without missing values and a categorical one, and a
    /// non-contiguous subset of features (as `feature_fraction` picks them).
    @Test func rowWiseHistogramsEqualColumnWise() throws {
        var random = SeededGenerator(seed: 11)
        let n = 5000
        var columns: [Column] = []
        for f in 0..<9 {
            columns.append(numeric("x\(f)", (0..<n).map { _ in
                f % 3 == 0 && random.nextDouble() < 0.1 ? .nan : Float((random.nextDouble() * 50).rounded(.down))
            }))
        }
        columns.append(.categorical(CategoricalColumn(name: "c", codes: (0..<n).map { _ in Int32(random.nextInt(below: 12)) - 1 },
                                                      categories: (0..<11).map { "k\($0)" })))
        let dataset = Dataset(columns: columns, labels: (0..<n).map { UInt8($0 % 2) }, rowCount: n)
        var parameters = GBDTParameters()
        parameters.maxBin = 16
        let featureBins = BinnedData.findBins(dataset, parameters: parameters, threads: 1)
        let columnMajor = BinnedData(dataset: dataset, featureBins: featureBins, threads: 2)
        let both = BinnedData(dataset: dataset, featureBins: featureBins, threads: 2, rowMajorCopy: true)
        #expect(both.bins == columnMajor.bins)
        for row in [0, 17, n - 1] {
            for feature in 0..<10 { #expect(both.rowBins[row * 10 + feature] == columnMajor.bins[feature * n + row]) }
        }
        let pairs = (0..<(2 * n)).map { $0 % 2 == 0 ? Float(random.nextDouble() * 2 - 1) : Float(random.nextDouble()) }
        let rows = (0..<Int32(n)).filter { _ in random.nextDouble() < 0.3 }
        for features in [Array(0..<10), [1, 4, 5, 9]] {
            for threads in [1, 2] {
                let expected = histogram(columnMajor, rows: rows, pairs: pairs, features: features, threads: threads)
                let rowWise = histogram(both, rows: rows, pairs: pairs, features: features, threads: threads)
                for feature in features {
                    for bin in 0..<featureBins[feature].binCount {
                        let i = columnMajor.histogramOffsets[feature] + bin
                        #expect(abs(rowWise[i].gradient - expected[i].gradient) <= 1e-12 * max(1, abs(expected[i].gradient)))
                        #expect(abs(rowWise[i].hessian - expected[i].hessian) <= 1e-12 * max(1, abs(expected[i].hessian)))
                    }
                }
            }
        }
    }

    private func histogram(_ data: BinnedData, rows: [Int32], pairs: [Float], features: [Int], threads: Int) -> [HistogramEntry] {
        let histogram = UnsafeMutableBufferPointer<HistogramEntry>.allocate(capacity: data.totalBins)
        defer { histogram.deallocate() }
        histogram.initialize(repeating: HistogramEntry())
        var ordered = [Float](repeating: 0, count: 2 * rows.count)
        rows.withUnsafeBufferPointer { r in pairs.withUnsafeBufferPointer { g in ordered.withUnsafeMutableBufferPointer { o in
            HistogramBuilder.build(histogram, data: data, rows: r, gradients: g, ordered: o, features: features, threads: threads)
        } } }
        return Array(histogram)
    }

    @Test func histogramSumsAndSubtraction() throws {
        let dataset = Dataset(columns: [numeric("x", [0, 1, 1, 2])], labels: [0, 1, 0, 1], rowCount: 4)
        let bins = [FeatureBins(isCategorical: false, upperBounds: [0.5, 1.5, .infinity], hasMissingBin: false, categoryBins: [])]
        let data = BinnedData(dataset: dataset, featureBins: bins, threads: 1)
        #expect(data.bins == [0, 1, 1, 2])
        let histogram = UnsafeMutableBufferPointer<HistogramEntry>.allocate(capacity: 3)
        defer { histogram.deallocate() }
        let rows: [Int32] = [0, 1, 2, 3], pairs: [Float] = [1, 1, 2, 1, 3, 1, 4, 1]  // (g, h) per row
        var ordered = [Float](repeating: 0, count: 8)
        for subset in [rows, [3, 1, 2, 0]] {  // the identity (streamed) and a gathered order
            subset.withUnsafeBufferPointer { r in pairs.withUnsafeBufferPointer { g in ordered.withUnsafeMutableBufferPointer { o in
                HistogramBuilder.build(histogram, data: data, rows: r, gradients: g, ordered: o, features: [0], threads: 1)
            } } }
            #expect(Array(histogram) == [HistogramEntry(gradient: 1, hessian: 1), HistogramEntry(gradient: 5, hessian: 2),
                                         HistogramEntry(gradient: 4, hessian: 1)])
        }
        #expect(Array(histogram) == [HistogramEntry(gradient: 1, hessian: 1), HistogramEntry(gradient: 5, hessian: 2),
                                     HistogramEntry(gradient: 4, hessian: 1)])
        let part = UnsafeMutableBufferPointer<HistogramEntry>.allocate(capacity: 3)
        defer { part.deallocate() }
        _ = part.initialize(from: [HistogramEntry(gradient: 1, hessian: 1), HistogramEntry(), HistogramEntry(gradient: 4, hessian: 1)])
        HistogramBuilder.subtract(parent: UnsafeBufferPointer(histogram), smaller: UnsafeBufferPointer(part), into: histogram)
        #expect(histogram[1] == HistogramEntry(gradient: 5, hessian: 2) && histogram[0] == HistogramEntry())
    }

    /// The best split of one feature whose bins hold (Σg, Σh, rows).
    private func split(_ cells: [(Double, Double, Int)], bins: FeatureBins, parameters: GBDTParameters = {
        var p = GBDTParameters(); p.minDataInLeaf = 1; return p
    }()) -> SplitCandidate {
        let entries = cells.map { HistogramEntry(gradient: $0.0, hessian: $0.1) }
        let total = LeafSums(gradient: cells.reduce(0) { $0 + $1.0 }, hessian: cells.reduce(0) { $0 + $1.1 }, count: cells.reduce(0) { $0 + $1.2 })
        return entries.withUnsafeBufferPointer { SplitFinder(parameters: parameters).bestSplit(feature: 0, bins: bins, histogram: $0, total: total) }
    }

    /// Left (G = −4, H = 2), right (G = 4, H = 2), parent (0, 4): gain 16/2 + 16/2 − 0 = 16.
    @Test func numericGainIsHandComputable() {
        let bins = FeatureBins(isCategorical: false, upperBounds: [0.5, .infinity], hasMissingBin: false, categoryBins: [])
        let best = split([(-4, 2, 2), (4, 2, 2)], bins: bins)
        #expect(best.thresholdBin == 0 && best.gain == 16)
        var regularised = GBDTParameters(); regularised.minDataInLeaf = 1; regularised.lambdaL2 = 2; regularised.lambdaL1 = 1
        // T(±4) = ±3 with λ1 = 1; (9/4 + 9/4) − 0 = 4.5
        let r = split([(-4, 2, 2), (4, 2, 2)], bins: bins, parameters: regularised)
        #expect(r.gain == 4.5)
        var strict = regularised; strict.minGainToSplit = 5
        #expect(split([(-4, 2, 2), (4, 2, 2)], bins: bins, parameters: strict).feature == -1)
    }

    /// Missing (G = −3) goes with the negative bin: (−6, 2) | (3, 1): 18 + 9 − 9/3 = 24, against
    /// 9 + 0 − 3 = 6 the other way.
    @Test func missingValuesLearnTheirDirection() {
        let bins = FeatureBins(isCategorical: false, upperBounds: [0.5, .infinity], hasMissingBin: true, categoryBins: [])
        let best = split([(-3, 1, 1), (3, 1, 1), (-3, 1, 1)], bins: bins)
        #expect(best.defaultLeft && best.gain == 24 && best.left.count == 2)
    }

    @Test func minDataInLeafUsesHessianEstimatedCounts() {
        let bins = FeatureBins(isCategorical: false, upperBounds: [0.5, .infinity], hasMissingBin: false, categoryBins: [])
        var parameters = GBDTParameters(); parameters.minDataInLeaf = 3
        // 4 rows left but with a tiny share of the hessian: estimated count round(0.1·8/1.1) = 1 < 3.
        let entries: [(Double, Double, Int)] = [(-1, 0.1, 4), (1, 1, 4)]
        #expect(split(entries, bins: bins, parameters: parameters).feature == -1)
        parameters.minDataInLeaf = 1
        #expect(split(entries, bins: bins, parameters: parameters).feature == 0)
    }

    @Test func fewCategoriesSplitOneAgainstTheRest() {
        let bins = FeatureBins(isCategorical: true, upperBounds: [], hasMissingBin: false, categoryBins: [5, 1, 3])
        let best = split([(2, 1, 1), (-5, 1, 1), (2, 1, 1), (1, 1, 1)], bins: bins)
        #expect(best.leftBins == [1])
    }

    @Test func manyCategoriesSplitByOrderedGroups() {
        var parameters = GBDTParameters(); parameters.minDataInLeaf = 1; parameters.minDataPerGroup = 1; parameters.categorySmoothing = 1
        let bins = FeatureBins(isCategorical: true, upperBounds: [], hasMissingBin: false, categoryBins: [0, 1, 2, 3, 4, 5])
        // Categories 1 and 4 have strongly negative gradients: they form the left set.
        let entries = [3.0, -30, 2, 4, -28, 3, 0].map { ($0, 10.0, 10) }
        let best = split(entries, bins: bins, parameters: parameters)
        #expect(best.leftBins == [1, 4])
    }
}

@Suite struct TreeEngineTests {
    /// y = 1 exactly when x > 0.5: one split at the midpoint between 0.5 and the next value
    /// (with `min_data_in_bin` 1, so that every value has its own bin).
    @Test func learnsAThresholdAndPredictsIt() throws {
        let x = (0..<200).map { Float($0) / 200 }
        let dataset = Dataset(columns: [numeric("x", x), numeric("noise", x.map { _ in 1 })], labels: x.map { $0 > 0.5 ? 1 : 0 }, rowCount: 200)
        var parameters = GBDTParameters(); parameters.trees = 1; parameters.numLeaves = 2; parameters.minDataInBin = 1
        let model = try GBDTTrainer.train(dataset, parameters: parameters)
        let tree = model.trees[0]
        #expect(tree.feature[0] == 0 && abs(tree.threshold[0] - 0.5025) < 1e-7 && tree.leafCount == 2)
        let p = try model.probabilities(dataset)
        #expect(zip(p, dataset.labels).allSatisfy { ($0 > 0.5) == ($1 == 1) })
    }

    private func syntheticTable(rows: Int, seed: UInt64) -> Dataset {
        var r = SeededGenerator(seed: seed)
        var a: [Float] = [], b: [Float] = [], c: [Int32] = [], y: [UInt8] = []
        for _ in 0..<rows {
            let u = Float(r.nextGaussian()), v = Float(r.nextGaussian()), k = Int32(r.nextInt(below: 6))
            a.append(r.nextDouble() < 0.05 ? .nan : u); b.append(v); c.append(k)
            let logit = 1.5 * Double(u) - Double(v * v) + (k == 2 || k == 4 ? 1 : -0.5)
            y.append(r.nextDouble() < 1 / (1 + exp(-logit)) ? 1 : 0)
        }
        return Dataset(columns: [numeric("a", a), numeric("b", b),
                                 .categorical(CategoricalColumn(name: "c", codes: c, categories: ["k0", "k1", "k2", "k3", "k4", "k5"]))],
                       labels: y, rowCount: rows)
    }

    @Test(arguments: GrowthPolicy.allCases)
    func everyGrowthPolicyLearns(_ growth: GrowthPolicy) throws {
        let train = syntheticTable(rows: 4000, seed: 1), test = syntheticTable(rows: 2000, seed: 2)
        var parameters = GBDTParameters(); parameters.growth = growth; parameters.trees = 60; parameters.maxDepth = growth == .leafwise ? -1 : 4
        let model = try GBDTTrainer.train(train, parameters: parameters)
        let auc = RankingMetrics.rocAUC(scores: try model.rawScores(test), labels: test.labels)
        #expect(auc > 0.8, "\(growth): AUC \(auc)")
        for tree in model.trees {
            switch growth {
            case .leafwise: #expect(tree.leafCount <= 31)
            case .depthwise: #expect(depth(tree) <= 4)
            case .oblivious:
                #expect(depth(tree) <= 4)
                // Every node of a level tests the same feature and threshold.
                var levels: [Int: Set<String>] = [:]
                func walk(_ node: Int, _ level: Int) {
                    guard tree.feature[node] >= 0 else { return }
                    levels[level, default: []].insert("\(tree.feature[node]):\(tree.threshold[node]):\(tree.categorySet[node] >= 0 ? "\(tree.categorySets[Int(tree.categorySet[node])])" : "")")
                    walk(Int(tree.left[node]), level + 1); walk(Int(tree.right[node]), level + 1)
                }
                walk(0, 0)
                #expect(levels.values.allSatisfy { $0.count == 1 })
            }
        }
    }

    private func depth(_ tree: Tree, _ node: Int = 0) -> Int {
        tree.feature[node] < 0 ? 0 : 1 + max(depth(tree, Int(tree.left[node])), depth(tree, Int(tree.right[node])))
    }

    @Test func sameSeedSameModelWhateverTheThreadCount() throws {
        let train = syntheticTable(rows: 30_000, seed: 3)
        var parameters = GBDTParameters(); parameters.trees = 20; parameters.featureFraction = 0.7
        parameters.baggingFraction = 0.8; parameters.baggingFrequency = 1; parameters.seed = 9
        parameters.threads = 1
        let one = try GBDTTrainer.train(train, parameters: parameters)
        parameters.threads = 4
        let four = try GBDTTrainer.train(train, parameters: parameters)
        #expect(one.trees == four.trees && one.initialScore == four.initialScore)
        parameters.seed = 10
        #expect(try GBDTTrainer.train(train, parameters: parameters).trees != one.trees)
        parameters.goss = true; parameters.baggingFrequency = 0; parameters.learningRate = 0.5
        parameters.threads = 1
        let gossOne = try GBDTTrainer.train(train, parameters: parameters)
        parameters.threads = 3
        #expect(try GBDTTrainer.train(train, parameters: parameters).trees == gossOne.trees)
    }

    @Test func earlyStoppingKeepsTheBestRound() throws {
        let train = syntheticTable(rows: 3000, seed: 4), valid = syntheticTable(rows: 1000, seed: 5)
        var parameters = GBDTParameters(); parameters.trees = 400; parameters.learningRate = 0.3; parameters.earlyStoppingRounds = 10
        let model = try GBDTTrainer.train(train, parameters: parameters, validation: valid)
        #expect(model.trees.count < 400)
        let best = model.validationHistory.enumerated().min { $0.element < $1.element }!
        #expect(model.trees.count == best.offset + 1)
        #expect(model.validationHistory.count == model.trees.count + 10)
    }

    @Test func bundleRoundTripGivesIdenticalPredictions() throws {
        let train = syntheticTable(rows: 2000, seed: 6)
        var parameters = GBDTParameters(); parameters.trees = 30
        let model = try GBDTTrainer.train(train, parameters: parameters)
        let directory = TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = directory.appendingPathComponent("model")
        let manifest = BundleManifest(modelKind: "gbdt", target: "y", inputSchema: model.features, parameters: parameters, seed: 0,
                                      dataFingerprint: train.fingerprint(), trainingRows: train.rowCount, metrics: [:])
        try ModelBundle.write(model, manifest: manifest, to: bundle)
        let (readManifest, readModel) = try ModelBundle.read(from: bundle)
        #expect(readModel == .gbdt(model))
        #expect(readManifest.dataFingerprint == train.fingerprint())
        #expect(try readModel.rawScores(train) == (try model.rawScores(train)))
        // Writing again replaces the bundle atomically; nothing else is left behind.
        try ModelBundle.write(model, manifest: manifest, to: bundle)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model"])
        // A changed byte is caught.
        let modelURL = bundle.appendingPathComponent(ModelBundle.modelFile)
        var bytes = try Data(contentsOf: modelURL)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: modelURL)
        #expect(throws: BundleError.self) { try ModelBundle.read(from: bundle) }
        #expect(throws: BundleError.self) { try ModelBundle.read(from: directory) }
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var chunked = SHA256()
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        million.withUnsafeBytes { chunked.update(UnsafeRawBufferPointer(rebasing: $0[0..<333])); chunked.update(UnsafeRawBufferPointer(rebasing: $0[333...])) }
        #expect(chunked.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    // MARK: Bad input

    @Test func awkwardColumnsAreHandled() throws {
        let n = 500
        var r = SeededGenerator(seed: 8)
        let signal = (0..<n).map { _ in Float(r.nextGaussian()) }
        let labels: [UInt8] = signal.map { $0 > 0 ? 1 : 0 }
        let manyCategories = (0..<n).map { Int32($0 % 300) }
        let columns: [Column] = [
            numeric("constant", [Float](repeating: 3, count: n)),
            numeric("all_missing", [Float](repeating: .nan, count: n)),
            numeric("infinite", (0..<n).map { $0 % 3 == 0 ? .infinity : ($0 % 3 == 1 ? -.infinity : 0) }),
            .categorical(CategoricalColumn(name: "singletons", codes: (0..<n).map { Int32($0) }, categories: (0..<n).map { "c\($0)" })),
            .categorical(CategoricalColumn(name: "many", codes: manyCategories, categories: (0..<300).map { "m\($0)" })),
            numeric("signal", signal),
        ]
        let dataset = Dataset(columns: columns, labels: labels, rowCount: n)
        var parameters = GBDTParameters(); parameters.trees = 10
        let model = try GBDTTrainer.train(dataset, parameters: parameters)
        let used = Set(model.trees.flatMap { $0.feature.filter { $0 >= 0 } })
        #expect(!used.contains(0) && !used.contains(1))  // nothing to learn from constant or empty columns
        #expect(model.featureBins[4].categoryBins.count <= 254)
        let scores = try model.rawScores(dataset)
        let allFinite = scores.allSatisfy { $0.isFinite }
        #expect(allFinite)
        #expect(RankingMetrics.rocAUC(scores: scores, labels: labels) > 0.95)
    }

    @Test func unusableDataIsRejectedWithAReason() {
        let oneClass = Dataset(columns: [numeric("x", [1, 2, 3])], labels: [1, 1, 1], rowCount: 3)
        #expect(throws: GBDTError.invalidData("the label has a single class (3 positive of 3 rows); a classifier needs both")) {
            try GBDTTrainer.train(oneClass, parameters: GBDTParameters())
        }
        let empty = Dataset(columns: [numeric("x", [])], labels: [], rowCount: 0)
        #expect(throws: GBDTError.invalidData("the training data has no rows")) { try GBDTTrainer.train(empty, parameters: GBDTParameters()) }
        var bad = GBDTParameters(); bad.numLeaves = 1
        #expect(throws: GBDTError.self) { try GBDTTrainer.train(oneClass, parameters: bad) }
        bad = GBDTParameters(); bad.maxBin = 300
        #expect(throws: GBDTError.invalidParameter("max-bin must be in 2…255")) { try bad.validate() }
    }

    @Test func predictionNeedsTheModelsColumns() throws {
        let train = syntheticTable(rows: 500, seed: 11)
        var parameters = GBDTParameters(); parameters.trees = 3
        let model = try GBDTTrainer.train(train, parameters: parameters)
        let missing = Dataset(columns: [train.columns[0]], labels: [], rowCount: 500)
        #expect(throws: FeatureMismatch.self) { try model.rawScores(missing) }
        // Columns in another order and an unseen category still score.
        guard case .categorical(let c) = train.columns[2] else { return }
        var codes = c.codes; codes[0] = 6
        let shuffled = Dataset(columns: [.categorical(CategoricalColumn(name: "c", codes: codes, categories: c.categories + ["new"])), train.columns[1], train.columns[0]],
                               labels: [], rowCount: 500)
        let scores = try model.rawScores(shuffled)
        #expect(Array(scores[1...]) == Array(try model.rawScores(train)[1...]))
    }
}
