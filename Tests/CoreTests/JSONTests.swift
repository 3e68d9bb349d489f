import Testing
@testable import Core

@Suite struct JSONTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKind() throws {
        let value = try parse(#" {"a": [1, -2.5e3, 0.125, true, false, null], "b": {"c": "x\"\\\/\n\u00e9\ud83d\ude00"}, "a2": {}} "#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .number(0.125), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("x\"\\/\né😀"))
        #expect(value["a2"] == .object([]))
        #expect(value["missing"] == nil)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "NaN", "Infinity", "nul", "'a'", "\"a", "\"\\x\"",
                      "\"\\ud800\"", "\"\\udc00x\"", "{\"a\" 1}", "[1 2]", "\"tab\there\"", "1 2", "{1:2}"])
    func rejectsInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try parse(fine)
        // Far deeper input fails cleanly instead of overflowing the stack.
        #expect(throws: JSONParseError.self) { try parse(String(repeating: "{\"a\":", count: 100_000)) }
    }

    /// Short decimals are computed without `strtod` (``JSONParser/exactDecimal``): each must be
    /// the very double `strtod` gives (Swift's `Double(String)`), sign of zero included.
    @Test func shortDecimalsEqualStrtod() throws {
        var texts = ["0", "-0", "0.0", "-0.0", "1", "-1", "312.4", "0.12", "4.3", "340.0", "0.1", "0.3", "9007199254740993",
                     "999999999999999", "-999999999999999", "99999999999999.9", "0.000000000000001", "1234567890.12345",
                     "123456789012345.6", "5e-324", "1.7976931348623157e308", "2.5E3"]
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 11 }
        for _ in 0..<20_000 {
            let integerDigits = Int(next() % 9), fractionDigits = Int(next() % 10)
            var text = next() % 4 == 0 ? "-" : ""
            text += integerDigits == 0 ? "0" : String(1 + next() % 9) + (1..<integerDigits).map { _ in String(next() % 10) }.joined()
            if fractionDigits > 0 { text += "." + (0..<fractionDigits).map { _ in String(next() % 10) }.joined() }
            texts.append(text)
        }
        for text in texts {
            guard case .number(let parsed) = try parse(text) else { Issue.record("\(text) is not a number"); continue }
            let expected = Double(text)!
            #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) vs \(expected)")
        }
    }

    @Test func hugeNumbersBecomeInfinite() throws {
        #expect(try parse("1e400") == .number(.infinity))
        #expect(try parse("-1e400") == .number(-.infinity))
    }

    @Test func writerRoundTrips() throws {
        var writer = JSONWriter()
        writer.object { o in
            o.field("s", "q\"b\\n\n\u{1}é")
            o.field("n", 0.1)
            o.field("i", 42)
            o.field("x", Double.nan)
            o.key("a")
            o.array { a in a.number(1e-7); a.boolean(true); a.null() }
        }
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == #"{"s":"q\"b\\n\n\u0001é","n":0.1,"i":42,"x":null,"a":[1e-07,true,null]}"#)
        let back = try JSONParser.parse(writer.bytes)
        #expect(back["s"] == .string("q\"b\\n\n\u{1}é") && back["n"] == .number(0.1) && back["x"] == .null)
    }
}
