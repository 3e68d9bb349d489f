/// A dense row-major matrix of `Double`: the design matrix of the linear models, one row per
/// example. Row-major so that a block of rows is one contiguous slice for BLAS.
public struct DenseMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    /// `rowCount × columnCount` values; element (i, j) at `i * columnCount + j`.
    public var values: [Double]

    public init(rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(values.count == rowCount * columnCount, "DenseMatrix: \(values.count) values for \(rowCount) × \(columnCount)")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    public init(rowCount: Int, columnCount: Int) {
        self.init(rowCount: rowCount, columnCount: columnCount, values: [Double](repeating: 0, count: rowCount * columnCount))
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columnCount + column] }
        set { values[row * columnCount + column] = newValue }
    }

    /// A matrix whose every element `fill` writes, given the uninitialised row-major storage
    /// (no zeroing pass first: for large matrices that pass costs as much as the fill).
    /// - Precondition: `fill` initialises all `rowCount × columnCount` elements.
    public init(rowCount: Int, columnCount: Int, filling fill: (UnsafeMutableBufferPointer<Double>) -> Void) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        values = [Double](unsafeUninitializedCapacity: rowCount * columnCount) { buffer, initialised in
            fill(buffer)
            initialised = rowCount * columnCount
        }
    }

    /// Row `row` as an array (for tests and single-row paths, not for hot loops).
    public func row(_ row: Int) -> [Double] {
        Array(values[(row * columnCount)..<((row + 1) * columnCount)])
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> DenseMatrix {
        var out = [Double](repeating: 0, count: indices.count * columnCount)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for (k, i) in indices.enumerated() {
                    (target.baseAddress! + k * columnCount).update(from: source.baseAddress! + i * columnCount, count: columnCount)
                }
            }
        }
        return DenseMatrix(rowCount: indices.count, columnCount: columnCount, values: out)
    }

    /// This matrix with `other`'s rows appended (same column count).
    public func appending(_ other: DenseMatrix) -> DenseMatrix {
        precondition(other.columnCount == columnCount || other.rowCount == 0)
        return DenseMatrix(rowCount: rowCount + other.rowCount, columnCount: columnCount, values: values + other.values)
    }
}
