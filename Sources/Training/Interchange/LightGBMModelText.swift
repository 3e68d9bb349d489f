import Core
import Foundation

/// LightGBM's text model (`Booster.save_model`, `model_to_string`) as written, before any
/// conversion: the header's `key=value` lines, each tree's, the `parameters:` block and the
/// `pandas_categorical` line. ``converted()`` (LightGBMImport.swift) turns it into mlctl trees.
///
/// Layout (LightGBM 3 and 4):
///
///     tree
///     version=v4
///     num_class=1 … objective=binary sigmoid:1
///     feature_names=a b c
///     feature_infos=[0:1] none 0:2:1          numeric [min:max], unused, categorical values
///     tree_sizes=554 568                      bytes of each tree block: one entry per tree
///
///     Tree=0
///     num_leaves=4
///     split_feature=… threshold=… decision_type=… left_child=… (one per internal node)
///     leaf_value=… leaf_count=… (one per leaf) …
///
///     end of trees
///     …
///     parameters:
///     [linear_tree: 0]
///     end of parameters
///
///     pandas_categorical:[["no","yes"]]       or null
struct LightGBMModelText {
    /// The header's keys (`version`, `num_class`, `objective`, `feature_names`, …).
    var header: [String: String]
    /// Each tree's keys, in file order (`Tree=0` first).
    var trees: [[String: String]]
    /// The `parameters:` block (`linear_tree` → `0`); empty when the file has none.
    var parameters: [String: String]
    /// The level lists of the pandas categorical columns, in column order, when the model was
    /// trained on a DataFrame with `category` columns; `nil` otherwise.
    var pandasCategorical: [[JSONValue]]?

    /// Parses the text of a model file.
    /// - Throws: ``ImportProblem``: not a LightGBM text model, truncated (no `end of trees`,
    ///   fewer trees than `tree_sizes` lists), trees out of order, a malformed line.
    static func parse(_ data: Data) throws(ImportProblem) -> LightGBMModelText {
        guard let text = String(data: data, encoding: .utf8) else { throw ImportProblem("not a LightGBM text model (not UTF-8 text)") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard lines.first == "tree" else {
            throw ImportProblem("not a LightGBM text model (the first line is '\((lines.first ?? "").prefix(40))', not 'tree')")
        }
        var model = LightGBMModelText(header: [:], trees: [], parameters: [:], pandasCategorical: nil)
        var index = 1, ended = false
        // The header, then tree blocks until `end of trees`.
        while index < lines.count {
            let line = lines[index]
            index += 1
            if line.isEmpty { continue }
            if line == "end of trees" { ended = true; break }
            guard let equals = line.firstIndex(of: "=") else {
                throw ImportProblem("line \(index): '\(line.prefix(40))' is not key=value")
            }
            let key = String(line[..<equals]), value = String(line[line.index(after: equals)...])
            if key == "Tree" {
                guard value == String(model.trees.count) else {
                    throw ImportProblem("line \(index): Tree=\(value.prefix(20)) where Tree=\(model.trees.count) was expected")
                }
                model.trees.append([:])
            } else if model.trees.isEmpty {
                model.header[key] = value
            } else {
                model.trees[model.trees.count - 1][key] = value
            }
        }
        guard ended else { throw ImportProblem("truncated: no 'end of trees' line after \(model.trees.count) trees") }
        let sizes = (model.header["tree_sizes"] ?? "").split(separator: " ")
        guard sizes.count == model.trees.count else {
            throw ImportProblem("tree_sizes lists \(sizes.count) trees but the file has \(model.trees.count)")
        }
        // What follows the trees: importances, `parameters:` … `end of parameters`, pandas.
        var inParameters = false
        while index < lines.count {
            let line = lines[index]
            index += 1
            if line == "parameters:" { inParameters = true; continue }
            if line == "end of parameters" { inParameters = false; continue }
            if inParameters, line.hasPrefix("["), line.hasSuffix("]"), let colon = line.firstIndex(of: ":") {
                let key = line[line.index(after: line.startIndex)..<colon]
                model.parameters[String(key)] = line[line.index(after: colon)..<line.index(before: line.endIndex)]
                    .trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("pandas_categorical:") {
                model.pandasCategorical = try pandasLevels(line.dropFirst("pandas_categorical:".count))
            }
        }
        return model
    }

    /// The `pandas_categorical` JSON: `null`, or a list of level lists.
    private static func pandasLevels(_ text: Substring) throws(ImportProblem) -> [[JSONValue]]? {
        let value: JSONValue
        do { value = try JSONParser.parse(Array(text.utf8)) } catch {
            throw ImportProblem("pandas_categorical: \(error)")
        }
        if case .null = value { return nil }
        guard case .array(let columns) = value else { throw ImportProblem("pandas_categorical is a \(value.typeName), not a list") }
        var levels: [[JSONValue]] = []
        for (index, column) in columns.enumerated() {
            guard case .array(let list) = column else {
                throw ImportProblem("pandas_categorical[\(index)] is a \(column.typeName), not a list of levels")
            }
            levels.append(list)
        }
        return levels
    }
}

/// Typed access to one tree block's keys, with problems named by the tree and key.
struct LightGBMTreeFields {
    var fields: [String: String]
    var tree: Int

    /// The value of `key`, required.
    func string(_ key: String) throws(ImportProblem) -> String {
        guard let value = fields[key] else { throw ImportProblem("tree \(tree): no \(key)") }
        return value
    }

    func int(_ key: String) throws(ImportProblem) -> Int {
        try ImportNumbers.int(Substring(try string(key)), "tree \(tree): \(key)")
    }

    /// The space-separated numbers of `key`: exactly `count` of them; an absent key is an error
    /// unless `required` is false, when it reads as `count` zeros.
    func doubles(_ key: String, count: Int, required: Bool = true) throws(ImportProblem) -> [Double] {
        try numbers(key, count: count, required: required, zero: 0.0) { (text, what) throws(ImportProblem) in try ImportNumbers.double(text, what) }
    }

    /// Whole numbers of `key` (see ``doubles(_:count:required:)``).
    func ints(_ key: String, count: Int, required: Bool = true) throws(ImportProblem) -> [Int] {
        try numbers(key, count: count, required: required, zero: 0) { (text, what) throws(ImportProblem) in try ImportNumbers.int(text, what) }
    }

    private func numbers<T>(_ key: String, count: Int, required: Bool, zero: T,
                            parse: (Substring, String) throws(ImportProblem) -> T) throws(ImportProblem) -> [T] {
        guard let text = fields[key] else {
            if required && count > 0 { throw ImportProblem("tree \(tree): no \(key)") }
            return [T](repeating: zero, count: count)
        }
        let items = text.split(separator: " ")
        guard items.count == count else { throw ImportProblem("tree \(tree): \(key) has \(items.count) entries, not \(count)") }
        var values: [T] = []
        values.reserveCapacity(count)
        for (index, item) in items.enumerated() { values.append(try parse(item, "tree \(tree): \(key)[\(index)]")) }
        return values
    }
}
