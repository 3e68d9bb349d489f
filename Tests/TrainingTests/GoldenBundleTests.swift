import Foundation
import Testing
import TestSupport
@testable import Training

/// A bundle written by an earlier mlctl (format version 1, committed under
/// `Tests/Fixtures/golden/`) must keep loading and scoring the same: a change to the model
/// format that breaks old bundles fails here, and needs a migration rather than a new golden
/// file. Made with `SOURCE_DATE_EPOCH=1795600000 mlctl train --data
/// datasets/public/credit_data.csv --target label --trees 5 --num-leaves 8`.
@Suite struct GoldenBundleTests {
    @Test func formatVersionOneStillLoadsAndScoresTheSame() throws {
        let (manifest, model) = try ModelBundle.read(from: TestPaths.fixture("golden/gbdt-v1"))
        #expect(model.gbdt != nil)
        #expect(manifest.formatVersion == 1 && manifest.modelKind == "gbdt" && manifest.target == "label")
        #expect(manifest.createdAt == "2026-11-25T09:46:40Z")
        var kinds: [String: ColumnKind] = [:]
        for feature in manifest.inputSchema { kinds[feature.name] = feature.kind }
        let data = try CSVReader.read(contentsOf: TestPaths.fixture("golden/credit_data_head.csv"),
                                      options: CSVReadOptions(ignoredColumns: ["label"], columnKinds: kinds))
        let expected = try String(contentsOf: TestPaths.fixture("golden/gbdt-v1.expected_scores.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { Double($0)! }
        #expect(try model.probabilities(data) == expected)
    }
}
