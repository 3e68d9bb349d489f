/// Text checks of the ``FeatureExtractor``, fast on ASCII and exact on everything: each gives
/// what the `String`/`Character` operation named in its documentation gives, but reads the
/// UTF-8 bytes when the text is all ASCII (where a character is one byte — or CR LF, which no
/// check here counts — and only `0`–`9` are numbers). The service extracts one lead per
/// request, and `Character` properties and `lowercased()` were a visible part of that.
enum LeadText {
    /// Whether every byte of `text` is ASCII.
    @inline(__always)
    static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// `text.lowercased()`; the text itself, without allocating, when it has no upper case.
    static func lowercased(_ text: String) -> String {
        var ascii = true, upper = false
        for byte in text.utf8 {
            if byte >= 0x80 { ascii = false; break }
            if byte &- 0x41 < 26 { upper = true }
        }
        return ascii && !upper ? text : text.lowercased()
    }

    /// `text.contains { $0.isNumber }`.
    static func containsNumber(_ text: String) -> Bool {
        isASCII(text) ? text.utf8.contains(where: isDigit) : text.contains { $0.isNumber }
    }

    /// `text.filter(\.isASCII).filter(\.isNumber)`: the ASCII digits, in order.
    static func asciiDigits(_ text: String) -> String {
        isASCII(text) ? String(decoding: text.utf8.filter(isDigit), as: UTF8.self) : text.filter(\.isASCII).filter(\.isNumber)
    }

    /// `text.count == count && text.allSatisfy(\.isNumber)`. ASCII digits are one character
    /// each, so for them the byte count is the character count.
    static func isNumbers(_ text: Substring, count: Int) -> Bool {
        if text.utf8.allSatisfy(isDigit) { return text.utf8.count == count }
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return false }  // an ASCII non-digit
        return text.count == count && text.allSatisfy(\.isNumber)
    }

    /// `text.first?.isNumber ?? false`: the first character's first scalar is a number. An
    /// ASCII first byte is that scalar.
    static func startsWithNumber(_ text: String) -> Bool {
        guard let byte = text.utf8.first else { return false }
        return byte < 0x80 ? isDigit(byte) : text.first!.isNumber
    }
}
