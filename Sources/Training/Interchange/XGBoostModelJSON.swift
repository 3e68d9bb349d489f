import Core
import Foundation

/// XGBoost's JSON model (`Booster.save_model("model.json")`, XGBoost 1.0 and later) and its
/// trees as mlctl ``Tree``s.
///
/// What is read: `learner.objective.name` (`binary:logistic` only),
/// `learner.learner_model_param` (`base_score`, `num_feature`, `num_class`, `num_target`),
/// `learner.feature_names` (XGBoost's `f0`, `f1`, … when empty), `learner.feature_types`
/// (categorical `c` refused), and `learner.gradient_booster` (`gbtree` only) `.model.trees[]`.
///
/// **Trees.** Node i is a leaf when `left_children[i]` is −1; its output is
/// `split_conditions[i]` (learning rate included). An internal node sends
/// `split_indices[i]`'s value left when `value < split_conditions[i]` and a missing (NaN) value
/// the way `default_left[i]` says. XGBoost compares 32-bit floats, and mlctl goes left when
/// `value ≤ threshold` with the value a 32-bit float, so the threshold is the float just below
/// the condition (`Float.nextDown`): for every float v, v < c ⟺ v ≤ c.nextDown. Nodes are
/// renumbered in preorder from the root (pruned nodes XGBoost leaves in the arrays drop out).
/// `split_type` 1 (categorical) is refused.
///
/// **Base score.** For `binary:logistic` XGBoost stores `base_score` as a probability (a
/// string, `"5E-1"`, or from 3.0 a one-element list, `"[4E-1]"`); the raw score starts at
/// its log-odds.
///
/// **Explanations.** XGBoost keeps no row counts; its `pred_contrib` weighs nodes by
/// `sum_hessian`, which becomes ``Tree/cover`` with ``Tree/explainsByCover`` set. An internal
/// node's ``Tree/value`` is its leaves' cover-weighted mean (XGBoost's node mean value).
struct XGBoostModelJSON {
    var learner: JSONValue

    static func parse(_ data: Data) throws(ImportProblem) -> XGBoostModelJSON {
        let root: JSONValue
        do { root = try JSONParser.parse([UInt8](data)) } catch {
            throw ImportProblem("not an XGBoost JSON model: \(error)")
        }
        guard let learner = root["learner"], case .object = learner else {
            throw ImportProblem("not an XGBoost JSON model (no 'learner' object)")
        }
        return XGBoostModelJSON(learner: learner)
    }

    func converted() throws(ImportProblem) -> ImportedModel {
        let objective = try Self.string(learner["objective"]?["name"], "learner.objective.name")
        guard objective == "binary:logistic" else {
            throw ImportProblem("objective '\(objective)' is not supported: only binary:logistic")
        }
        let booster = try Self.string(learner["gradient_booster"]?["name"], "learner.gradient_booster.name")
        guard booster == "gbtree" else {
            throw ImportProblem("booster '\(booster)' is not supported: only gbtree")
        }
        let parameters = learner["learner_model_param"]
        for (key, allowed) in [("num_class", ["0", "1"]), ("num_target", ["1"])] {
            if let value = parameters?[key], case .string(let text) = value, !allowed.contains(text) {
                throw ImportProblem("learner_model_param.\(key) = \(text) is not supported: only binary classification")
            }
        }
        let featureCount = try ImportNumbers.int(Substring(try Self.string(parameters?["num_feature"], "learner_model_param.num_feature")),
                                                 "learner_model_param.num_feature")
        guard (1...1_000_000).contains(featureCount) else { throw ImportProblem("num_feature is \(featureCount)") }
        let features = try self.features(count: featureCount)
        let initialScore = try self.initialScore(parameters)
        guard case .array(let trees)? = learner["gradient_booster"]?["model"]?["trees"] else {
            throw ImportProblem("no learner.gradient_booster.model.trees list")
        }
        var converted: [Tree] = []
        for (index, tree) in trees.enumerated() {
            do throws(ImportProblem) { converted.append(try XGBoostTree(tree, featureCount: featureCount).mlctlTree()) } catch {
                throw ImportProblem("tree \(index): \(error.message)")
            }
        }
        var gbdtParameters = GBDTParameters()
        gbdtParameters.growth = .depthwise
        gbdtParameters.trees = converted.count
        let model = GBDTModel(features: features, initialScore: initialScore, trees: converted, parameters: gbdtParameters,
                              featureBins: [], validationHistory: [])
        var version = ""
        if case .array(let parts)? = learner["version"] ?? nil { version = parts.map { Self.numberText($0) }.joined(separator: ".") }
        return ImportedModel(model: model, provenance: ["library": "xgboost", "format": version, "objective": objective,
                                                        "trees": String(converted.count)])
    }

    /// The log-odds of `base_score`, a probability in (0, 1).
    private func initialScore(_ parameters: JSONValue?) throws(ImportProblem) -> Double {
        var text = Substring(try Self.string(parameters?["base_score"], "learner_model_param.base_score"))
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        let probability = try ImportNumbers.double(text, "base_score")
        guard probability > 0, probability < 1 else {
            throw ImportProblem("base_score \(probability) is not a probability strictly between 0 and 1 (binary:logistic)")
        }
        return logit(probability)
    }

    /// Names from `feature_names` (or `f0` …), all numeric; categorical types refused.
    private func features(count: Int) throws(ImportProblem) -> [ModelFeature] {
        var names = (0..<count).map { "f\($0)" }
        if case .array(let given)? = learner["feature_names"], !given.isEmpty {
            guard given.count == count else { throw ImportProblem("feature_names has \(given.count) names for num_feature = \(count)") }
            for (index, name) in given.enumerated() { names[index] = try Self.string(name, "feature_names[\(index)]") }
        }
        if case .array(let types)? = learner["feature_types"] {
            for (index, type) in types.enumerated() where type == .string("c") {
                throw ImportProblem("feature '\(index < names.count ? names[index] : "\(index)")' is categorical (feature type 'c'): not supported")
            }
        }
        return names.map { ModelFeature(name: $0, kind: .numeric, categories: nil) }
    }

    static func string(_ value: JSONValue?, _ what: String) throws(ImportProblem) -> String {
        guard case .string(let text)? = value else { throw ImportProblem("\(what) is missing or not text") }
        return text
    }

    private static func numberText(_ value: JSONValue) -> String {
        if case .number(let number) = value, number == number.rounded(), abs(number) < 1e9 { return String(Int(number)) }
        return "?"
    }
}

/// One tree of an XGBoost JSON model, arrays checked for length.
struct XGBoostTree {
    var left: [Int], right: [Int], feature: [Int], condition: [Double], defaultLeft: [Bool], hessian: [Double], gain: [Double]

    init(_ tree: JSONValue, featureCount: Int) throws(ImportProblem) {
        let nodes = try Self.numbers(tree["left_children"], "left_children", count: nil).count
        guard nodes >= 1 else { throw ImportProblem("the tree has no nodes") }
        left = try Self.indices(tree["left_children"], "left_children", count: nodes)
        right = try Self.indices(tree["right_children"], "right_children", count: nodes)
        feature = try Self.indices(tree["split_indices"], "split_indices", count: nodes)
        condition = try Self.numbers(tree["split_conditions"], "split_conditions", count: nodes)
        defaultLeft = try Self.numbers(tree["default_left"], "default_left", count: nodes).map { $0 != 0 }
        hessian = try Self.numbers(tree["sum_hessian"], "sum_hessian", count: nodes)
        gain = tree["loss_changes"] == nil ? [Double](repeating: 0, count: nodes) : try Self.numbers(tree["loss_changes"], "loss_changes", count: nodes)
        if tree["split_type"] != nil, let node = try Self.numbers(tree["split_type"], "split_type", count: nodes).firstIndex(where: { $0 != 0 }) {
            throw ImportProblem("node \(node) is a categorical split (split_type 1): not supported")
        }
        for node in 0..<nodes where left[node] != -1 && !(0..<featureCount).contains(feature[node]) {
            throw ImportProblem("node \(node): split_indices is \(feature[node]), outside the \(featureCount) features")
        }
    }

    /// The numbers of an array (booleans read as 0 and 1), `count` of them when given.
    private static func numbers(_ value: JSONValue?, _ key: String, count: Int?) throws(ImportProblem) -> [Double] {
        guard case .array(let items)? = value else { throw ImportProblem("no \(key) list") }
        if let count, items.count != count { throw ImportProblem("\(key) has \(items.count) entries, not \(count)") }
        var numbers: [Double] = []
        numbers.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            switch item {
            case .number(let number) where number.isFinite: numbers.append(number)
            case .bool(let flag): numbers.append(flag ? 1 : 0)
            default: throw ImportProblem("\(key)[\(index)] is not a finite number")
            }
        }
        return numbers
    }

    /// The whole numbers of an array of node or feature indices.
    private static func indices(_ value: JSONValue?, _ key: String, count: Int) throws(ImportProblem) -> [Int] {
        var indices: [Int] = []
        for (index, number) in try numbers(value, key, count: count).enumerated() {
            guard number == number.rounded(), abs(number) < 1e9 else {
                throw ImportProblem("\(key)[\(index)] is \(number), not a node or feature index")
            }
            indices.append(Int(number))
        }
        return indices
    }

    /// The tree in preorder from the root, as an mlctl tree explained by cover.
    func mlctlTree() throws(ImportProblem) -> Tree {
        var tree = Tree()
        tree.explainsByCover = true
        var visited = [Bool](repeating: false, count: left.count)
        // Iterative preorder: (XGBoost node, mlctl parent, whether it is the parent's left child).
        var pending: [(node: Int, parent: Int, isLeft: Bool, depth: Int)] = [(0, -1, false, 0)]
        while let (node, parent, isLeft, depth) = pending.popLast() {
            guard !visited[node] else { throw ImportProblem("node \(node) is reached twice (a cycle or a shared child)") }
            guard depth <= Tree.maximumDepth else { throw ImportProblem("deeper than the \(Tree.maximumDepth) levels accepted") }
            visited[node] = true
            let index = tree.feature.count
            if parent >= 0 { if isLeft { tree.left[parent] = Int32(index) } else { tree.right[parent] = Int32(index) } }
            let isLeaf = left[node] == -1
            let threshold = Double(Float(condition[node]).nextDown)
            tree.feature.append(isLeaf ? -1 : Int32(feature[node]))
            tree.threshold.append(isLeaf ? 0 : threshold)
            tree.defaultLeft.append(!isLeaf && defaultLeft[node])
            tree.categorySet.append(-1)
            tree.left.append(-1)
            tree.right.append(-1)
            tree.value.append(isLeaf ? condition[node] : 0)
            tree.count.append(0)
            tree.cover.append(hessian[node])
            tree.gain.append(isLeaf ? 0 : gain[node])
            guard !isLeaf else { continue }
            for (child, side) in [(left[node], "left"), (right[node], "right")] where !(0..<left.count).contains(child) {
                throw ImportProblem("node \(node): \(side) child \(child) is outside the tree's \(left.count) nodes")
            }
            if !threshold.isFinite { throw ImportProblem("node \(node): split condition \(condition[node]) has no float below it") }
            pending.append((right[node], index, false, depth + 1))
            pending.append((left[node], index, true, depth + 1))
        }
        // Internal values: the leaves' cover-weighted mean (children come after parents).
        for node in stride(from: tree.nodeCount - 1, through: 0, by: -1) where tree.feature[node] >= 0 {
            let l = Int(tree.left[node]), r = Int(tree.right[node]), weight = tree.cover[l] + tree.cover[r]
            tree.value[node] = weight > 0 ? (tree.value[l] * tree.cover[l] + tree.value[r] * tree.cover[r]) / weight : 0
        }
        return tree
    }
}
