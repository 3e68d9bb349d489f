import Core
import Foundation
import Testing
import TestSupport
@testable import Training

/// ``ModelBundle/read(from:)`` refuses a model file that scoring could not walk safely, naming
/// the file and the problem (``ModelValidation``): one case per kind of damage, each an edit of
/// a bundle from ``SmallBundles`` with the checksum recomputed, as a hand edit would leave it.
@Suite struct ModelValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sample: String
        var file = ModelBundle.modelFile
        /// The edited model and manifest (nil: unchanged) and the message expected, given the
        /// bundle and the model it held.
        var edit: @Sendable (EditedBundle, TrainedModel) throws -> (model: JSONValue?, manifest: JSONValue?, expected: String)
        var testDescription: String { name }
    }

    /// Tree 1 of the golden model: its node count, first internal node below the root, first
    /// leaf, and first numeric split.
    static func goldenTree(_ model: TrainedModel) -> (tree: Tree, nodes: Int, internalChild: Int, leaf: Int, numericSplit: Int) {
        let tree = model.gbdt!.trees[1]
        let nodes = 0..<tree.nodeCount
        return (tree, tree.nodeCount, nodes.first { $0 > 0 && tree.feature[$0] >= 0 }!, nodes.first { tree.feature[$0] < 0 }!,
                nodes.first { tree.feature[$0] >= 0 && tree.categorySet[$0] < 0 }!)
    }

    static func tree1(_ field: String, _ node: Int) -> [JSONValue.Step] { [.key("trees"), .index(1), .key(field), .index(node)] }

    static let cases: [Case] = [
        Case(name: "a child index out of range", sample: "golden") { bundle, model in
            let golden = goldenTree(model)
            return (bundle.model(setting: tree1("right", 0), to: .number(912)), nil,
                    "tree 1 node 0: right child 912 is outside the tree's \(golden.nodes) nodes")
        },
        Case(name: "a negative child index", sample: "golden") { bundle, model in
            (bundle.model(setting: tree1("left", 0), to: .number(-3)), nil,
             "tree 1 node 0: left child -3 is outside the tree's \(goldenTree(model).nodes) nodes")
        },
        Case(name: "a cycle back to the root", sample: "golden") { bundle, model in
            let node = goldenTree(model).internalChild
            return (bundle.model(setting: tree1("left", node), to: .number(0)), nil,
                    "tree 1 node \(node): left child 0 is reached a second time (a cycle, or a node with two parents)")
        },
        Case(name: "a node that is its own child", sample: "golden") { bundle, model in
            let node = goldenTree(model).internalChild
            return (bundle.model(setting: tree1("right", node), to: .number(Double(node))), nil,
                    "tree 1 node \(node): right child \(node) is reached a second time (a cycle, or a node with two parents)")
        },
        Case(name: "a feature index out of range", sample: "golden") { bundle, model in
            (bundle.model(setting: tree1("feature", 0), to: .number(99)), nil,
             "tree 1 node 0: feature 99 is outside the model's \(model.features.count) features")
        },
        Case(name: "a numeric split on a categorical feature", sample: "golden") { bundle, model in
            let node = goldenTree(model).numericSplit
            let categorical = model.features.firstIndex { $0.kind == .categorical }!
            return (bundle.model(setting: tree1("feature", node), to: .number(Double(categorical))), nil,
                    "tree 1 node \(node): a numeric split on categorical feature \(categorical) '\(model.features[categorical].name)'")
        },
        Case(name: "a NaN leaf", sample: "golden") { bundle, model in
            let leaf = goldenTree(model).leaf
            return (bundle.model(setting: tree1("value", leaf), to: .string("nan")), nil, "tree 1 node \(leaf): value is nan, not a finite number")
        },
        Case(name: "a huge leaf", sample: "golden") { bundle, model in
            let leaf = goldenTree(model).leaf
            return (bundle.model(setting: tree1("value", leaf), to: .number(1e300)), nil,
                    "tree 1 node \(leaf): value is 1e+300, beyond the limit of ±1e+100")
        },
        Case(name: "a short per-node array", sample: "golden") { bundle, model in
            let nodes = goldenTree(model).nodes
            return (bundle.model(setting: tree1("count", nodes - 1), to: JSONValue.removed), nil,
                    "tree 1: count has \(nodes - 1) entries for the tree's \(nodes) nodes")
        },
        Case(name: "a category set that does not exist", sample: "leafwise") { bundle, model in
            let trees = model.gbdt!.trees
            let (t, node) = trees.indices.lazy.compactMap { t in trees[t].categorySet.firstIndex { $0 >= 0 }.map { (t, $0) } }.first!
            let sets = trees[t].categorySets.count
            return (bundle.model(setting: [.key("trees"), .index(t), .key("categorySet"), .index(node)], to: .number(Double(sets))), nil,
                    "tree \(t) node \(node): category set \(sets) is outside the tree's \(sets) category sets")
        },
        Case(name: "a coefficient vector of the wrong length", sample: "logistic") { bundle, model in
            guard case .logistic(let linear) = model else { throw ModelValidationError("not a linear model") }
            let width = linear.coefficients.count
            return (bundle.model(setting: [.key("coefficients"), .index(width - 1)], to: JSONValue.removed), nil,
                    "coefficients has \(width - 1) entries, not \(width) (one per design column)")
        },
        Case(name: "a scale of zero", sample: "logistic") { bundle, _ in
            (bundle.model(setting: [.key("preprocessor"), .key("numeric"), .index(1), .key("scale")], to: .number(0)), nil,
             "preprocessor: numeric[1].scale is 0.0, below the smallest scale accepted, 1e-100")
        },
        Case(name: "a NaN member weight", sample: "ensemble") { bundle, _ in
            (bundle.model(setting: [.key("members"), .index(1), .key("weight")], to: .string("nan")), nil,
             "member 1 'leafwise': weight is nan, not a finite number")
        },
        Case(name: "a broken tree inside a member", sample: "ensemble") { bundle, model in
            guard case .ensemble(let ensemble) = model, let trees = ensemble.members[3].model.gbdt?.trees else { throw ModelValidationError("no trees") }
            let path: [JSONValue.Step] = [.key("members"), .index(3), .key("model"), .key("model"), .key("trees"), .index(0), .key("left"), .index(0)]
            return (bundle.model(setting: path, to: .number(-1)), nil,
                    "member 3 'oblivious' tree 0 node 0: left child -1 is outside the tree's \(trees[0].nodeCount) nodes")
        },
        Case(name: "an ensemble whose weights are all 0", sample: "ensemble") { bundle, _ in
            var edited = bundle.model
            for member in 0..<4 { edited.update(at: [.key("members"), .index(member), .key("weight")]) { $0 = .number(0) } }
            return (edited, nil, "no member has a weight other than 0 (4 members)")
        },
        Case(name: "a NaN Platt parameter", sample: "leafwise", file: ModelBundle.manifestFile) { bundle, _ in
            let path: [JSONValue.Step] = [.key("calibration"), .key("platt"), .key("_0"), .key("a")]
            guard bundle.manifest[path] != nil else { throw ModelValidationError("no Platt parameter at \(path)") }
            var edited = bundle.manifest
            edited.update(at: path) { $0 = .string("nan") }
            return (nil, edited, "calibration: Platt parameter a is nan, not a finite number")
        },
        Case(name: "four quality cut-offs", sample: "logistic", file: ModelBundle.manifestFile) { bundle, _ in
            var edited = bundle.manifest
            edited.update(at: [.key("qualityLevels"), .key("cutoffs")]) { $0 = .array([.number(0.9), .number(0.6), .number(0.3), .number(0.1)]) }
            return (nil, edited, "qualityLevels: cutoffs has 4 entries, not 3 (one per quality level above the lowest)")
        },
        Case(name: "score-profile edges out of order", sample: "leafwise", file: ModelBundle.manifestFile) { bundle, _ in
            var edited = bundle.manifest
            edited.update(at: [.key("scoreProfile"), .key("edges")]) { $0 = .array([.number(0.2), .number(0.2), .number(0.5)]) }
            edited.update(at: [.key("scoreProfile"), .key("shares")]) { $0 = .array([.number(0.25), .number(0.25), .number(0.25), .number(0.25)]) }
            return (nil, edited, "scoreProfile: edges[1] is 0.2, not above the edge before it")
        },
        Case(name: "a score-profile share of 2", sample: "depthwise", file: ModelBundle.manifestFile) { bundle, _ in
            var edited = bundle.manifest
            edited.update(at: [.key("scoreProfile"), .key("shares"), .index(0)]) { $0 = .number(2) }
            return (nil, edited, "scoreProfile: shares[0] is 2.0, not a share")
        },
    ]

    @Test(arguments: cases)
    func aDamagedBundleIsRefusedNamingTheFileAndTheProblem(_ test: Case) throws {
        let directory = TestPaths.temporaryDirectory("mlctl-model-validation")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = try SmallBundles.all[test.sample]!.bundle(in: directory)
        let (_, model) = try ModelBundle.read(from: bundle.directory)
        let edit = try test.edit(bundle, model)
        try bundle.write(model: edit.model, manifest: edit.manifest)
        let error = try #require(throws: BundleError.self) { try ModelBundle.read(from: bundle.directory) }
        #expect(error.description == "\(bundle.directory.appendingPathComponent(test.file).path): \(edit.expected)")
    }

    /// A chain of `depth` splits on one feature, each with a leaf on its left.
    static func chain(depth: Int) -> Tree {
        var tree = Tree()
        var node = tree.addLeaf(value: 0, count: 1, cover: 1)
        var splits: [Int] = []
        for level in 0..<depth {
            tree.feature[node] = 0
            tree.threshold[node] = Double(level)
            let left = tree.addLeaf(value: Double(level % 7) / 10, count: 1, cover: 1)
            let right = tree.addLeaf(value: -0.1, count: 1, cover: 1)
            tree.left[node] = Int32(left)
            tree.right[node] = Int32(right)
            splits.append(node)
            node = right
        }
        for split in splits.reversed() { tree.count[split] = tree.count[Int(tree.left[split])] + tree.count[Int(tree.right[split])] }
        return tree
    }

    /// What a thread of its own computed for one row.
    final class ExplainedRow: @unchecked Sendable {
        var raw: Double?
        var phi: [Double] = []
        let done = DispatchSemaphore(value: 0)
    }

    /// The explainer lays trees out by recursion: trees up to the limit load and explain, on a
    /// thread with 2 MiB of stack, half what the service's event loops have; deeper ones are refused.
    @Test func treesUpToTheDepthLimitExplainDeeperOnesAreRefused() throws {
        let directory = TestPaths.temporaryDirectory("mlctl-model-depth")
        defer { try? FileManager.default.removeItem(at: directory) }
        for depth in [Tree.maximumDepth, Tree.maximumDepth + 1] {
            let model = GBDTModel(features: [ModelFeature(name: "x", kind: .numeric, categories: nil)], initialScore: 0.5,
                                  trees: [Self.chain(depth: depth)], parameters: GBDTParameters(), featureBins: [], validationHistory: [])
            let bundle = directory.appendingPathComponent("depth-\(depth)")
            try ModelBundle.write(model, manifest: BundleManifest(modelKind: "gbdt", target: nil, inputSchema: model.features, seed: 0,
                                                                  dataFingerprint: "", trainingRows: 0, metrics: [:]), to: bundle)
            guard depth <= Tree.maximumDepth else {
                let error = try #require(throws: BundleError.self) { try ModelBundle.read(from: bundle) }
                #expect(error.message == "tree 0 node \(2 * Tree.maximumDepth): deeper than the \(Tree.maximumDepth) levels accepted")
                continue
            }
            let (_, read) = try ModelBundle.read(from: bundle)
            let result = ExplainedRow()
            let thread = Thread {
                let prepared = PreparedModel(read)
                var row: [Float] = [Float(depth) - 1.5]  // right at every split but the last
                row.withUnsafeMutableBufferPointer { row in
                    result.raw = try? prepared.rawScore(row: row.baseAddress!)
                    result.phi = [Double](repeating: 0, count: prepared.contributionWidth)
                    try? result.phi.withUnsafeMutableBufferPointer { try prepared.addContributions(row: row.baseAddress!, to: $0.baseAddress!) }
                }
                result.done.signal()
            }
            thread.stackSize = 2 << 20
            thread.start()
            result.done.wait()
            let raw = try #require(result.raw), phi = result.phi
            #expect(raw == 0.5 + Double((depth - 1) % 7) / 10)
            #expect(abs(phi[0] + model.expectedRawScore - raw) < 1e-9)
        }
    }
}
