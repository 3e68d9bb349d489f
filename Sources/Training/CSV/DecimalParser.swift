#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers from raw bytes, as fast as the common case allows and exactly.
///
/// Accepted syntax: optional spaces, an optional sign, digits with an optional fraction
/// (`12`, `-0.5`, `.5`, `5.`), an optional exponent (`1e-3`), optional spaces; also `nan`,
/// `inf`, `infinity` in any case with an optional sign. Hexadecimal and anything else is not a
/// number (so the column is categorical).
///
/// The result is the correctly rounded `Double`. Values with at most 19 significant digits and
/// a decimal exponent in -22...22 take Clinger's fast path (one exact multiplication or
/// division of two exactly representable doubles); everything else goes to `strtod`. Callers
/// that need a `Float` round that `Double`, which is what LightGBM, pandas and NumPy do too.
public enum DecimalParser {
    /// Exact powers of ten representable as `Double`.
    private static let exactPowersOfTen: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }

    /// The number in `bytes[start..<end]`, or `nil` when it is not one.
    @inline(__always)
    public static func parse(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        var stop = end
        while i < stop && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
        while stop > i && (bytes[stop - 1] == 0x20 || bytes[stop - 1] == 0x09) { stop -= 1 }
        if i == stop { return nil }
        let numberStart = i
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var droppedDigits = false
        var exponent = 0
        var digitCount = 0
        while i < stop {
            let d = bytes[i] &- 0x30
            if d > 9 { break }
            digitCount += 1
            if mantissa == 0 && d == 0 {
                // leading zero: no significance
            } else if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                significantDigits += 1
            } else {
                exponent += 1
                if d != 0 { droppedDigits = true }
            }
            i += 1
        }
        if i < stop && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < stop {
                let d = bytes[i] &- 0x30
                if d > 9 { break }
                digitCount += 1
                if mantissa == 0 && d == 0 {
                    exponent -= 1
                } else if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significantDigits += 1
                    exponent -= 1
                } else if d != 0 {
                    droppedDigits = true
                }
                i += 1
            }
        }
        if digitCount == 0 {
            return parseSpecial(bytes, i, stop, negative: negative)
        }
        if i < stop && (bytes[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < stop && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var explicitExponent = 0
            var exponentDigits = 0
            while i < stop {
                let d = bytes[i] &- 0x30
                if d > 9 { break }
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(d) }
                exponentDigits += 1
                i += 1
            }
            if exponentDigits == 0 { return nil }
            exponent += exponentNegative ? -explicitExponent : explicitExponent
        }
        if i != stop { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if !droppedDigits && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= exactPowersOfTen[-exponent] } else { value *= exactPowersOfTen[exponent] }
            return negative ? -value : value
        }
        return slowPath(bytes, numberStart, stop)
    }

    /// `nan`, `inf`, `infinity` (any case) after an optional sign already consumed.
    private static func parseSpecial(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int, negative: Bool) -> Double? {
        let length = end - start
        guard length == 3 || length == 8 else { return nil }
        var word: UInt64 = 0
        for k in 0..<length { word = word << 8 | UInt64(bytes[start + k] | 0x20) }
        switch (length, word) {
        case (3, 0x6E_61_6E): return .nan                                   // "nan"
        case (3, 0x69_6E_66): return negative ? -.infinity : .infinity      // "inf"
        case (8, 0x69_6E_66_69_6E_69_74_79): return negative ? -.infinity : .infinity  // "infinity"
        default: return nil
        }
    }

    /// Correct rounding for long or extreme numbers, through the C library. The syntax was
    /// already validated, so `strtod` sees only a plain decimal literal.
    private static func slowPath(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// Convenience for tests and small inputs: parses a Swift string.
    public static func parse(_ text: String) -> Double? {
        var copy = Array(text.utf8)
        copy.append(0)
        return copy.withUnsafeBufferPointer { parse($0.baseAddress!, 0, $0.count - 1) }
    }
}
