import Core
import Evaluation

/// The training rows as bin indices, one byte per (row, feature), column-major:
///
///     feature 0: [b(0,0) b(1,0) … b(n-1,0)]
///     feature 1: [b(0,1) b(1,1) … b(n-1,1)]
///
/// Large leaves' histograms are built one feature at a time from these columns; training data
/// also keeps a row-major copy (``rowBins``) for small leaves, whose scattered rows it reads in
/// one or two cache lines each with prefetching (without prefetching, the row-major layout
/// spent half its time waiting for the first bin of each row; see ``HistogramBuilder``).
///
/// `histogramOffsets[f]` is where feature f's bins start in a flat histogram of all
/// features (`totalBins` entries).
public struct BinnedData: Sendable {
    public let rowCount: Int
    public let featureCount: Int
    public let bins: [UInt8]
    /// The same bins row-major (`rowBins[row · featureCount + feature]`), kept for training
    /// data only (empty otherwise): a small leaf's histogram reads each of its scattered rows
    /// once, one or two cache lines, instead of one line per feature (see ``HistogramBuilder``).
    public let rowBins: [UInt8]
    public let featureBins: [FeatureBins]
    public let histogramOffsets: [Int]
    public let totalBins: Int

    /// Bins every row of `dataset` with `featureBins` (one per column), on `threads` threads.
    /// The bin of `row` in `feature`.
    @inline(__always)
    public func bin(row: Int, feature: Int) -> Int { Int(bins[feature &* rowCount &+ row]) }

    public init(dataset: Dataset, featureBins: [FeatureBins], threads: Int, rowMajorCopy: Bool = false) {
        precondition(featureBins.count == dataset.columns.count)
        rowCount = dataset.rowCount
        featureCount = dataset.columns.count
        self.featureBins = featureBins
        var offsets: [Int] = [], total = 0
        for bins in featureBins { offsets.append(total); total += bins.binCount }
        histogramOffsets = offsets
        totalBins = total
        let rowCount = self.rowCount
        var matrix = [UInt8](repeating: 0, count: rowCount * featureCount)
        let categoryTables: [[UInt8]?] = zip(dataset.columns, featureBins).map { column, bins in
            if case .categorical(let c) = column { return bins.binOfCategoryCode(categoryCount: c.categories.count) }
            return nil
        }
        let binners = featureBins.map { $0.isCategorical ? nil : FeatureBins.FloatBinner($0) }
        let blockSize = 8192
        let blocks = (rowCount + blockSize - 1) / blockSize
        matrix.withUnsafeMutableBufferPointer { out in
            let output = UncheckedSendable(out)
            parallelFor(blocks, threads: threads) { block in
                let rows = (block * blockSize)..<min(rowCount, (block + 1) * blockSize)
                for (feature, column) in dataset.columns.enumerated() {
                    switch column {
                    case .numeric(let c):
                        binners[feature]!.withBinFunction { bin in
                            c.values.withUnsafeBufferPointer { values in
                                for row in rows { output.value[feature * rowCount + row] = UInt8(truncatingIfNeeded: bin(values[row])) }
                            }
                        }
                    case .categorical(let c):
                        let table = categoryTables[feature]!
                        let other = UInt8(featureBins[feature].missingBin)
                        for row in rows {
                            let code = Int(c.codes[row])
                            output.value[feature * rowCount + row] = code >= 0 && code < table.count ? table[code] : other
                        }
                    }
                }
            }
        }
        bins = matrix
        rowBins = rowMajorCopy ? Self.transpose(matrix, rowCount: rowCount, featureCount: featureCount, threads: threads) : []
    }

    /// The row-major copy of the column-major `columns`, in blocks of rows on `threads` threads.
    static func transpose(_ columns: [UInt8], rowCount: Int, featureCount: Int, threads: Int) -> [UInt8] {
        var rows = [UInt8](repeating: 0, count: rowCount * featureCount)
        let blockSize = 4096
        rows.withUnsafeMutableBufferPointer { out in
            columns.withUnsafeBufferPointer { columns in
                let output = UncheckedSendable(out)
                parallelFor((rowCount + blockSize - 1) / blockSize, threads: threads) { block in
                    let from = block * blockSize, to = min(rowCount, from + blockSize)
                    for feature in 0..<featureCount {
                        let column = columns.baseAddress! + feature * rowCount
                        for row in from..<to { output.value[row * featureCount + feature] = column[row] }
                    }
                }
            }
        }
        return rows
    }

    /// Finds bin boundaries for every column of `dataset` (numeric: from a sample of
    /// `parameters.binSampleCount` rows; categorical: by frequency).
    public static func findBins(_ dataset: Dataset, parameters: GBDTParameters, threads: Int) -> [FeatureBins] {
        let sample = binningSample(rowCount: dataset.rowCount, count: parameters.binSampleCount, seed: parameters.seed)
        let slots = ResultSlots<FeatureBins>(count: dataset.columns.count)
        parallelFor(dataset.columns.count, threads: threads) { feature in
            switch dataset.columns[feature] {
            case .numeric(let c):
                slots[feature] = FeatureBins.numeric(values: c.values, sampleRows: sample, maxBin: parameters.maxBin,
                                                     minDataInBin: parameters.minDataInBin)
            case .categorical(let c):
                slots[feature] = FeatureBins.categorical(codes: c.codes, categoryCount: c.categories.count,
                                                         maxCategories: min(254, parameters.maxBin))
            }
        }
        return slots.values
    }
}
