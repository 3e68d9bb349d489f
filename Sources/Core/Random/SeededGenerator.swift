import Foundation

/// A seeded pseudo-random generator (xoshiro256**), the general source of randomness in mlctl.
///
/// Every random choice in the toolkit (splits, bagging, SMOTE, tuning trials, synthetic data,
/// A/B simulations) draws from a `SeededGenerator` passed in explicitly; there is no global
/// randomness. The one other generator is its seeder, ``SplitMix64``, which bootstrap
/// resampling also uses directly because its streams are cheaper to derive (one per resample).
///
/// Independent streams come from ``derived(_:)``: a component (or a tuning trial) asks for the
/// stream of `(seed, streamID)` instead of sharing one sequence, so adding draws in one place
/// never changes the numbers another place sees. The state is seeded through SplitMix64, as the
/// xoshiro authors recommend, so nearby seeds give unrelated sequences.
///
/// The methods below (``nextDouble()``, ``nextInt(below:)`` …) are defined here rather than
/// taken from the standard library's `random(in:using:)` so that the sequence of values for a
/// seed is fixed by this file alone, whatever the Swift version.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The seed this generator was created from (after derivation), for reporting.
    public let seed: UInt64

    /// Creates the generator for `seed`. Any value, zero included, is a valid seed.
    public init(seed: UInt64) {
        self.seed = seed
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }  // all-zero state is a fixed point
    }

    /// The generator of the independent stream `streamID` under this generator's seed.
    /// Deterministic: `derived(k)` depends only on `(seed, k)`, not on draws made so far.
    public func derived(_ streamID: UInt64) -> SeededGenerator {
        var mixer = SplitMix64(state: seed ^ (streamID &* 0xD1B5_4A32_D192_ED03))
        _ = mixer.next()
        return SeededGenerator(seed: mixer.next() ^ streamID)
    }

    /// The next 64 uniformly random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 { nextRaw() }

    @usableFromInline @inline(__always)
    mutating func nextRaw() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A uniform integer in `0..<bound`, unbiased (Lemire's multiply-and-reject).
    /// - Precondition: `bound > 0`.
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A standard normal draw (Box–Muller on two uniforms; one of the pair is discarded so the
    /// generator keeps no hidden state).
    public mutating func nextGaussian() -> Double {
        var u1 = nextDouble()
        while u1 <= .leastNormalMagnitude { u1 = nextDouble() }
        let u2 = nextDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Shuffles `array` in place (Fisher–Yates, from the last position down).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}

@usableFromInline @inline(__always)
func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator. It expands a seed into
/// ``SeededGenerator``'s state, and gives bootstrap resampling one cheap stream per resample
/// (``init(seed:stream:)``).
public struct SplitMix64: Sendable {
    @usableFromInline var state: UInt64

    /// The generator whose first output mixes `state + γ` (the seeding of xoshiro's state).
    public init(state: UInt64) { self.state = state }

    /// Stream `stream` under `seed`: the seed is mixed once, the stream number folded into
    /// the result, and one output discarded, so neighbouring streams start far apart.
    public init(seed: UInt64, stream: UInt64) {
        state = seed
        state = next() ^ (stream &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    /// The next 64 bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
