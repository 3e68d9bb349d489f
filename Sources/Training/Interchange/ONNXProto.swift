/// The ONNX messages the export writes (`onnx.proto`), as plain values that encode themselves
/// with ``ProtobufWriter``. Only the fields mlctl uses are modelled; the field numbers are
/// onnx.proto's.
public enum ONNXProto {
    /// `TensorProto.DataType`.
    public enum DataType: Int64, Sendable {
        case float = 1, uint8 = 2, int64 = 7, string = 8, bool = 9, double = 11
    }

    /// `TensorProto`: a named constant (an initializer or a tensor attribute).
    public struct Tensor: Sendable, Equatable {
        public enum Values: Sendable, Equatable {
            case doubles([Double])
            case int64s([Int64])
            /// Written as `raw_data`, one byte each.
            case uint8s([UInt8])
        }

        public var name: String
        public var dims: [Int64]
        public var values: Values

        public init(name: String = "", dims: [Int64], values: Values) {
            self.name = name
            self.dims = dims
            self.values = values
        }

        /// A one-dimensional tensor of `values`.
        public static func vector(_ values: Values, name: String = "") -> Tensor {
            let count: Int
            switch values {
            case .doubles(let v): count = v.count
            case .int64s(let v): count = v.count
            case .uint8s(let v): count = v.count
            }
            return Tensor(name: name, dims: [Int64(count)], values: values)
        }

        func encode(_ out: inout ProtobufWriter) {
            out.packedInts(1, dims)
            switch values {
            case .doubles(let v):
                out.int(2, DataType.double.rawValue)
                out.packedDoubles(10, v)
            case .int64s(let v):
                out.int(2, DataType.int64.rawValue)
                out.packedInts(7, v)
            case .uint8s(let v):
                out.int(2, DataType.uint8.rawValue)
                out.bytes(9, v)
            }
            if !name.isEmpty { out.string(8, name) }
        }
    }

    /// `AttributeProto`: a node's named setting.
    public struct Attribute: Sendable, Equatable {
        public enum Value: Sendable, Equatable {
            case int(Int64), float(Float), string(String), ints([Int64]), floats([Float]), strings([String]), tensor(Tensor)
        }

        public var name: String
        public var value: Value

        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }

        func encode(_ out: inout ProtobufWriter) {
            out.string(1, name)
            // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
            let type: Int64
            switch value {
            case .float(let f): out.float(2, f); type = 1
            case .int(let i): out.int(3, i); type = 2
            case .string(let s): out.string(4, s); type = 3
            case .tensor(let t): out.message(5) { t.encode(&$0) }; type = 4
            case .floats(let f): out.packedFloats(7, f); type = 6
            case .ints(let i): out.packedInts(8, i); type = 7
            case .strings(let s): for item in s { out.string(9, item) }; type = 8
            }
            out.int(20, type)
        }
    }

    /// `NodeProto`: one operator applied to named values.
    public struct Node: Sendable, Equatable {
        public var opType: String
        /// "" for the default operator set, `ai.onnx.ml` for the machine-learning one.
        public var domain: String
        public var inputs: [String]
        public var outputs: [String]
        public var name: String
        public var attributes: [Attribute]

        public init(_ opType: String, domain: String = "", inputs: [String], outputs: [String], name: String, attributes: [Attribute] = []) {
            self.opType = opType
            self.domain = domain
            self.inputs = inputs
            self.outputs = outputs
            self.name = name
            self.attributes = attributes
        }

        func encode(_ out: inout ProtobufWriter) {
            for input in inputs { out.string(1, input) }
            for output in outputs { out.string(2, output) }
            out.string(3, name)
            out.string(4, opType)
            for attribute in attributes { out.message(5) { attribute.encode(&$0) } }
            if !domain.isEmpty { out.string(7, domain) }
        }
    }

    /// `ValueInfoProto` of a tensor: a graph input's or output's name, element type and shape
    /// (a number per fixed dimension, a name for a variable one such as the row count).
    public struct ValueInfo: Sendable, Equatable {
        public enum Dimension: Sendable, Equatable { case value(Int64), parameter(String) }

        public var name: String
        public var elementType: DataType
        public var shape: [Dimension]
        public var documentation: String

        public init(name: String, elementType: DataType, shape: [Dimension], documentation: String = "") {
            self.name = name
            self.elementType = elementType
            self.shape = shape
            self.documentation = documentation
        }

        func encode(_ out: inout ProtobufWriter) {
            out.string(1, name)
            out.message(2) { type in            // TypeProto
                type.message(1) { tensor in     // TypeProto.Tensor
                    tensor.int(1, elementType.rawValue)
                    tensor.message(2) { shapeProto in
                        for dimension in shape {
                            shapeProto.message(1) { dim in
                                switch dimension {
                                case .value(let v): dim.int(1, v)
                                case .parameter(let p): dim.string(2, p)
                                }
                            }
                        }
                    }
                }
            }
            if !documentation.isEmpty { out.string(3, documentation) }
        }
    }

    /// `GraphProto`: nodes in an order where every value is made before it is read.
    public struct Graph: Sendable, Equatable {
        public var name: String
        public var nodes: [Node] = []
        public var initializers: [Tensor] = []
        public var inputs: [ValueInfo] = []
        public var outputs: [ValueInfo] = []
        public var documentation = ""

        public init(name: String) {
            self.name = name
        }

        func encode(_ out: inout ProtobufWriter) {
            for node in nodes { out.message(1) { node.encode(&$0) } }
            out.string(2, name)
            for tensor in initializers { out.message(5) { tensor.encode(&$0) } }
            if !documentation.isEmpty { out.string(10, documentation) }
            for input in inputs { out.message(11) { input.encode(&$0) } }
            for output in outputs { out.message(12) { output.encode(&$0) } }
        }
    }

    /// `ModelProto`: the file.
    public struct Model: Sendable, Equatable {
        public var irVersion: Int64
        /// (domain, version) of each operator set the nodes use.
        public var operatorSets: [(domain: String, version: Int64)]
        public var producerName: String
        public var producerVersion: String
        public var documentation: String
        public var graph: Graph
        /// `metadata_props`, in order.
        public var metadata: [(key: String, value: String)]

        public static func == (a: Model, b: Model) -> Bool { a.serialized() == b.serialized() }

        public init(irVersion: Int64, operatorSets: [(domain: String, version: Int64)], producerName: String, producerVersion: String,
                    documentation: String, graph: Graph, metadata: [(key: String, value: String)]) {
            self.irVersion = irVersion
            self.operatorSets = operatorSets
            self.producerName = producerName
            self.producerVersion = producerVersion
            self.documentation = documentation
            self.graph = graph
            self.metadata = metadata
        }

        /// The model's bytes, as an `.onnx` file holds them.
        public func serialized() -> [UInt8] {
            var out = ProtobufWriter()
            out.int(1, irVersion)
            out.string(2, producerName)
            out.string(3, producerVersion)
            if !documentation.isEmpty { out.string(6, documentation) }
            out.message(7) { graph.encode(&$0) }
            for set in operatorSets {
                out.message(8) { opset in
                    if !set.domain.isEmpty { opset.string(1, set.domain) }
                    opset.int(2, set.version)
                }
            }
            for entry in metadata {
                out.message(14) { pair in
                    pair.string(1, entry.key)
                    pair.string(2, entry.value)
                }
            }
            return out.bytes
        }
    }
}
