extension Dataset {
    /// Columns with a distinct value on nearly every row (`share` of them or more, and at
    /// least 50 rows): categorical ones (a customer number, an e-mail) and whole-number ones (a
    /// row id): an id by another name, which as a feature memorises rows instead of learning.
    /// For training commands to warn about, naming the column; the share is distinct values
    /// per row. (A continuous measurement is seldom whole numbers that never repeat.)
    public func identifierLikeColumns(share: Double = 0.9) -> [(name: String, distinctShare: Double)] {
        guard rowCount >= 50 else { return [] }
        return columns.compactMap { column in
            switch column {
            case .categorical(let c):
                let distinct = Double(c.categories.count) / Double(rowCount)
                return distinct >= share ? (c.name, distinct) : nil
            case .numeric(let c):
                guard c.values.allSatisfy({ $0.isNaN || $0 == $0.rounded() }) else { return nil }
                let distinct = Double(Set(c.values.filter { !$0.isNaN }).count) / Double(rowCount)
                return distinct >= share ? (c.name, distinct) : nil
            }
        }
    }
}
