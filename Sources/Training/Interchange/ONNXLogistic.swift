/// The logistic baseline as ONNX nodes, its preprocessing included, in doubles as mlctl
/// computes it. The raw score is the intercept (with the prior correction) plus three kinds of
/// terms, each an [N,1] column:
///
///     numeric inputs    X = the numeric inputs as doubles          Concat of Cast
///                       Z = NaN ? (fill − mean)/scale              Where(IsNaN(X), filled,
///                             : (x − mean) · (1/scale)                   Mul(Sub(X, mean), 1/scale))
///                       term = Z · β                               MatMul
///     indicators        term = IsNaN(X) · β (0 where none)         Cast, MatMul
///     one-hot blocks    term = β of the row's level: its text's    LabelEncoder (string → slot),
///                       column, `<missing>`'s for "" when trained  Gather from [β…, 0]
///                       with it, 0 for unseen or missing otherwise
///
/// A one-hot block times its coefficients is the coefficient of the one column that is 1, so
/// each block is one table lookup instead of a 0/1 matrix. The standardisation uses mlctl's
/// own constants (1/scale, the standardised fill), so the design values are mlctl's bit for
/// bit; only the order of the additions differs.
enum ONNXLogistic {
    /// Adds the nodes of `model`'s raw score and returns its name. `input(name)` is the graph
    /// input holding a feature (float for numeric features, string for categorical ones).
    /// nil for a model without inputs (nothing gives the row count).
    static func rawScore(_ model: LogisticModel, prefix: String, input: (String) -> String, into graph: inout ONNXGraphBuilder) -> String? {
        let preprocessor = model.preprocessor
        var terms: [String] = []
        let n = preprocessor.numeric.count
        if n > 0 {
            let columns = preprocessor.numeric.map { feature in
                graph.node("Cast", [input(feature.name)], output: "\(prefix)\(feature.name)/double", [.init("to", .int(ONNXProto.DataType.double.rawValue))])
            }
            let x = columns.count == 1 ? columns[0] : graph.node("Concat", columns, output: "\(prefix)numeric", [.init("axis", .int(1))])
            let mean = graph.constant("\(prefix)mean", doubles: preprocessor.numeric.map(\.mean))
            let inverseScale = graph.constant("\(prefix)inverse_scale", doubles: preprocessor.numeric.map { 1 / $0.scale })
            let filled = graph.constant("\(prefix)filled", doubles: preprocessor.numeric.map { ($0.fill - $0.mean) / $0.scale })
            let missing = graph.node("IsNaN", [x], output: "\(prefix)missing")
            let centred = graph.node("Sub", [x, mean], output: "\(prefix)centred")
            let scaled = graph.node("Mul", [centred, inverseScale], output: "\(prefix)scaled")
            let z = graph.node("Where", [missing, filled, scaled], output: "\(prefix)standardised")
            let beta = graph.constant("\(prefix)numeric_coefficients", doubles: Array(model.coefficients[0..<n]), dims: [Int64(n), 1])
            terms.append(graph.node("MatMul", [z, beta], output: "\(prefix)numeric_term"))
            if preprocessor.numeric.contains(where: \.indicator) {
                var indicatorBeta = [Double](repeating: 0, count: n), column = n
                for (k, input) in preprocessor.numeric.enumerated() where input.indicator {
                    indicatorBeta[k] = model.coefficients[column]
                    column += 1
                }
                let indicators = graph.node("Cast", [missing], output: "\(prefix)indicators", [.init("to", .int(ONNXProto.DataType.double.rawValue))])
                let weights = graph.constant("\(prefix)indicator_coefficients", doubles: indicatorBeta, dims: [Int64(n), 1])
                terms.append(graph.node("MatMul", [indicators, weights], output: "\(prefix)indicator_term"))
            }
        }
        var blockStart = preprocessor.continuousWidth
        for block in preprocessor.categorical {
            let name = block.name
            let width = block.levels.count + (block.missingLevel ? 1 : 0)
            guard width > 0 else { continue }   // no column: the block adds 0 to every row
            // Slots: the levels, then <missing> when trained with it, then a 0 for everything else.
            let table = Array(model.coefficients[blockStart..<(blockStart + width)]) + [0]
            var keys = block.levels, slots = (0..<block.levels.count).map(Int64.init)
            if block.missingLevel, !keys.contains("") {
                keys.append("")
                slots.append(Int64(block.levels.count))
            }
            let slot = graph.node("LabelEncoder", domain: "ai.onnx.ml", [input(name)], output: "\(prefix)\(name)/slot", [
                .init("default_int64", .int(Int64(width))), .init("keys_strings", .strings(keys)), .init("values_int64s", .ints(slots)),
            ])
            let coefficients = graph.constant("\(prefix)\(name)/coefficients", doubles: table)
            terms.append(graph.node("Gather", [coefficients, slot], output: "\(prefix)\(name)/term", [.init("axis", .int(0))]))
            blockStart += width
        }
        let offset = graph.constant("\(prefix)intercept", doubles: [model.intercept + model.priorCorrection])
        guard !terms.isEmpty else { return nil }
        let total = graph.sum(terms, output: "\(prefix)terms")
        return graph.node("Add", [total, offset], output: "\(prefix)raw")
    }
}
