import Core

/// LightGBM's trees as mlctl ``Tree``s (see ``LightGBMModelText`` for the file).
///
/// **Nodes.** LightGBM numbers internal nodes 0…L−2 and leaves 0…L−1, a child index c < 0
/// meaning leaf ~c; here internal node i stays i and leaf j becomes L−1+j. Leaf values already
/// include the shrinkage (and, in the first tree, the average LightGBM boosts from), so the
/// initial score is 0. Row counts (`internal_count`, `leaf_count`) become ``Tree/count``:
/// LightGBM's `pred_contrib` weighs by them, as mlctl's TreeSHAP does. Hessian sums
/// (`internal_weight`, `leaf_weight`) become ``Tree/cover``.
///
/// **Numeric splits** (`decision_type` bit 0 clear). LightGBM goes left when `value ≤
/// threshold` (the threshold rounded to a float here, as mlctl's values are floats:
/// ``LightGBMTree/numericTest(threshold:missing:defaultLeft:)``), except for what its missing
/// type (bits 2–3) sends the default way (bit 1):
/// - NaN: NaN goes the default way — mlctl's own rule, kept as is;
/// - None: NaN is read as 0 — so NaN goes where 0 goes: default left iff 0 ≤ threshold;
/// - Zero: NaN and |value| ≤ 1e-35f (`kZeroThreshold`, "zero") go the default way. mlctl sends
///   a value one way by `≤ threshold` alone, so the node is rewritten when zero's interval
///   and the threshold agree: default left with threshold ≥ 1e-35 is `≤ threshold` already;
///   default left with threshold in [−1e-35, 1e-35) is `≤ 1e-35`; default right with
///   threshold < −1e-35 is `≤ threshold`; default right with threshold in [−1e-35, 1e-35] is
///   `< −1e-35` (`≤` the float below −1e-35). The other two (zero's interval on one side, values on both sides of it on the
///   other) need two tests and are refused, naming the node.
///
/// **Categorical splits** (bit 0 set). `threshold` indexes `cat_boundaries`, whose range of
/// `cat_threshold` is a bitset (32 values a word) of the category values that go left; any
/// other value goes right, and so does NaN under missing type NaN, while under None and Zero
/// LightGBM reads NaN as category 0.
/// - Categories of a pandas `category` column (`pandas_categorical` in the file): the value is
///   the level's position, so the mlctl dictionary is the level list (as text: a CSV field
///   equal to the level) and codes equal LightGBM's values. LightGBM's Python package turns a
///   level it does not know into NaN, so unseen and missing values go together; where NaN is
///   category 0 and category 0 goes left, the children are swapped and the set complemented
///   within the levels, which sends missing and unseen codes (mlctl: always right) the same
///   way LightGBM does.
/// - Integer category values (no `pandas_categorical`): the dictionary is `"0"` … `"m"` for the
///   largest value m in `feature_infos` or a bitset, so a CSV field `7` is code 7. An integer
///   LightGBM never saw goes right there and here; a node where NaN goes left as category 0
///   would need missing and unseen values to part, which mlctl's categorical test cannot do,
///   and is refused.
extension LightGBMModelText {
    /// LightGBM's `kZeroThreshold` (`1e-35f`) as the double it is compared as.
    static let zeroThreshold = Double(Float(1e-35))
    /// The largest integer category value accepted (a dictionary entry per value up to it).
    static let maximumCategoryValue = 1_000_000

    /// The model as mlctl trees, with provenance (not yet validated: ``ModelImport`` does it).
    /// - Throws: ``ImportProblem`` for what is not a binary model of plain trees, damaged
    ///   arrays, and splits mlctl cannot express.
    func converted() throws(ImportProblem) -> ImportedModel {
        try checkSupported()
        let names = (header["feature_names"] ?? "").split(separator: " ").map(String.init)
        let infos = (header["feature_infos"] ?? "").split(separator: " ").map(String.init)
        let featureCount = try ImportNumbers.int(Substring(header["max_feature_idx"] ?? ""), "max_feature_idx") + 1
        guard featureCount > 0, names.count == featureCount else {
            throw ImportProblem("feature_names has \(names.count) names for max_feature_idx+1 = \(featureCount) features")
        }
        guard infos.count == featureCount else {
            throw ImportProblem("feature_infos has \(infos.count) entries for \(featureCount) features")
        }
        let trees = try trees(featureCount: featureCount)
        let features = try features(names: names, infos: infos, trees: trees)
        var converted: [Tree] = []
        for (index, tree) in trees.enumerated() {
            do throws(ImportProblem) { converted.append(try tree.mlctlTree(features: features)) } catch {
                throw ImportProblem("tree \(index) \(error.message)")
            }
        }
        var gbdtParameters = GBDTParameters()
        gbdtParameters.trees = converted.count
        if let rate = parameters["learning_rate"].flatMap({ JSONParser.number($0) }) { gbdtParameters.learningRate = rate }
        let model = GBDTModel(features: features.map(\.feature), initialScore: 0, trees: converted, parameters: gbdtParameters,
                              featureBins: [], validationHistory: [])
        return ImportedModel(model: model, provenance: [
            "library": "lightgbm", "format": header["version"] ?? "", "objective": header["objective"] ?? "",
            "trees": String(converted.count),
        ])
    }

    /// Refuses what is not one binary model of plain (constant-leaf) trees.
    private func checkSupported() throws(ImportProblem) {
        let objective = header["objective"] ?? ""
        let words = objective.split(separator: " ")
        guard words.first == "binary" else {
            throw ImportProblem("objective '\(objective)' is not supported: only binary classification (objective=binary sigmoid:1)")
        }
        if let sigmoid = words.first(where: { $0.hasPrefix("sigmoid:") }), sigmoid != "sigmoid:1" {
            throw ImportProblem("objective '\(objective)' is not supported: the probability must be σ(raw score) (sigmoid:1)")
        }
        for (key, expected) in [("num_class", "1"), ("num_tree_per_iteration", "1")] where (header[key] ?? "1") != expected {
            throw ImportProblem("\(key)=\(header[key]!) is not supported: only one tree per iteration (binary)")
        }
        if header["average_output"] != nil {
            throw ImportProblem("average_output (random-forest mode) is not supported: the trees' outputs must add up")
        }
        if parameters["linear_tree"] == "1" || trees.contains(where: { $0["is_linear"] == "1" }) {
            throw ImportProblem("linear_tree is not supported: mlctl's leaves hold constants, not linear models")
        }
    }

    /// Every tree's arrays, read and checked for length (``LightGBMTree``).
    private func trees(featureCount: Int) throws(ImportProblem) -> [LightGBMTree] {
        var result: [LightGBMTree] = []
        for (index, fields) in trees.enumerated() {
            result.append(try LightGBMTree(LightGBMTreeFields(fields: fields, tree: index), featureCount: featureCount))
        }
        return result
    }

    /// The model's features: numeric, or categorical (`feature_infos` lists its values) with
    /// the dictionary described on this extension.
    private func features(names: [String], infos: [String], trees: [LightGBMTree]) throws(ImportProblem) -> [LightGBMFeature] {
        let categorical = infos.indices.filter { !infos[$0].hasPrefix("[") && infos[$0] != "none" }
        // A DataFrame without `category` columns writes an empty list: integer categories.
        let pandasCategorical = self.pandasCategorical?.isEmpty == true ? nil : self.pandasCategorical
        if let levels = pandasCategorical, levels.count != categorical.count {
            throw ImportProblem("pandas_categorical lists \(levels.count) categorical columns but feature_infos has \(categorical.count)")
        }
        var features = names.map { LightGBMFeature(feature: ModelFeature(name: $0, kind: .numeric, categories: nil), fromPandas: false) }
        for (position, feature) in categorical.enumerated() {
            var dictionary: [String]
            if let levels = pandasCategorical?[position] {
                dictionary = []
                for level in levels {
                    switch level {
                    case .string(let text): dictionary.append(text)
                    case .number(let number): dictionary.append(CSVWriter.formatNumber(Float(number)))
                    default: throw ImportProblem("pandas_categorical[\(position)]: a level is a \(level.typeName), not text or a number")
                    }
                }
                guard Set(dictionary).count == dictionary.count else {
                    throw ImportProblem("pandas_categorical[\(position)] ('\(names[feature])'): two levels have the same text")
                }
            } else {
                var largest = -1
                for item in infos[feature].split(separator: ":") {
                    largest = max(largest, try ImportNumbers.int(item, "feature_infos of '\(names[feature])'"))
                }
                for tree in trees { largest = max(largest, tree.largestCategory(feature: feature)) }
                guard largest <= Self.maximumCategoryValue else {
                    throw ImportProblem("categorical feature '\(names[feature])' has value \(largest), beyond the \(Self.maximumCategoryValue) accepted")
                }
                dictionary = (0...max(largest, 0)).map { String($0) }
            }
            features[feature] = LightGBMFeature(feature: ModelFeature(name: names[feature], kind: .categorical, categories: dictionary),
                                                fromPandas: pandasCategorical != nil)
        }
        return features
    }
}

/// A model feature and whether its categories are pandas levels (see ``LightGBMModelText``).
struct LightGBMFeature {
    var feature: ModelFeature
    var fromPandas: Bool
}

/// One LightGBM tree's arrays, lengths checked.
struct LightGBMTree {
    var leaves: Int
    var splitFeature: [Int], threshold: [Double], decisionType: [Int], leftChild: [Int], rightChild: [Int]
    var splitGain: [Double], internalValue: [Double], internalWeight: [Double], internalCount: [Int]
    var leafValue: [Double], leafWeight: [Double], leafCount: [Int]
    var categoryBoundaries: [Int], categoryWords: [UInt32]

    init(_ fields: LightGBMTreeFields, featureCount: Int) throws(ImportProblem) {
        leaves = try fields.int("num_leaves")
        guard leaves >= 1 else { throw ImportProblem("tree \(fields.tree): num_leaves is \(leaves)") }
        let splits = leaves - 1
        splitFeature = try fields.ints("split_feature", count: splits)
        threshold = try fields.doubles("threshold", count: splits)
        decisionType = try fields.ints("decision_type", count: splits)
        leftChild = try fields.ints("left_child", count: splits)
        rightChild = try fields.ints("right_child", count: splits)
        splitGain = try fields.doubles("split_gain", count: splits, required: false)
        internalValue = try fields.doubles("internal_value", count: splits, required: false)
        internalWeight = try fields.doubles("internal_weight", count: splits, required: false)
        internalCount = try fields.ints("internal_count", count: splits)
        leafValue = try fields.doubles("leaf_value", count: leaves)
        leafWeight = try fields.doubles("leaf_weight", count: leaves, required: false)
        leafCount = try fields.ints("leaf_count", count: leaves, required: leaves > 1)
        let categorySets = try fields.int("num_cat")
        guard categorySets >= 0 else { throw ImportProblem("tree \(fields.tree): num_cat is \(categorySets)") }
        categoryBoundaries = categorySets > 0 ? try fields.ints("cat_boundaries", count: categorySets + 1) : [0]
        guard categoryBoundaries.first == 0, zip(categoryBoundaries, categoryBoundaries.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ImportProblem("tree \(fields.tree): cat_boundaries does not start at 0 and rise")
        }
        let words = categorySets > 0 ? try fields.ints("cat_threshold", count: categoryBoundaries.last!) : []
        if let bad = words.firstIndex(where: { $0 < 0 || $0 > Int(UInt32.max) }) {
            throw ImportProblem("tree \(fields.tree): cat_threshold[\(bad)] is \(words[bad]), not a 32-bit word")
        }
        categoryWords = words.map { UInt32($0) }
        for (node, feature) in splitFeature.enumerated() where !(0..<featureCount).contains(feature) {
            throw ImportProblem("tree \(fields.tree): split_feature[\(node)] is \(feature), outside the \(featureCount) features")
        }
    }

    /// The category values of the set of categorical node `node`, or a problem.
    func categoryValues(node: Int) throws(ImportProblem) -> [Int] {
        let set = threshold[node]
        guard set == set.rounded(), set >= 0, Int(set) < categoryBoundaries.count - 1 else {
            throw ImportProblem("node \(node): category set \(set) is outside the tree's \(categoryBoundaries.count - 1) sets")
        }
        var values: [Int] = []
        for word in categoryBoundaries[Int(set)]..<categoryBoundaries[Int(set) + 1] {
            for bit in 0..<32 where categoryWords[word] & (1 << UInt32(bit)) != 0 {
                values.append((word - categoryBoundaries[Int(set)]) * 32 + bit)
            }
        }
        return values
    }

    /// The largest category value any categorical split on `feature` sends left (-1 if none).
    func largestCategory(feature: Int) -> Int {
        var largest = -1
        for node in splitFeature.indices where splitFeature[node] == feature && decisionType[node] & 1 != 0 {
            largest = max(largest, (try? categoryValues(node: node))?.max() ?? -1)
        }
        return largest
    }
}
