import Core
import Evaluation

/// The data of a SHAP summary plot: for the features with the largest mean |contribution|,
/// each sampled row's contribution and where its value ranks among the sampled values.
public struct ContributionSummary: Sendable {
    public struct Feature: Sendable {
        public var name: String
        /// Mean absolute contribution (log-odds) over the sampled rows.
        public var meanAbsolute: Double
        public var contributions: [Double]
        /// The row's value as a rank in [0, 1] among the sampled values of this feature (nil:
        /// missing, or a categorical feature).
        public var valueRanks: [Double?]
    }

    public var rows: Int
    public var features: [Feature]

    /// Contributions of `model` on up to `sampleRows` rows of `data` (every k-th row, so the
    /// sample is spread over the table and the same each time), keeping the `top` features.
    public static func make(model: TrainedModel, data: Dataset, sampleRows: Int = 1000, top: Int = 15, threads: Int = defaultThreadCount) throws -> ContributionSummary {
        let step = max(1, data.rowCount / max(1, sampleRows))
        let sample = data.rows(Array(stride(from: 0, to: data.rowCount, by: step).prefix(sampleRows)))
        let phi = try model.contributions(sample, threads: threads)
        var features: [Feature] = []
        for (k, feature) in model.features.enumerated() {
            let values = phi.map { $0[k] }
            let mean = values.reduce(0) { $0 + abs($1) } / Double(max(1, values.count))
            var ranks = [Double?](repeating: nil, count: values.count)
            if let index = sample.columnIndex(named: feature.name), case .numeric(let column) = sample.columns[index] {
                let present = column.values.indices.filter { !column.values[$0].isNaN }.sorted { column.values[$0] < column.values[$1] }
                for (position, row) in present.enumerated() { ranks[row] = present.count > 1 ? Double(position) / Double(present.count - 1) : 0.5 }
            }
            features.append(Feature(name: feature.name, meanAbsolute: mean, contributions: values, valueRanks: ranks))
        }
        features.sort { $0.meanAbsolute > $1.meanAbsolute }
        return ContributionSummary(rows: sample.rowCount, features: Array(features.prefix(top).filter { $0.meanAbsolute > 0 }))
    }

    /// The summary in the shape ``HTMLReport/render`` plots (a SHAP summary plot).
    public var plotData: (rows: Int, features: [(name: String, contributions: [Double], valueRanks: [Double?])]) {
        (rows, features.map { ($0.name, $0.contributions, $0.valueRanks) })
    }
}
