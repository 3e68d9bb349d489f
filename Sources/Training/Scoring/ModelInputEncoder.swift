/// One input value of a row to score, before encoding for a model.
public enum InputValue: Sendable, Equatable {
    case missing
    case number(Float)
    case text(String)
}

/// Builds the rows a model scores from loose values (a lead's features, a JSON instance):
/// columns in the model's order, categories coded with the model's own dictionaries (unknown
/// ones as unseen), so the model's alignment step has nothing left to do. Values of the other
/// kind are converted as the CSV reader would: text read as a number for a numeric feature
/// (NaN when it is not one), a number written as text for a categorical one.
public struct ModelInputEncoder: Sendable {
    public let features: [ModelFeature]
    /// The features' names, for checking the keys of an instance.
    public let featureNames: Set<String>
    private let codes: [[String: Int32]?]

    public init(features: [ModelFeature]) {
        self.features = features
        featureNames = Set(features.map(\.name))
        codes = features.map { feature in
            guard feature.kind == .categorical else { return nil }
            var map: [String: Int32] = [:]
            for (code, text) in (feature.categories ?? []).enumerated() { map[text] = Int32(code) }
            return map
        }
    }

    /// `rows` rows, row-major, one value per feature in the model's order: numbers as they
    /// are (NaN: missing), categories as their code in the model's dictionary, as a float
    /// (−1 missing, −2 unseen) — the layout tree models score directly. `value(row, feature)`
    /// gives each value.
    public func encode(rows: Int, value: (Int, Int) -> InputValue) -> [Float] {
        let width = features.count
        var out = [Float](repeating: .nan, count: rows * width)
        out.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                for k in 0..<width {
                    let input = value(row, k)
                    if let map = codes[k] {
                        let code: Int32
                        switch input {
                        case .missing: code = CategoricalColumn.missingCode
                        case .text(let text): code = map[text] ?? CategoricalColumn.unseenCode
                        case .number(let number):
                            code = number.isNaN ? CategoricalColumn.missingCode : map[CSVWriter.formatNumber(number)] ?? CategoricalColumn.unseenCode
                        }
                        out[row * width + k] = Float(code)
                    } else {
                        switch input {
                        case .missing: break
                        case .number(let number): out[row * width + k] = number
                        case .text(let text): out[row * width + k] = Float(text) ?? .nan
                        }
                    }
                }
            }
        }
        return out
    }

    /// The encoded rows as a ``Dataset`` (for models that read columns: linear models and
    /// ensembles), its categorical columns already in the model's dictionaries.
    public func dataset(encoded: [Float], rows: Int) -> Dataset {
        let width = features.count
        let columns = features.enumerated().map { k, feature -> Column in
            if codes[k] != nil {
                let column = (0..<rows).map { Int32(encoded[$0 * width + k]) }
                return .categorical(CategoricalColumn(name: feature.name, codes: column, categories: feature.categories ?? []))
            }
            return .numeric(NumericColumn(name: feature.name, values: (0..<rows).map { encoded[$0 * width + k] }))
        }
        return Dataset(columns: columns, labels: [], rowCount: rows)
    }
}
