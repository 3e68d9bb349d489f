import Core
import Evaluation
import CLinearAlgebra
import Tuning

/// Exact k-nearest-neighbour search among the rows of a point set (Euclidean distance), as
/// SMOTE needs it: every point's k nearest *other* points.
///
/// Distances come in blocks from BLAS, ‖a‖² + ‖b‖² − 2a·b with `sgemm` over query blocks of
/// 128 points × reference blocks of 2048 points (about 1 MB of distances, which stays in
/// cache), each block on one core. Single precision loses accuracy when two points are close
/// relative to their norms, so each query keeps a few more candidates than k and re-ranks
/// them with distances computed exactly in `Double`; ties go to the lower index.
public enum NearestNeighbors {
    static let queryBlock = 128
    static let referenceBlock = 2048

    /// The `k` nearest other rows of each row of `points` (`count × dimension`, row-major).
    ///
    /// - Returns: `count × k` row indices, row-major, nearest first.
    /// - Precondition: `k < count`.
    public static func kNearest(points: [Double], count: Int, dimension: Int, k: Int, threads: Int) -> [Int32] {
        precondition(k >= 1 && k < count, "kNearest: k = \(k) needs at least \(k + 1) points")
        BLASThreads.useCallerThreads()
        let single = points.map { Float($0) }
        var norms = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var sum: Float = 0
            for j in 0..<dimension { let v = single[i * dimension + j]; sum += v * v }
            norms[i] = sum
        }
        let space = PointSpace(exact: points, single: single, norms: norms, count: count, dimension: dimension)
        let blockCount = (count + queryBlock - 1) / queryBlock
        var result = [Int32](repeating: 0, count: count * k)
        result.withUnsafeMutableBufferPointer { output in
            let out = UncheckedSendable(output)
            parallelFor(blockCount, threads: threads) { block in
                let queries = (block * queryBlock)..<min(count, (block + 1) * queryBlock)
                let candidates = space.candidates(of: queries, keeping: min(count - 1, k + 4))
                for (q, query) in queries.enumerated() {
                    let ranked = space.rankedExactly(query: query, candidates: candidates[q])
                    for j in 0..<k { out.value[query * k + j] = ranked[j] }
                }
            }
        }
        return result
    }
}

/// The points of a neighbour search in double and single precision, with squared norms.
private struct PointSpace: Sendable {
    let exact: [Double]
    let single: [Float]
    let norms: [Float]
    let count: Int
    let dimension: Int

    /// For each query row, the `capacity` rows (other than itself) nearest in single precision.
    func candidates(of queries: Range<Int>, keeping capacity: Int) -> [[Int32]] {
        let queryBlock = NearestNeighbors.queryBlock, referenceBlock = NearestNeighbors.referenceBlock
        var products = [Float](repeating: 0, count: queryBlock * referenceBlock)
        var distances = [Float](repeating: .infinity, count: queries.count * capacity)
        var indices = [Int32](repeating: -1, count: queries.count * capacity)
        var filled = [Int32](repeating: 0, count: queries.count), worst = [Float](repeating: .infinity, count: queries.count)
        single.withUnsafeBufferPointer { single in
            norms.withUnsafeBufferPointer { norms in
                products.withUnsafeMutableBufferPointer { products in
                    var start = 0
                    while start < count {
                        let references = start..<min(count, start + referenceBlock)
                        // products[q][r] = query q · reference r
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queries.count), Int32(references.count), Int32(dimension),
                                    1, single.baseAddress! + queries.lowerBound * dimension, Int32(dimension),
                                    single.baseAddress! + references.lowerBound * dimension, Int32(dimension),
                                    0, products.baseAddress!, Int32(references.count))
                        for (q, query) in queries.enumerated() {
                            distances.withUnsafeMutableBufferPointer { d in
                                indices.withUnsafeMutableBufferPointer { i in
                                    keepNearest(products: products.baseAddress! + q * references.count, referenceNorms: norms.baseAddress! + references.lowerBound,
                                                count: references.count, firstIndex: Int32(references.lowerBound), queryNorm: norms[query],
                                                skipping: Int32(query), capacity: capacity, distances: d.baseAddress! + q * capacity,
                                                indices: i.baseAddress! + q * capacity, filled: &filled[q], worst: &worst[q])
                                }
                            }
                        }
                        start = references.upperBound
                    }
                }
            }
        }
        return (0..<queries.count).map { q in Array(indices[(q * capacity)..<(q * capacity + Int(filled[q]))]) }
    }

    /// `candidates` ordered by exact (double-precision) distance to `query`, ties by index.
    func rankedExactly(query: Int, candidates: [Int32]) -> [Int32] {
        let distances = candidates.map { index -> Double in
            var sum = 0.0
            for j in 0..<dimension {
                let d = exact[query * dimension + j] - exact[Int(index) * dimension + j]
                sum += d * d
            }
            return sum
        }
        return candidates.indices.sorted { distances[$0] < distances[$1] || (distances[$0] == distances[$1] && candidates[$0] < candidates[$1]) }
            .map { candidates[$0] }
    }
}

/// Scans one query's squared distances ‖q‖² + ‖r‖² − 2 q·r to `count` references and keeps the
/// `capacity` smallest in `distances` / `indices` (unordered; `worst` is the largest kept,
/// +∞ until `capacity` are kept). Most distances lose to `worst` with one comparison.
@inline(__always)
private func keepNearest(products: UnsafePointer<Float>, referenceNorms: UnsafePointer<Float>, count: Int, firstIndex: Int32,
                         queryNorm: Float, skipping self: Int32, capacity: Int, distances: UnsafeMutablePointer<Float>,
                         indices: UnsafeMutablePointer<Int32>, filled: inout Int32, worst: inout Float) {
    var currentWorst = worst
    for r in 0..<count {
        let distance = queryNorm + referenceNorms[r] - 2 * products[r]
        guard distance < currentWorst else { continue }
        let index = firstIndex + Int32(r)
        if index == self { continue }
        if Int(filled) < capacity {
            distances[Int(filled)] = distance
            indices[Int(filled)] = index
            filled += 1
            if Int(filled) < capacity { continue }
        } else {
            var worstSlot = 0
            for slot in 1..<capacity where distances[slot] > distances[worstSlot] { worstSlot = slot }
            distances[worstSlot] = distance
            indices[worstSlot] = index
        }
        currentWorst = distances[0]
        for slot in 1..<capacity where distances[slot] > currentWorst { currentWorst = distances[slot] }
    }
    worst = currentWorst
}
