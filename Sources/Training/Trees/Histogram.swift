import CMemory
import Core
import Evaluation

/// One histogram bin: sums over the rows whose feature value falls in the bin. Sums are
/// `Double` (gradients are `Float`), so long sums do not lose small terms. There is no row
/// count: split constraints use counts estimated from hessians (LightGBM's rule), and exact
/// counts come from the row partition; leaving it out makes an entry 16 bytes instead of 24
/// and the hot loop one add shorter (≈25 % faster histograms, see BENCHMARKS.md).
public struct HistogramEntry: Sendable, Equatable {
    public var gradient: Double = 0
    public var hessian: Double = 0

    public init(gradient: Double = 0, hessian: Double = 0) {
        self.gradient = gradient
        self.hessian = hessian
    }

    @inline(__always) static func + (a: HistogramEntry, b: HistogramEntry) -> HistogramEntry {
        HistogramEntry(gradient: a.gradient + b.gradient, hessian: a.hessian + b.hessian)
    }
    @inline(__always) static func - (a: HistogramEntry, b: HistogramEntry) -> HistogramEntry {
        HistogramEntry(gradient: a.gradient - b.gradient, hessian: a.hessian - b.hessian)
    }
}

/// The sums of a leaf or of one side of a split: gradient, hessian and row count.
public struct LeafSums: Sendable, Equatable {
    public var gradient: Double = 0
    public var hessian: Double = 0
    public var count: Int = 0

    public init(gradient: Double = 0, hessian: Double = 0, count: Int = 0) {
        self.gradient = gradient
        self.hessian = hessian
        self.count = count
    }

    /// The sums of `entry` with a row count.
    init(_ entry: HistogramEntry, count: Int) {
        self.init(gradient: entry.gradient, hessian: entry.hessian, count: count)
    }

    /// This leaf less one side (gradient and hessian; the count is the caller's).
    @inline(__always) func minus(_ side: HistogramEntry, count sideCount: Int) -> LeafSums {
        LeafSums(gradient: gradient - side.gradient, hessian: hessian - side.hessian, count: count - sideCount)
    }
}

/// Builds histograms of (Σg, Σh) per feature bin for a set of rows, one of two ways:
///
/// - Column-wise, for the root and any leaf of more than half of the rows: the leaf's (g, h)
///   pairs are gathered into a buffer in the order of its rows ("ordered gradients", as
///   LightGBM does), then each feature's histogram is filled from its bin column, which such a
///   leaf reads nearly whole anyway.
/// - Row-wise, for smaller leaves when the data has a row-major copy: each of the leaf's rows
///   is read once (one or two cache lines, prefetched ahead), instead of one cache line per
///   feature column; a leaf of a few percent of the rows touches nearly every line of every
///   column, which made these builds 5.5× slower per row than the root's.
///
/// Work is split by feature either way: each thread owns whole features and scans all of the
/// leaf's rows in order, so every sum is accumulated in the same order whatever the thread
/// count (the trees are bit-identical with 1 or 16 threads).
enum HistogramBuilder {
    /// Fills `histogram` (all features, `data.totalBins` entries, overwritten) from `rows`;
    /// `gradients` holds (g, h) pairs, row i's at 2i and 2i + 1; `ordered` is scratch space of
    /// at least 2 · rows.count floats.
    static func build(_ histogram: UnsafeMutableBufferPointer<HistogramEntry>, data: BinnedData,
                      rows: UnsafeBufferPointer<Int32>, gradients: UnsafeBufferPointer<Float>,
                      ordered: UnsafeMutableBufferPointer<Float>, features: [Int], threads: Int) {
        let output = UncheckedSendable(histogram)
        // Rows 0..<n in order (the root without bagging) need neither indices nor gathering.
        let isIdentity = rows.count == data.rowCount && (rows.isEmpty || (rows.first == 0 && rows.last == Int32(data.rowCount - 1)))
        if !data.rowBins.isEmpty && 2 * rows.count <= data.rowCount {  // never the identity
            buildRowWise(histogram, data: data, rows: rows, gradients: gradients,
                         blocks: featureBlocks(features, rowCount: rows.count, threads: threads), threads: threads)
            return
        }
        if !isIdentity {
            let chunk = 16_384, chunks = (rows.count + chunk - 1) / chunk
            let orderedOut = UncheckedSendable(ordered)
            parallelFor(chunks, threads: threads) { c in
                for k in (c * chunk)..<min(rows.count, (c + 1) * chunk) {
                    let row = Int(rows[k])
                    orderedOut.value[2 &* k] = gradients[2 &* row]
                    orderedOut.value[2 &* k &+ 1] = gradients[2 &* row &+ 1]
                }
            }
        }
        let pairs = UncheckedSendable(isIdentity ? gradients : UnsafeBufferPointer(ordered))
        let columnBlocks = featureBlocks(features, rowCount: rows.count, threads: threads, perThread: 4)
        data.bins.withUnsafeBufferPointer { bins in
            parallelFor(columnBlocks.count, threads: threads) { block in
                for feature in columnBlocks[block] {
                    let target = output.value.baseAddress!.advanced(by: data.histogramOffsets[feature])
                    accumulate(into: target, binCount: data.featureBins[feature].binCount, column: bins.baseAddress! + feature * data.rowCount,
                               rows: isIdentity ? nil : rows, pairs: pairs.value.baseAddress!, count: rows.count)
                }
            }
        }
    }

    /// The hot loop: for the k-th row of the leaf, add its ordered (g, h) pair to the bin of
    /// that row in `column`.
    ///
    /// Consecutive rows often share a bin, and a bin's load–add–store chain then serialises
    /// the loop; so rows go round-robin into four private copies of the histogram (16 KiB at
    /// most, in L1) that are summed at the end, always as ((c0 + c1) + c2) + c3, so the result
    /// does not depend on anything but the rows. Pairs are added as two-lane vectors.
    @inline(__always)
    static func accumulate(into histogram: UnsafeMutablePointer<HistogramEntry>, binCount: Int, column: UnsafePointer<UInt8>,
                           rows: UnsafeBufferPointer<Int32>?, pairs: UnsafePointer<Float>, count: Int) {
        withUnsafeTemporaryAllocation(of: SIMD2<Double>.self, capacity: 4 * binCount) { copies in
            copies.initialize(repeating: .zero)
            let c0 = copies.baseAddress!, c1 = c0 + binCount, c2 = c1 + binCount, c3 = c2 + binCount
            let p = UnsafeRawPointer(pairs).assumingMemoryBound(to: SIMD2<Float>.self)
            var k = 0
            if let rows {
                while k &+ 4 <= count {
                    let b0 = Int(column[Int(rows[k])]), b1 = Int(column[Int(rows[k &+ 1])])
                    let b2 = Int(column[Int(rows[k &+ 2])]), b3 = Int(column[Int(rows[k &+ 3])])
                    c0[b0] += SIMD2<Double>(p[k]); c1[b1] += SIMD2<Double>(p[k &+ 1])
                    c2[b2] += SIMD2<Double>(p[k &+ 2]); c3[b3] += SIMD2<Double>(p[k &+ 3])
                    k &+= 4
                }
                while k < count { c0[Int(column[Int(rows[k])])] += SIMD2<Double>(p[k]); k &+= 1 }
            } else {
                while k &+ 4 <= count {
                    c0[Int(column[k])] += SIMD2<Double>(p[k]); c1[Int(column[k &+ 1])] += SIMD2<Double>(p[k &+ 1])
                    c2[Int(column[k &+ 2])] += SIMD2<Double>(p[k &+ 2]); c3[Int(column[k &+ 3])] += SIMD2<Double>(p[k &+ 3])
                    k &+= 4
                }
                while k < count { c0[Int(column[k])] += SIMD2<Double>(p[k]); k &+= 1 }
            }
            for b in 0..<binCount {
                let sum = ((c0[b] + c1[b]) + c2[b]) + c3[b]
                histogram[b] = HistogramEntry(gradient: sum.x, hessian: sum.y)
            }
        }
    }

    /// Row-wise: each thread takes a block of features and reads the leaf's rows in order
    /// from the row-major bins, adding each row's (g, h) to the bin of every feature of its
    /// block. A scattered row costs one or two cache lines here, against one line per feature
    /// column-wise, where a leaf of a few percent of the rows touches nearly every line of
    /// every column. Each bin's sum still runs over the rows in order, so the result does not
    /// depend on the thread count.
    static func buildRowWise(_ histogram: UnsafeMutableBufferPointer<HistogramEntry>, data: BinnedData, rows: UnsafeBufferPointer<Int32>,
                             gradients: UnsafeBufferPointer<Float>, blocks: [[Int]], threads: Int) {
        let output = UncheckedSendable(histogram)
        data.rowBins.withUnsafeBufferPointer { matrix in
            let matrix = UncheckedSendable(matrix)
            parallelFor(blocks.count, threads: threads) { block in
                let features = blocks[block]
                let base = UnsafeMutableRawPointer(output.value.baseAddress!).assumingMemoryBound(to: SIMD2<Double>.self)
                for feature in features {
                    (base + data.histogramOffsets[feature]).update(repeating: .zero, count: data.featureBins[feature].binCount)
                }
                let columns = features.map { Int32($0) }
                let offsets = features.map { Int32(data.histogramOffsets[$0]) }
                columns.withUnsafeBufferPointer { columns in
                    offsets.withUnsafeBufferPointer { offsets in
                        accumulateRows(into: base, matrix: matrix.value.baseAddress!, rowWidth: data.featureCount, columns: columns.baseAddress!,
                                       offsets: offsets.baseAddress!, width: features.count, rows: rows,
                                       pairs: UnsafeRawPointer(gradients.baseAddress!).assumingMemoryBound(to: SIMD2<Float>.self))
                    }
                }
            }
        }
    }

    /// The row-wise hot loop: for each row of `rows`, its (g, h) pair is added to
    /// `histogram[offsets[j] + bin]` for the bin of feature `columns[j]`, j in 0..<width.
    @inline(__always)
    static func accumulateRows(into histogram: UnsafeMutablePointer<SIMD2<Double>>, matrix: UnsafePointer<UInt8>, rowWidth: Int,
                               columns: UnsafePointer<Int32>, offsets: UnsafePointer<Int32>, width: Int,
                               rows: UnsafeBufferPointer<Int32>, pairs: UnsafePointer<SIMD2<Float>>) {
        // Rows 16 ahead are asked for (their bins' first and last byte, which may lie on two
        // lines, and their (g, h) pair): 8, 16, 24, 32 and 40 measured within the noise of
        // each other, all about twice as fast as no prefetch.
        let distance = 16
        for k in 0..<rows.count {
            if k &+ distance < rows.count {
                let ahead = Int(rows[k &+ distance])
                let line = matrix + ahead &* rowWidth
                mlctl_prefetch(line)
                mlctl_prefetch(line + (rowWidth &- 1))
                mlctl_prefetch(pairs + ahead)
            }
            let row = Int(rows[k])
            let pair = SIMD2<Double>(pairs[row])
            let bins = matrix + row &* rowWidth
            var j = 0
            while j &+ 4 <= width {
                histogram[Int(offsets[j]) &+ Int(bins[Int(columns[j])])] += pair
                histogram[Int(offsets[j &+ 1]) &+ Int(bins[Int(columns[j &+ 1])])] += pair
                histogram[Int(offsets[j &+ 2]) &+ Int(bins[Int(columns[j &+ 2])])] += pair
                histogram[Int(offsets[j &+ 3]) &+ Int(bins[Int(columns[j &+ 3])])] += pair
                j &+= 4
            }
            while j < width {
                histogram[Int(offsets[j]) &+ Int(bins[Int(columns[j])])] += pair
                j &+= 1
            }
        }
    }

    /// `larger = parent − smaller`, entry by entry (the sibling-subtraction trick).
    static func subtract(parent: UnsafeBufferPointer<HistogramEntry>, smaller: UnsafeBufferPointer<HistogramEntry>,
                         into larger: UnsafeMutableBufferPointer<HistogramEntry>) {
        for i in 0..<parent.count { larger[i] = parent[i] - smaller[i] }
    }

    /// Features in contiguous blocks, `perThread` per thread (one block when the work is too
    /// small to be worth a thread hand-off). Several blocks a thread balance the load where
    /// features cost unequally (a thread that finishes early takes another block) and cost
    /// nothing where each feature is read on its own; one block a thread suits the row-wise
    /// histogram build, where every block reads every row.
    static func featureBlocks(_ features: [Int], rowCount: Int, threads: Int, perThread: Int = 1) -> [[Int]] {
        let count = rowCount * features.count < 200_000 ? 1 : max(1, min(threads * perThread, features.count))
        var blocks: [[Int]] = []
        for b in 0..<count {
            let from = features.count * b / count, to = features.count * (b + 1) / count
            if from < to { blocks.append(Array(features[from..<to])) }
        }
        return blocks
    }
}
