import Core
import Evaluation

/// Builds model-ready ``Dataset``s from leads with the one ``FeatureExtractor``.
public enum LeadDataset {
    /// The name of the label column in feature tables: whether the lead converted.
    public static let targetName = "converted"

    /// Features of every lead (label: `converted`, missing counted as 0), extracted on
    /// `threads` threads. Categorical dictionaries are sorted by UTF-8 bytes, as the CSV
    /// reader sorts them, so a feature table written to CSV reads back identically.
    public static func make(leads: [LeadRecord], agents: [AgentRecord], threads: Int = defaultThreadCount) -> Dataset {
        let agentsByID = Dictionary(agents.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let extractor = FeatureExtractor()
        let schema = FeatureExtractor.schema
        let blockSize = 4096
        let blocks = (leads.count + blockSize - 1) / blockSize
        let slots = ResultSlots<[LeadFeatures]>(count: blocks)
        parallelFor(blocks, threads: threads) { block in
            let range = (block * blockSize)..<min(leads.count, (block + 1) * blockSize)
            slots[block] = range.map { i in
                extractor.extract(leads[i], agent: leads[i].agentId.flatMap { agentsByID[$0] })
            }
        }
        let features = slots.values.flatMap { $0 }
        var columns: [Column] = []
        for (k, name) in schema.numericNames.enumerated() {
            columns.append(.numeric(NumericColumn(name: name, values: features.map { $0.numeric[k] })))
        }
        for (k, name) in schema.categoricalNames.enumerated() {
            columns.append(.categorical(categoricalColumn(name: name, values: features.map { $0.categorical[k] })))
        }
        let labels = leads.map { $0.converted == true ? UInt8(1) : 0 }
        return Dataset(columns: columns, labels: labels, rowCount: leads.count)
    }

    /// A categorical column from text values, with a sorted dictionary.
    public static func categoricalColumn(name: String, values: [String?]) -> CategoricalColumn {
        let categories = Set(values.compactMap { $0 }).sorted(by: utf8Order)
        var codeOf: [String: Int32] = [:]
        for (code, text) in categories.enumerated() { codeOf[text] = Int32(code) }
        return CategoricalColumn(name: name, codes: values.map { $0.map { codeOf[$0]! } ?? CategoricalColumn.missingCode },
                                 categories: categories)
    }
}

/// The order of category dictionaries everywhere in mlctl: by UTF-8 bytes (code points),
/// which does not depend on locale or Unicode normalisation.
@inline(__always)
public func utf8Order(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
