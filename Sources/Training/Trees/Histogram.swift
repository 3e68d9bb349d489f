/// One histogram bin: sums over the rows whose feature value falls in the bin.
/// Sums are `Double` (gradients are `Float`), so long sums do not lose small terms.
public struct HistogramEntry: Sendable, Equatable {
    public var gradient: Double = 0
    public var hessian: Double = 0
    public var count: Int = 0

    @inline(__always) static func + (a: HistogramEntry, b: HistogramEntry) -> HistogramEntry {
        HistogramEntry(gradient: a.gradient + b.gradient, hessian: a.hessian + b.hessian, count: a.count + b.count)
    }
    @inline(__always) static func - (a: HistogramEntry, b: HistogramEntry) -> HistogramEntry {
        HistogramEntry(gradient: a.gradient - b.gradient, hessian: a.hessian - b.hessian, count: a.count - b.count)
    }
}

/// Builds histograms of (Σg, Σh, n) per feature bin for a set of rows.
///
/// Work is split by feature: each thread owns whole features and scans all of the leaf's rows
/// in order, so every sum is accumulated in the same order whatever the thread count (the
/// trees are bit-identical with 1 or 16 threads).
enum HistogramBuilder {
    /// Fills `histogram` (all features, `data.totalBins` entries, overwritten) from `rows`.
    static func build(_ histogram: UnsafeMutableBufferPointer<HistogramEntry>, data: BinnedData,
                      rows: UnsafeBufferPointer<Int32>, gradients: UnsafeBufferPointer<Float>,
                      hessians: UnsafeBufferPointer<Float>, features: [Int], threads: Int) {
        let blocks = featureBlocks(features, rowCount: rows.count, threads: threads)
        let output = UncheckedSendable(histogram)
        data.bins.withUnsafeBufferPointer { bins in
            data.histogramOffsets.withUnsafeBufferPointer { offsets in
                parallelFor(blocks.count, threads: threads) { block in
                    for feature in blocks[block] {
                        let start = offsets[feature]
                        let count = data.featureBins[feature].binCount
                        output.value.baseAddress!.advanced(by: start).initialize(repeating: HistogramEntry(), count: count)
                    }
                    accumulate(into: output.value.baseAddress!, bins: bins.baseAddress!, featureCount: data.featureCount,
                               rows: rows, gradients: gradients.baseAddress!, hessians: hessians.baseAddress!,
                               offsets: offsets.baseAddress!, features: blocks[block])
                }
            }
        }
    }

    /// The hot loop: one pass over the rows, adding each row's (g, h, 1) to its bin in every
    /// feature of `features`.
    @inline(__always)
    static func accumulate(into histogram: UnsafeMutablePointer<HistogramEntry>, bins: UnsafePointer<UInt8>,
                           featureCount: Int, rows: UnsafeBufferPointer<Int32>, gradients: UnsafePointer<Float>,
                           hessians: UnsafePointer<Float>, offsets: UnsafePointer<Int>, features: [Int]) {
        features.withUnsafeBufferPointer { features in
            for r in rows {
                let row = Int(r)
                let rowBins = bins + row * featureCount
                let g = Double(gradients[row]), h = Double(hessians[row])
                for feature in features {
                    let entry = histogram + (offsets[feature] &+ Int(rowBins[feature]))
                    entry.pointee.gradient += g
                    entry.pointee.hessian += h
                    entry.pointee.count &+= 1
                }
            }
        }
    }

    /// `larger = parent − smaller`, entry by entry (the sibling-subtraction trick).
    static func subtract(parent: UnsafeBufferPointer<HistogramEntry>, smaller: UnsafeBufferPointer<HistogramEntry>,
                         into larger: UnsafeMutableBufferPointer<HistogramEntry>) {
        for i in 0..<parent.count { larger[i] = parent[i] - smaller[i] }
    }

    /// Features in contiguous blocks, one per thread (one block when the work is too small to
    /// be worth a thread hand-off).
    static func featureBlocks(_ features: [Int], rowCount: Int, threads: Int) -> [[Int]] {
        let workers = rowCount * features.count < 200_000 ? 1 : max(1, min(threads, features.count))
        var blocks: [[Int]] = []
        for w in 0..<workers {
            let from = features.count * w / workers, to = features.count * (w + 1) / workers
            if from < to { blocks.append(Array(features[from..<to])) }
        }
        return blocks
    }
}
