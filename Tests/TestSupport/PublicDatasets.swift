import Foundation
import Training

/// The real tables in `datasets/public/` with their stratified train/test splits, read with
/// the column kinds of their schema files (as the fixture scripts read them).
public enum PublicDatasets {
    public static let names = ["wa_churn", "credit_data", "spam"]

    /// (train, test) parts of table `name`, label `label`.
    public static func load(_ name: String) throws -> (train: Dataset, test: Dataset) {
        let schemaURL = TestPaths.dataset("public/\(name).schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL)) as! [String: Any]
        var kinds: [String: ColumnKind] = [:]
        for column in schema["columns"] as! [[String: Any]] {
            kinds[column["name"] as! String] = (column["type"] as! String) == "categorical" ? .categorical : .numeric
        }
        let dataset = try CSVReader.read(contentsOf: TestPaths.dataset("public/\(name).csv"),
                                         options: CSVReadOptions(target: "label", columnKinds: kinds))
        let testRows = try String(contentsOf: TestPaths.dataset("public/splits/\(name).test_rows.txt"), encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0) }
        let trainRows = StratifiedSplit.complement(of: testRows, rowCount: dataset.rowCount)
        return (dataset.rows(trainRows), dataset.rows(testRows))
    }

    /// A fixture JSON file under `Tests/Fixtures/`.
    public static func fixture(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: TestPaths.fixture(relative))) as! [String: Any]
    }
}
