import Foundation
import TestSupport
import Testing
@testable import Training

/// Damaged and unsupported model files are refused by ``ModelImport/read(_:format:)`` with a
/// message naming the file and the problem, never a crash; and single splits route every
/// value (NaN, ±0, around ±1e-35, around the threshold) as LightGBM and XGBoost do.
@Suite("Import: refusals and split semantics")
struct ModelImportRefusalTests {
    /// Imports `text` written to a temporary file named `name`; the error message, if any.
    static func refusal(_ text: String, name: String, format: ModelImportFormat) -> String? {
        let directory = TestPaths.temporaryDirectory("import-refusal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try! Data(text.utf8).write(to: url)
        do { _ = try ModelImport.read(url, format: format); return nil } catch { return error.description }
    }

    static let lightgbm = try! String(contentsOf: TestPaths.fixture("import/credit_data.lightgbm.txt"), encoding: .utf8)
    static let xgboost = try! String(contentsOf: TestPaths.fixture("import/credit_data.xgboost.json"), encoding: .utf8)

    /// Replaces the first match of `pattern` (a regular expression) in `text`.
    static func edit(_ text: String, _ pattern: String, _ replacement: String) -> String {
        let range = text.range(of: pattern, options: .regularExpression)!
        return text.replacingCharacters(in: range, with: replacement)
    }

    static let lightgbmMutations: [(String, @Sendable (String) -> String, String)] = [
        ("truncated", { String($0.prefix($0.utf8.count / 2)) }, "truncated: no 'end of trees'"),
        ("a tree less than tree_sizes", { edit($0, "Tree=29\n(.|\n)*?end of trees", "end of trees") }, "tree_sizes lists 30 trees but the file has 29"),
        ("wrong num_leaves", { edit($0, "num_leaves=15", "num_leaves=14") }, "tree 0: split_feature has 14 entries, not 13"),
        ("child out of range", { edit($0, "left_child=[-0-9]+", "left_child=99") }, "tree 0 node 0: left child 99 is outside the tree's 14 internal nodes"),
        ("leaf out of range", { edit($0, "right_child=[-0-9]+", "right_child=-40") }, "tree 0 node 0: right child -40 (leaf 39) is outside the tree's 15 leaves"),
        ("NaN leaf value", { edit($0, "leaf_value=[-0-9.e]+", "leaf_value=nan") }, "tree 0: leaf_value[0] is 'nan', not a finite number"),
        ("counts that do not add up", { edit($0, "internal_count=[0-9]+", "internal_count=7") }, "the converted model is not valid: tree 0 node 0: row count 7 is not the sum of its children's"),
        ("multiclass objective", { edit($0, "objective=binary sigmoid:1", "objective=multiclass num_class:3") }, "objective 'multiclass num_class:3' is not supported: only binary classification"),
        ("regression objective", { edit($0, "objective=binary sigmoid:1", "objective=regression") }, "objective 'regression' is not supported"),
        ("sigmoid 2", { edit($0, "sigmoid:1", "sigmoid:2") }, "the probability must be σ(raw score) (sigmoid:1)"),
        ("linear_tree", { edit($0, "\\[linear_tree: 0\\]", "[linear_tree: 1]") }, "linear_tree is not supported"),
        ("is_linear", { edit($0, "is_linear=0", "is_linear=1") }, "linear_tree is not supported"),
        ("feature index out of range", { edit($0, "split_feature=[0-9]+", "split_feature=99") }, "tree 0: split_feature[0] is 99, outside the 13 features"),
        ("unknown decision type", { edit($0, "decision_type=[0-9]+", "decision_type=14") }, "tree 0 node 0: decision_type 14 is not a LightGBM decision type"),
        ("not a model", { _ in "{\"learner\": {}}" }, "not a LightGBM text model (the first line is '{\"learner\": {}}', not 'tree')"),
    ]

    @Test(arguments: lightgbmMutations.indices)
    func damagedLightGBMFilesAreRefused(_ index: Int) {
        let (what, mutate, message) = Self.lightgbmMutations[index]
        let refusal = Self.refusal(mutate(Self.lightgbm), name: "model.txt", format: .lightgbm)
        #expect(refusal?.contains("model.txt: ") == true && refusal?.contains(message) == true, "\(what): \(refusal ?? "accepted")")
    }

    static let xgboostMutations: [(String, @Sendable (String) -> String, String)] = [
        ("truncated", { String($0.prefix($0.utf8.count / 2)) }, "not an XGBoost JSON model: invalid JSON"),
        ("objective", { $0.replacingOccurrences(of: "\"binary:logistic\"", with: "\"reg:squarederror\"") }, "objective 'reg:squarederror' is not supported: only binary:logistic"),
        ("dart", { edit($0, "\"name\":\"gbtree\"", "\"name\":\"dart\"") }, "booster 'dart' is not supported: only gbtree"),
        ("child out of range", { edit($0, "\"left_children\":\\[1,", "\"left_children\":[999,") }, "tree 0: node 0: left child 999 is outside the tree's"),
        ("a child short", { edit($0, "\"left_children\":\\[1,", "\"left_children\":[") }, "tree 0: right_children has"),
        ("categorical split", { edit($0, "\"split_type\":\\[0,", "\"split_type\":[1,") }, "tree 0: node 0 is a categorical split (split_type 1): not supported"),
        ("base score 1", { edit($0, "\"base_score\":\"[^\"]*\"", "\"base_score\":\"1E0\"") }, "base_score 1.0 is not a probability strictly between 0 and 1"),
        ("a cycle", { edit($0, "\"left_children\":\\[1,", "\"left_children\":[0,") }, "tree 0: node 0 is reached twice"),
    ]

    @Test(arguments: xgboostMutations.indices)
    func damagedXGBoostFilesAreRefused(_ index: Int) {
        let (what, mutate, message) = Self.xgboostMutations[index]
        let refusal = Self.refusal(mutate(Self.xgboost), name: "model.json", format: .xgboost)
        #expect(refusal?.contains("model.json: " + message) == true, "\(what): \(refusal ?? "accepted")")
    }

    // MARK: single splits

    /// LightGBM's `NumericalDecision` (tree.h) on a double.
    static func lightgbmGoesLeft(_ value: Double, threshold: Double, decisionType: Int) -> Bool {
        let missing = (decisionType >> 2) & 3
        var value = value
        if value.isNaN && missing != 2 { value = 0 }
        if (missing == 1 && abs(value) <= LightGBMModelText.zeroThreshold) || (missing == 2 && value.isNaN) { return decisionType & 2 != 0 }
        return value <= threshold
    }

    /// Every numeric decision type and thresholds around zero: each import routes the float
    /// values below as LightGBM does, and exactly the two Zero cases mlctl cannot express are
    /// refused.
    @Test func numericSplitsRouteAsLightGBM() throws {
        let zero = LightGBMModelText.zeroThreshold
        let thresholds = [-1, -zero, -1e-36, 0, 1e-36, zero, 0.5, 1]
        let values: [Float] = [.nan, 0, -0.0, 1e-36, -1e-36, Float(zero), -Float(zero), Float(zero).nextUp, -Float(zero).nextUp,
                               0.5, Float(0.5).nextDown, Float(0.5).nextUp, -1, Float(-1).nextDown, 1, 2, -2]
        for decisionType in stride(from: 0, to: 12, by: 2) {
            for threshold in thresholds {
                let missing = LightGBMTree.MissingType(rawValue: decisionType >> 2)!, defaultLeft = decisionType & 2 != 0
                let inexpressible = missing == .zero && (defaultLeft ? threshold < -zero : threshold > zero)
                guard let (converted, convertedDefault) = try? LightGBMTree.numericTest(threshold: threshold, missing: missing, defaultLeft: defaultLeft) else {
                    #expect(inexpressible, "decision type \(decisionType), threshold \(threshold) refused")
                    continue
                }
                #expect(!inexpressible, "decision type \(decisionType), threshold \(threshold) accepted")
                // A float value that rounds from the threshold's own float but is not the
                // threshold (1e-36 against the float nearest it) is the documented exception.
                for value in values where !(value == Float(threshold) && Double(value) != threshold) {
                    let mlctl = value.isNaN ? convertedDefault : Double(value) <= converted
                    #expect(mlctl == Self.lightgbmGoesLeft(Double(value), threshold: threshold, decisionType: decisionType),
                            "decision type \(decisionType), threshold \(threshold), value \(value)")
                }
            }
        }
    }

    /// A one-split LightGBM model on a categorical feature of 4 categories, {values} left.
    static func categoricalModel(missingType: Int, left values: [Int], pandas: Bool) -> String {
        let bits = values.reduce(0) { $0 | (1 << $1) }
        return """
            tree
            version=v4
            num_class=1
            num_tree_per_iteration=1
            label_index=0
            max_feature_idx=0
            objective=binary sigmoid:1
            feature_names=c
            feature_infos=0:1:2:3
            tree_sizes=1

            Tree=0
            num_leaves=2
            num_cat=1
            split_feature=0
            split_gain=1
            threshold=0
            decision_type=\(1 | missingType << 2)
            left_child=-1
            right_child=-2
            leaf_value=-1 1
            leaf_weight=3 1
            leaf_count=30 10
            internal_value=0
            internal_weight=4
            internal_count=40
            cat_boundaries=0 1
            cat_threshold=\(bits)
            is_linear=0
            shrinkage=1


            end of trees

            pandas_categorical:\(pandas ? "[[\"a\",\"b\",\"c\",\"d\"]]" : "null")

            """
    }

    /// Categorical splits: categories 0–3, missing and unseen values go where LightGBM sends
    /// them (pandas levels: an unseen level is NaN to LightGBM; integers: an unseen integer goes
    /// right), or the model is refused where mlctl cannot send them there.
    @Test(arguments: [0, 2], [false, true])
    func categoricalSplitsRouteAsLightGBM(missingType: Int, pandas: Bool) throws {
        for left in [[0], [1], [0, 2], [1, 3]] {
            let text = Self.categoricalModel(missingType: missingType, left: left, pandas: pandas)
            let nanIsZero = missingType != 2
            // LightGBM: NaN goes right under NaN, else as category 0; unseen: NaN (pandas) or right.
            let missingLeft = nanIsZero && left.contains(0)
            let unseenLeft = pandas && missingLeft
            let directory = TestPaths.temporaryDirectory("import-categorical")
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("model.txt")
            try Data(text.utf8).write(to: url)
            guard let model = try? ModelImport.read(url, format: .lightgbm).model else {
                #expect(!pandas && missingLeft, "left \(left), missing type \(missingType), pandas \(pandas): refused")
                continue
            }
            let tree = model.trees[0]
            for code in 0..<4 {
                let goesLeft = tree.value[tree.leaf([Float(code)])] < 0
                #expect(goesLeft == left.contains(code), "category \(code), left \(left)")
            }
            #expect((tree.value[tree.leaf([.nan])] < 0) == missingLeft, "missing, left \(left), missing type \(missingType)")
            #expect((tree.value[tree.leaf([Float(CategoricalColumn.missingCode)])] < 0) == missingLeft)
            #expect((tree.value[tree.leaf([Float(CategoricalColumn.unseenCode)])] < 0) == unseenLeft, "unseen, left \(left)")
        }
    }

    /// XGBoost sends `value < condition` left: the condition itself goes right, the float
    /// below it left, NaN the default way.
    @Test func xgboostConditionIsStrict() throws {
        let text = """
            {"learner":{"feature_names":["x"],"feature_types":["float"],"gradient_booster":{"model":{"trees":[{"left_children":[1,-1,-1],\
            "right_children":[2,-1,-1],"split_indices":[0,0,0],"split_conditions":[5E-1,-1E0,1E0],"default_left":[1,0,0],\
            "sum_hessian":[2E0,1.5E0,5E-1],"split_type":[0,0,0],"loss_changes":[1E0,0E0,0E0]}]},"name":"gbtree"},\
            "learner_model_param":{"base_score":"[5E-1]","num_class":"0","num_feature":"1","num_target":"1"},\
            "objective":{"name":"binary:logistic"}},"version":[3,2,0]}
            """
        let directory = TestPaths.temporaryDirectory("import-xgboost")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.json")
        try Data(text.utf8).write(to: url)
        let model = try ModelImport.read(url, format: .xgboost).model
        let tree = model.trees[0]
        #expect(model.initialScore == 0)
        for (value, left) in [(Float(0.5), false), (Float(0.5).nextDown, true), (Float(0.5).nextUp, false), (.nan, true), (-1, true)] {
            #expect((tree.value[tree.leaf([value])] < 0) == left, "value \(value)")
        }
        // Explained by cover: E = (−1 · 1.5 + 1 · 0.5) / 2 = −0.5.
        #expect(TreeSHAP.expectedValue(tree) == -0.5)
    }
}
