import Training

/// Deterministic assignment of leads to a test's arms, the same in every process and on every
/// machine, and simple to compute elsewhere:
///
///     bucket = first 4 bytes of SHA-256(UTF-8 "<test name>:<lead id in decimal>"),
///              read as a big-endian unsigned 32-bit integer, modulo 10,000
///     arm    = the first arm whose cumulative percent × 100 exceeds the bucket
///
/// (with two arms: control if bucket < 100 × control percent, else the other arm, as before
/// tests had more than two).
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

    /// The index in `percents` (whole percents summing to 100, in arm order) of the arm that
    /// gets `bucket`; the last arm for buckets past the sum (which valid tests do not have).
    public static func armIndex(bucket: Int, percents: [Int]) -> Int {
        var upper = 0
        for (index, percent) in percents.enumerated() {
            upper += percent * (bucketCount / 100)
            if bucket < upper { return index }
        }
        return percents.count - 1
    }

    /// The index of the arm of `test` that `leadID` belongs to.
    public static func armIndex(of test: ABTest, leadID: Int64) -> Int {
        armIndex(bucket: bucket(testName: test.name, leadID: leadID), percents: test.arms.map(\.percent))
    }
}
