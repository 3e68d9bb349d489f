/// Builds an ``ONNXProto/Graph`` a node at a time: each node's one output gets a name no other
/// value has (its name hint, or the hint with `#2`, `#3`, … appended), constants become
/// initializers, and the nodes stay in the order they were added (every value is made before
/// it is read, as ONNX requires).
struct ONNXGraphBuilder {
    var graph: ONNXProto.Graph
    private var names: Set<String> = []

    init(name: String) {
        graph = ONNXProto.Graph(name: name)
    }

    /// Reserves `name` (a graph input or output) so that no node output takes it.
    /// - Returns: false if the name was already taken.
    mutating func reserve(_ name: String) -> Bool {
        names.insert(name).inserted
    }

    /// A fresh value name from `hint`.
    mutating func freshName(_ hint: String) -> String {
        var name = hint, suffix = 2
        while names.contains(name) {
            name = "\(hint)#\(suffix)"
            suffix += 1
        }
        names.insert(name)
        return name
    }

    /// Adds a node of `opType` reading `inputs` and returns its output's name (fresh from
    /// `output`, or exactly `output` when `exactOutput` names a reserved graph output).
    @discardableResult
    mutating func node(_ opType: String, domain: String = "", _ inputs: [String], output: String, exactOutput: Bool = false,
                       _ attributes: [ONNXProto.Attribute] = []) -> String {
        let name = exactOutput ? output : freshName(output)
        graph.nodes.append(ONNXProto.Node(opType, domain: domain, inputs: inputs, outputs: [name], name: name, attributes: attributes))
        return name
    }

    /// Adds a constant double tensor of shape `dims` and returns its name.
    mutating func constant(_ hint: String, doubles: [Double], dims: [Int64]? = nil) -> String {
        let name = freshName(hint)
        graph.initializers.append(ONNXProto.Tensor(name: name, dims: dims ?? [Int64(doubles.count)], values: .doubles(doubles)))
        return name
    }

    /// Adds a constant int64 tensor (one-dimensional) and returns its name.
    mutating func integerConstant(_ hint: String, _ values: [Int64]) -> String {
        let name = freshName(hint)
        graph.initializers.append(ONNXProto.Tensor(name: name, dims: [Int64(values.count)], values: .int64s(values)))
        return name
    }

    /// The sum of `terms` ([N,1] each), added left to right.
    mutating func sum(_ terms: [String], output: String) -> String {
        var total = terms[0]
        for term in terms.dropFirst() { total = node("Add", [total, term], output: output) }
        return total
    }
}
