import Training

/// The two arms of an A/B test: the rule-based score (control) and the ML model (treatment).
public enum ABVariant: String, Sendable, CaseIterable {
    case control
    case treatment
}

/// Deterministic assignment of leads to variants, the same in every process and on every
/// machine, and simple to compute elsewhere:
///
///     bucket  = first 4 bytes of SHA-256(UTF-8 "<test name>:<lead id in decimal>"),
///               read as a big-endian unsigned 32-bit integer, modulo 10,000
///     variant = control if bucket < 100 × control percent, else treatment
///
/// In Python: `int.from_bytes(hashlib.sha256(f"{name}:{lead_id}".encode()).digest()[:4], "big") % 10000`.
/// In PostgreSQL: `('x' || substr(encode(sha256(convert_to(name || ':' || lead_id, 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint`
/// is signed, so use `(('x' || lpad(substr(encode(sha256(convert_to(name || ':' || lead_id, 'UTF8')), 'hex'), 1, 8), 16, '0'))::bit(64)::bigint) % 10000`.
/// The modulo bias is 10,000 / 2³² (2e-6), far below anything a test can see. Hashing the
/// test name with the id makes assignments of different tests independent.
public enum ABAssignment {
    public static let bucketCount = 10_000

    /// The bucket of `leadID` in test `testName`, 0..<10,000.
    public static func bucket(testName: String, leadID: Int64) -> Int {
        var hash = SHA256()
        hash.update(Array("\(testName):\(leadID)".utf8))
        let digest = hash.finalize()
        let word = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return Int(word % UInt32(bucketCount))
    }

    /// The variant of `bucket` when `controlPercent` % of the leads go to control.
    public static func variant(bucket: Int, controlPercent: Int) -> ABVariant {
        bucket < controlPercent * (bucketCount / 100) ? .control : .treatment
    }

    /// The variant of `leadID` in test `testName` with the given split.
    public static func variant(testName: String, leadID: Int64, controlPercent: Int) -> ABVariant {
        variant(bucket: bucket(testName: testName, leadID: leadID), controlPercent: controlPercent)
    }
}
