import Core
import Foundation
import Leads
import Testing
import TestSupport
import Training

/// `serve` over a bundle written by `mlctl import` (issue #25): `/api/v1/models/:name/predict`
/// answers the fixture rows of `Tests/Fixtures/import` with the probabilities and contributions
/// (`pred_contrib`, the bias last) the library itself computed (`scripts/fixtures/make_import_fixtures.py`), to the tolerance of
/// `ModelImportFixtureTests`: 1e-6 × max(1, |expected|).
///
/// The rows go over HTTP as a client would send them: numbers as JSON numbers (the float32
/// value mlctl read from the CSV, written so that it reads back to the same float), categories
/// as their text, missing values as `null`.
@Suite("Import: serving an imported bundle")
struct ImportedBundleServingTests {
    /// One LightGBM model with categorical splits on a public table, one XGBoost model, and
    /// LightGBM on the bundled leads (11 categorical columns, up to 177 levels).
    static let cases = ["credit_data.lightgbm.txt", "spam.xgboost.json", "leads.lightgbm.txt"]

    @Test(arguments: cases)
    func predictAnswersAsTheLibrary(_ file: String) throws {
        let name = file.split(separator: ".").prefix(2).joined(separator: ".")
        let expected = try PublicDatasets.fixture("import/\(name).expected.json")
        let imported = try ModelImport.read(TestPaths.fixture("import/\(file)"), format: file.hasSuffix(".txt") ? .lightgbm : .xgboost)
        let directory = TestPaths.temporaryDirectory("import-serve")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bundle = directory.appendingPathComponent("imported")
        try ModelImport.writeBundle(imported, target: expected["table"] as? String == "leads" ? "converted" : "label", to: bundle)

        let (server, _) = try ServingFixture.start(models: bundle)
        defer { server.stop(); server.wait() }
        let client = try TestHTTPClient(port: server.port)
        let data = try Self.rows(of: expected)
        let probabilities = expected["probabilities"] as! [Double], contributions = expected["contributions"] as! [[Double]]
        #expect(data.rowCount == probabilities.count && contributions.count >= 50)
        let features = imported.model.features
        var worst = (probability: 0.0, contribution: 0.0)
        // ServingFixture allows 50 instances per request; the first request asks for
        // contributions too (the fixture has them for its first 60 rows).
        for start in stride(from: 0, to: data.rowCount, by: 50) {
            let rows = Array(start..<min(start + 50, data.rowCount))
            let body = Self.instances(data, rows: rows, features: features, contributions: start == 0)
            let response = try client.request("POST", "/api/v1/models/imported/predict", body: body)
            #expect(response.status == 200, "\(response.text.prefix(500))")
            guard case .array(let predictions)? = response.json?["predictions"], predictions.count == rows.count else {
                Issue.record(Comment(rawValue: "\(name): \(response.text.prefix(500))"))
                return
            }
            for (row, prediction) in zip(rows, predictions) {
                guard case .number(let score)? = prediction["score"] else {
                    Issue.record(Comment(rawValue: "\(name) row \(row): \(prediction)"))
                    continue
                }
                worst.probability = max(worst.probability, abs(score - probabilities[row]))
                #expect(Self.close(score, probabilities[row]), "\(name) row \(row): served \(score), library \(probabilities[row])")
                guard start == 0 else { continue }
                guard let served = prediction["contributions"], case .number(let bias)? = prediction["bias"] else {
                    Issue.record(Comment(rawValue: "\(name) row \(row): no contributions in \(prediction)"))
                    continue
                }
                let actual = features.map { feature -> Double in
                    if case .number(let c)? = served[feature.name] { return c }
                    return .nan
                } + [bias]
                #expect(actual.count == contributions[row].count)
                for (value, reference) in zip(actual, contributions[row]) {
                    worst.contribution = max(worst.contribution, abs(value - reference))
                    #expect(Self.close(value, reference), "\(name) row \(row): served contributions \(actual), library \(contributions[row])")
                }
            }
        }
        print("import serve \(name): max |Δ| probability \(worst.probability), contribution \(worst.contribution)")
    }

    static func close(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= 1e-6 * max(1, abs(expected))
    }

    /// The fixture's rows as mlctl reads them (the same tables as `ModelImportFixtureTests`).
    static func rows(of expected: [String: Any]) throws -> Dataset {
        let table = expected["table"] as! String, rows = expected["rows"] as! [Int]
        if table == "leads" {
            let (leads, agents) = BundledLeads.load()
            return LeadDataset.make(leads: leads, agents: agents).rows(rows)
        }
        let test = try PublicDatasets.load(table).test
        let testRows = try String(contentsOf: TestPaths.dataset("public/splits/\(table).test_rows.txt"), encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0) }
        let position = Dictionary(uniqueKeysWithValues: testRows.enumerated().map { ($1, $0) })
        return test.rows(rows.map { position[$0]! })
    }

    /// `{"instances": [...], "contributions": ...}` for `rows` of `data`, one key per model feature.
    static func instances(_ data: Dataset, rows: [Int], features: [ModelFeature], contributions: Bool) -> String {
        let columns = features.map { feature in data.columns[data.columnIndex(named: feature.name)!] }
        var writer = JSONWriter()
        writer.object { o in
            o.key("instances")
            o.array { a in
                for row in rows {
                    a.object { instance in
                        for (feature, column) in zip(features, columns) {
                            instance.key(feature.name)
                            switch column {
                            case .numeric(let c):
                                let value = c.values[row]
                                if value.isNaN { instance.null() } else { instance.number(Double(value)) }
                            case .categorical(let c):
                                if let text = c.category(atRow: row) { instance.string(text) } else { instance.null() }
                            }
                        }
                    }
                }
            }
            o.field("contributions", contributions)
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
