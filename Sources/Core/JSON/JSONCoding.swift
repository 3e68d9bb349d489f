import Foundation

/// The one configuration of Foundation's JSON coders for mlctl's documents (bundles, studies,
/// the registry's history, train-all's summary, `evaluate --format json`): keys sorted and
/// slashes unescaped, so a document's bytes depend only on its content; non-finite numbers as
/// the strings `"inf"`, `"-inf"`, `"nan"` (fields that should read `null` instead use
/// ``JSONNumber``). Replies of the service are written with ``JSONWriter`` instead, which
/// allocates less; request bodies are read with ``JSONParser``.
public enum JSONCoding {
    /// An encoder; `pretty` indents the output for people.
    public static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// A decoder that reads what ``encoder(pretty:)`` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

/// A number field that reads `null` when it is not finite (a metric that is undefined, such as
/// the AUC of rows of one class), as JSON has no NaN. Decodes `null` as NaN.
public struct JSONNumber: Codable, Sendable, Equatable {
    public var value: Double

    public init(_ value: Double) { self.value = value }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        value = container.decodeNil() ? .nan : try container.decode(Double.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
    }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        a.value == b.value || (a.value.isNaN && b.value.isNaN)
    }
}
