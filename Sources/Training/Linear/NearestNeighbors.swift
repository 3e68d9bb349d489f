import CLinearAlgebra

/// Exact k-nearest-neighbour search among the rows of a point set (Euclidean distance), as
/// SMOTE needs it: every point's k nearest *other* points.
///
/// Distances come in blocks from BLAS, ‖a‖² + ‖b‖² − 2a·b with `sgemm` over query blocks of
/// 128 points × reference blocks of 2048 points (about 1 MB of distances, which stays in
/// cache), each block on one core. Single precision loses accuracy when two points are close
/// relative to their norms, so each query keeps a few more candidates than k and re-ranks
/// them with distances computed exactly in `Double`; ties go to the lower index.
public enum NearestNeighbors {
    /// The `k` nearest other rows of each row of `points` (`count × dimension`, row-major).
    ///
    /// - Returns: `count × k` row indices, row-major, nearest first.
    /// - Precondition: `k < count`.
    public static func kNearest(points: [Double], count: Int, dimension: Int, k: Int, threads: Int) -> [Int32] {
        precondition(k >= 1 && k < count, "kNearest: k = \(k) needs at least \(k + 1) points")
        BLASThreads.useCallerThreads()
        let pointsSingle = points.map { Float($0) }
        var norms = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var sum: Float = 0
            for j in 0..<dimension { let v = pointsSingle[i * dimension + j]; sum += v * v }
            norms[i] = sum
        }
        let candidates = min(count - 1, k + 4)
        let queryBlock = 128, referenceBlock = 2048
        let blockCount = (count + queryBlock - 1) / queryBlock
        var result = [Int32](repeating: 0, count: count * k)
        result.withUnsafeMutableBufferPointer { output in
            let out = UncheckedSendable(output)
            pointsSingle.withUnsafeBufferPointer { single in
                norms.withUnsafeBufferPointer { norm in
                    points.withUnsafeBufferPointer { exact in
                        parallelFor(blockCount, threads: threads) { block in
                            let queries = (block * queryBlock)..<min(count, (block + 1) * queryBlock)
                            var best = CandidateLists(queries: queries.count, capacity: candidates)
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: queryBlock * referenceBlock) { products in
                                var start = 0
                                while start < count {
                                    let references = start..<min(count, start + referenceBlock)
                                    // products[q][r] = query q · reference r
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                                                Int32(queries.count), Int32(references.count), Int32(dimension),
                                                1, single.baseAddress! + queries.lowerBound * dimension, Int32(dimension),
                                                single.baseAddress! + references.lowerBound * dimension, Int32(dimension),
                                                0, products.baseAddress!, Int32(references.count))
                                    for (q, query) in queries.enumerated() {
                                        let row = products.baseAddress! + q * references.count
                                        let queryNorm = norm[query]
                                        for (r, reference) in references.enumerated() where reference != query {
                                            let distance = queryNorm + norm[reference] - 2 * row[r]
                                            best.offer(query: q, index: Int32(reference), distance: distance)
                                        }
                                    }
                                    start = references.upperBound
                                }
                            }
                            for (q, query) in queries.enumerated() {
                                let ranked = best.indices(query: q).map { index -> (Int32, Double) in
                                    var sum = 0.0
                                    let a = exact.baseAddress! + query * dimension, b = exact.baseAddress! + Int(index) * dimension
                                    for j in 0..<dimension { let d = a[j] - b[j]; sum += d * d }
                                    return (index, sum)
                                }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                                for j in 0..<k { out.value[query * k + j] = ranked[j].0 }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

/// For each query of a block, the `capacity` smallest distances offered so far (unordered
/// beyond the current worst, which is tracked so that most offers are rejected by one compare).
private struct CandidateLists {
    let capacity: Int
    var distances: [Float]
    var indices: [Int32]
    var filled: [Int]
    var worst: [Float]

    init(queries: Int, capacity: Int) {
        self.capacity = capacity
        distances = [Float](repeating: .infinity, count: queries * capacity)
        indices = [Int32](repeating: -1, count: queries * capacity)
        filled = [Int](repeating: 0, count: queries)
        worst = [Float](repeating: .infinity, count: queries)
    }

    @inline(__always)
    mutating func offer(query: Int, index: Int32, distance: Float) {
        if filled[query] == capacity && distance >= worst[query] { return }
        let base = query * capacity
        if filled[query] < capacity {
            distances[base + filled[query]] = distance
            indices[base + filled[query]] = index
            filled[query] += 1
            if filled[query] == capacity { worst[query] = distances[base..<(base + capacity)].max()! }
            return
        }
        // Replace the current worst, then find the new worst.
        var worstSlot = base, worstDistance = -Float.infinity
        for slot in base..<(base + capacity) where distances[slot] > worstDistance {
            worstDistance = distances[slot]; worstSlot = slot
        }
        distances[worstSlot] = distance
        indices[worstSlot] = index
        worst[query] = distances[base..<(base + capacity)].max()!
    }

    func indices(query: Int) -> [Int32] {
        Array(indices[(query * capacity)..<(query * capacity + filled[query])])
    }
}
