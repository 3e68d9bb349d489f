import Testing
@testable import Training

/// ``ProtobufWriter`` and ``ONNXProto`` against bytes worked out by hand from the protobuf
/// encoding rules (developers.google.com/protocol-buffers/docs/encoding) and onnx.proto's
/// field numbers.
@Suite("ONNX export: protobuf encoding")
struct ProtobufWriterTests {
    func varint(_ value: UInt64) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.appendVarint(value)
        return writer.bytes
    }

    @Test func varints() {
        #expect(varint(0) == [0x00])
        #expect(varint(1) == [0x01])
        #expect(varint(127) == [0x7F])
        #expect(varint(128) == [0x80, 0x01])
        #expect(varint(300) == [0xAC, 0x02])           // the protobuf documentation's example
        #expect(varint(UInt64.max) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func scalarFields() {
        var writer = ProtobufWriter()
        writer.int(1, 150)                              // key 0x08, varint 150 = 0x96 0x01
        writer.int(3, -1)                               // two's complement: ten bytes
        writer.float(2, 1)                              // key 0x15, 1.0f = 0x3F800000 little-endian
        writer.string(4, "hi")                          // key 0x22, length 2
        #expect(writer.bytes == [0x08, 0x96, 0x01,
                                 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
                                 0x15, 0x00, 0x00, 0x80, 0x3F,
                                 0x22, 0x02, 0x68, 0x69])
    }

    @Test func packedAndNested() {
        var writer = ProtobufWriter()
        writer.packedInts(8, [3, 270, 86942])           // the documentation's packed example: 0x42 06 03 8E 02 9E A7 05
        writer.packedDoubles(10, [1])                   // key 0x52, 8 bytes, 1.0 = 0x3FF0000000000000
        writer.packedFloats(7, [])                      // empty: nothing
        writer.message(1) { $0.int(1, 1) }              // key 0x0A, length 2, then 0x08 0x01
        #expect(writer.bytes == [0x42, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05,
                                 0x52, 0x08, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F,
                                 0x0A, 0x02, 0x08, 0x01])
    }

    /// A whole (tiny) model: one Sigmoid node from x to y with an int attribute, no inputs declared.
    @Test func smallModel() {
        var graph = ONNXProto.Graph(name: "g")
        graph.nodes = [ONNXProto.Node("Sigmoid", inputs: ["x"], outputs: ["y"], name: "n", attributes: [.init("k", .int(2))])]
        let model = ONNXProto.Model(irVersion: 10, operatorSets: [("", 17)], producerName: "p", producerVersion: "v",
                                    documentation: "", graph: graph, metadata: [("a", "b")])
        let node: [UInt8] = [0x0A, 0x01, 0x78,                             // input "x"
                             0x12, 0x01, 0x79,                             // output "y"
                             0x1A, 0x01, 0x6E,                             // name "n"
                             0x22, 0x07] + Array("Sigmoid".utf8) +         // op_type
                            [0x2A, 0x08, 0x0A, 0x01, 0x6B, 0x18, 0x02, 0xA0, 0x01, 0x02]  // attribute k: i = 2, type INT (field 20)
        let graphBytes: [UInt8] = [0x0A, UInt8(node.count)] + node + [0x12, 0x01, 0x67]
        let expected: [UInt8] = [0x08, 0x0A,                               // ir_version 10
                                 0x12, 0x01, 0x70, 0x1A, 0x01, 0x76,       // producer name, version
                                 0x3A, UInt8(graphBytes.count)] + graphBytes +
                                [0x42, 0x02, 0x10, 0x11,                   // opset_import (field 8): version 17, default domain
                                 0x72, 0x06, 0x0A, 0x01, 0x61, 0x12, 0x01, 0x62]  // metadata_props (field 14: key 14 << 3 | 2) a = b
        #expect(model.serialized() == expected)
    }
}
