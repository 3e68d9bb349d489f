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
/// The result is the correctly rounded `Double`. Values with at most 19 digits (leading zeros
/// included), a mantissa below 2^53 and a decimal exponent in -22...22 take Clinger's fast path (one exact multiplication or
/// division of two exactly representable doubles); everything else goes to `strtod`. Callers
/// that need a `Float` round that `Double`, which is what LightGBM, pandas and NumPy do too.
public enum DecimalParser {
    /// 10^e for 0 ≤ e ≤ 22, all exactly representable as `Double`. A switch rather than a
    /// static array: the array's lazy initialisation check cost 2 % of CSV parsing.
    @inline(__always)
    private static func exactPowerOfTen(_ e: Int) -> Double {
        switch e {
        case 0: return 1e0; case 1: return 1e1; case 2: return 1e2; case 3: return 1e3; case 4: return 1e4
        case 5: return 1e5; case 6: return 1e6; case 7: return 1e7; case 8: return 1e8; case 9: return 1e9
        case 10: return 1e10; case 11: return 1e11; case 12: return 1e12; case 13: return 1e13; case 14: return 1e14
        case 15: return 1e15; case 16: return 1e16; case 17: return 1e17; case 18: return 1e18; case 19: return 1e19
        case 20: return 1e20; case 21: return 1e21; default: return 1e22
        }
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
        // Digits accumulate unconditionally; more than 19 (leading zeros included) could
        // overflow or lose digits, and such rare literals go to the slow path.
        var mantissa: UInt64 = 0
        var digitCount = 0
        while i < stop {
            let d = bytes[i] &- 0x30
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            digitCount += 1
            i += 1
        }
        var fractionDigits = 0
        if i < stop && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < stop {
                let d = bytes[i] &- 0x30
                if d > 9 { break }
                mantissa = mantissa &* 10 &+ UInt64(d)
                fractionDigits += 1
                i += 1
            }
            digitCount += fractionDigits
        }
        if digitCount == 0 {
            return parseSpecial(bytes, i, stop, negative: negative)
        }
        var exponent = -fractionDigits
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
        if digitCount <= 19 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
                var value = Double(mantissa)
                if exponent < 0 { value /= exactPowerOfTen(-exponent) } else { value *= exactPowerOfTen(exponent) }
                return negative ? -value : value
            }
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
