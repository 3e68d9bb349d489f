import Foundation
import Leads
import TestSupport
import Testing
import Training

/// LightGBM and XGBoost models imported by ``ModelImport`` score and explain rows as the
/// libraries do (`Tests/Fixtures/import`, from `scripts/fixtures/make_import_fixtures.py`):
/// raw scores, probabilities and `pred_contrib` on 200 test rows of each public table (60 for
/// contributions), of the bundled leads' feature table (`datasets/leads.test_rows.txt`; LightGBM
/// with its 11 categorical columns, XGBoost on the 107 numeric ones) and of a generated table
/// with an integer-coded categorical column.
///
/// Tolerance: 1e-6 × max(1, |expected|), for scores and contributions alike. The trees route
/// every row exactly as the library does (the checks on single splits are exact); what remains
/// is rounding. LightGBM adds the same doubles in the same order, but its TreeSHAP is the
/// EXTEND/UNWIND recursion, not mlctl's quadrature, and the fixtures keep 12 significant
/// digits. XGBoost computes in 32-bit floats (its margins and `pred_contrib` are float32:
/// about 6e-8 relative per operation, over 30 trees), and its cover shares divide by a
/// parent's hessian sum where mlctl divides by the children's sum, which differ in the last
/// float bit.
@Suite("Import: LightGBM and XGBoost fixtures")
struct ModelImportFixtureTests {
    static let cases = ["wa_churn.lightgbm", "credit_data.lightgbm", "spam.lightgbm", "integer_categorical.lightgbm",
                        "wa_churn.xgboost", "credit_data.xgboost", "spam.xgboost", "leads.lightgbm", "leads.xgboost"]

    /// The bundled leads as `mlctl datasets export --format features` writes them, made once
    /// for both leads cases (generating 50,000 leads takes seconds in a debug build).
    static let leads: Dataset = {
        let (leads, agents) = BundledLeads.load()
        return LeadDataset.make(leads: leads, agents: agents)
    }()

    /// The rows the fixture scored, as mlctl reads them.
    static func rows(of expected: [String: Any]) throws -> Dataset {
        let table = expected["table"] as! String
        let rows = expected["rows"] as! [Int]
        if table == "integer_categorical" {
            let data = try CSVReader.read(contentsOf: TestPaths.fixture("import/integer_categorical.csv"),
                                          options: CSVReadOptions(target: "label", columnKinds: ["code": .categorical]))
            return data.rows(rows)
        }
        if table == "leads" { return leads.rows(rows) }
        let test = try PublicDatasets.load(table).test
        let testRows = try String(contentsOf: TestPaths.dataset("public/splits/\(table).test_rows.txt"), encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0) }
        let position = Dictionary(uniqueKeysWithValues: testRows.enumerated().map { ($1, $0) })
        return test.rows(rows.map { position[$0]! })
    }

    static func close(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= 1e-6 * max(1, abs(expected))
    }

    @Test(arguments: cases)
    func scoresAndContributionsEqualTheLibrary(_ name: String) throws {
        let expected = try PublicDatasets.fixture("import/\(name).expected.json")
        let format: ModelImportFormat = (expected["library"] as! String) == "lightgbm" ? .lightgbm : .xgboost
        let imported = try ModelImport.read(TestPaths.fixture("import/\(expected["model_file"] as! String)"), format: format)
        let model = imported.model
        #expect(model.features.map(\.name) == expected["columns"] as! [String])
        let data = try Self.rows(of: expected)
        let raw = try model.rawScores(data), probabilities = try model.probabilities(data)
        let expectedRaw = expected["raw_scores"] as! [Double], expectedProbabilities = expected["probabilities"] as! [Double]
        #expect(raw.count == expectedRaw.count)
        var worst = (raw: 0.0, probability: 0.0, contribution: 0.0)
        for row in raw.indices {
            worst.raw = max(worst.raw, abs(raw[row] - expectedRaw[row]))
            worst.probability = max(worst.probability, abs(probabilities[row] - expectedProbabilities[row]))
            #expect(Self.close(raw[row], expectedRaw[row]), "row \(row): raw \(raw[row]) against \(expectedRaw[row])")
            #expect(Self.close(probabilities[row], expectedProbabilities[row]), "row \(row): probability")
        }
        let contributionRows = expected["contributions"] as! [[Double]]
        let phi = try model.contributions(data.rows(Array(0..<contributionRows.count)))
        for (row, expectedRow) in contributionRows.enumerated() {
            let actual = phi[row] + [model.expectedRawScore]
            #expect(actual.count == expectedRow.count)
            for (feature, value) in zip(actual, expectedRow) {
                worst.contribution = max(worst.contribution, abs(feature - value))
                #expect(Self.close(feature, value), "row \(row): contributions \(actual) against \(expectedRow)")
            }
        }
        print("import agreement \(name): max |Δ| raw \(worst.raw), probability \(worst.probability), contribution \(worst.contribution)")
    }

    /// The bundle written for an imported model reads back (checksums, ``ModelValidation``)
    /// with the same model, and records where it came from.
    @Test func bundleReadsBack() throws {
        let directory = TestPaths.temporaryDirectory("import-bundle")
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["wa_churn.lightgbm.txt", "spam.xgboost.json"] {
            let imported = try ModelImport.read(TestPaths.fixture("import/\(name)"), format: name.hasSuffix(".txt") ? .lightgbm : .xgboost)
            let out = directory.appendingPathComponent(name)
            try ModelImport.writeBundle(imported, target: "label", to: out)
            let (manifest, model) = try ModelBundle.read(from: out)
            #expect(model == .gbdt(imported.model))
            #expect(manifest.inputSchema == imported.model.features)
            let provenance = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(ModelImport.provenanceFile))) as! [String: String]
            #expect(provenance["file"] == name)
        }
    }
}
