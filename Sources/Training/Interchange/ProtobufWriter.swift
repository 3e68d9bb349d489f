import Foundation

/// The few Protocol Buffers wire encodings the ONNX export writes (``ONNXProto``), by hand, so
/// that no protobuf package is needed: varints, length-delimited fields (strings, bytes,
/// embedded messages, packed repeated scalars) and little-endian fixed-width numbers.
///
/// A field is a key, `(number << 3) | wireType`, then its value:
///
///     wire type 0  varint            int32, int64, bool, enum: 7 bits a byte, low first,
///                                    high bit set on every byte but the last; a negative
///                                    int64 is its 64-bit two's complement (ten bytes)
///     wire type 1  fixed64           double, little-endian
///     wire type 2  length-delimited  varint length, then the bytes
///     wire type 5  fixed32           float, little-endian
///
/// Repeated scalars are written packed (one length-delimited field holding the values back to
/// back), which every protobuf parser accepts for proto2's unpacked fields too. Fields are
/// written in the order the caller gives, so the same message always makes the same bytes.
public struct ProtobufWriter: Sendable {
    /// The message written so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Appends `value` as a varint (no key).
    public mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends the key of field `number` with `wireType`.
    public mutating func appendKey(_ number: Int, wireType: UInt64) {
        appendVarint(UInt64(number) << 3 | wireType)
    }

    /// An int64 / int32 / enum / bool field (wire type 0).
    public mutating func int(_ number: Int, _ value: Int64) {
        appendKey(number, wireType: 0)
        appendVarint(UInt64(bitPattern: value))
    }

    /// A float field (wire type 5).
    public mutating func float(_ number: Int, _ value: Float) {
        appendKey(number, wireType: 5)
        appendLittleEndian(value.bitPattern)
    }

    /// A bytes field (wire type 2).
    public mutating func bytes(_ number: Int, _ value: [UInt8]) {
        appendKey(number, wireType: 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string field: its UTF-8 bytes (wire type 2).
    public mutating func string(_ number: Int, _ value: String) {
        bytes(number, Array(value.utf8))
    }

    /// An embedded message field (wire type 2).
    public mutating func message(_ number: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytes(number, inner.bytes)
    }

    /// Packed repeated int64 (varints in one length-delimited field); nothing when empty.
    public mutating func packedInts(_ number: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for value in values { inner.appendVarint(UInt64(bitPattern: value)) }
        bytes(number, inner.bytes)
    }

    /// Packed repeated float (fixed32 values in one length-delimited field); nothing when empty.
    public mutating func packedFloats(_ number: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for value in values { inner.appendLittleEndian(value.bitPattern) }
        bytes(number, inner.bytes)
    }

    /// Packed repeated double (fixed64 values in one length-delimited field); nothing when empty.
    public mutating func packedDoubles(_ number: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for value in values { inner.appendLittleEndian(value.bitPattern) }
        bytes(number, inner.bytes)
    }

    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
