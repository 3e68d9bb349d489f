import Evaluation

extension InputProfile {
    /// The drift of a whole table against the profile, where ``DriftMonitor`` (Serving) counts
    /// a stream of encoded rows: for each profiled feature that `dataset` has (matched by
    /// name), its rows binned as the training rows were (``Feature/bin(numeric:)``,
    /// ``Feature/bin(category:)``) and compared by the population stability index. Largest
    /// PSI first; features the table lacks are left out.
    public func drift(of dataset: Dataset) -> [(feature: String, psi: Double)] {
        var out: [(feature: String, psi: Double)] = []
        for profiled in features {
            guard let index = dataset.columnIndex(named: profiled.name) else { continue }
            var counts = [Int](repeating: 0, count: profiled.binCount)
            switch dataset.columns[index] {
            case .numeric(let column):
                guard profiled.categories == nil else { continue }
                for value in column.values { counts[profiled.bin(numeric: value)] += 1 }
            case .categorical(let column):
                guard profiled.categories != nil else { continue }
                let binOfCode = column.categories.map { profiled.bin(category: $0) }
                for code in column.codes {
                    counts[code >= 0 && Int(code) < binOfCode.count ? binOfCode[Int(code)] : code == CategoricalColumn.missingCode ? profiled.binCount - 1 : profiled.binCount - 2] += 1
                }
            }
            out.append((profiled.name, PopulationStability.index(expected: profiled.shares, counts: counts)))
        }
        return out.sorted { $0.psi != $1.psi ? $0.psi > $1.psi : $0.feature < $1.feature }
    }
}
