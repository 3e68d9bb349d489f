extension Dataset {
    /// Categorical columns with a distinct value on nearly every row (`share` of them or more,
    /// and at least 50 rows): an id by another name (a customer number, an e-mail), which as a
    /// feature memorises rows instead of learning. For training commands to warn about,
    /// naming the column; the share is distinct values per row.
    public func identifierLikeColumns(share: Double = 0.9) -> [(name: String, distinctShare: Double)] {
        guard rowCount >= 50 else { return [] }
        return columns.compactMap { column in
            guard case .categorical(let c) = column else { return nil }
            let distinct = Double(c.categories.count) / Double(rowCount)
            return distinct >= share ? (c.name, distinct) : nil
        }
    }
}
