/// The median of `values`: the middle value, or the mean of the two middle values for an even
/// count (as NumPy's `median`). - Precondition: `values` is not empty.
public func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "the median of no values")
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
