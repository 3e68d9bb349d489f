import Core
import Evaluation
import Training

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
            columns.append(.categorical(CategoricalColumn(name: name, texts: features.map { $0.categorical[k] })))
        }
        let labels = leads.map { $0.converted == true ? UInt8(1) : 0 }
        return Dataset(columns: columns, labels: labels, rowCount: leads.count)
    }
}
