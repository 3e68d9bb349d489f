import Evaluation
import Foundation
import Leads
import Testing
import TestSupport
@testable import Training

/// Differential tests against LightGBM 4.7.0, in the manner of scikit-learn's
/// `test_compare_lightgbm.py`. The fixtures (`Tests/Fixtures/lightgbm/*.json`) were made by
/// `scripts/fixtures/make_lightgbm_fixtures.py` on the same rows with the same parameters.
///
/// Exact equality is impossible: bin boundaries are found by slightly different greedy rules
/// (LightGBM also isolates zero in its own bin and nudges thresholds by one ulp), LightGBM
/// approximates leaf row counts from hessians where mlctl counts rows, and categorical bins are
/// ordered differently. These shift individual split choices, so predictions differ row by
/// row while the models are equally good: the tolerance is on test ROC-AUC, 0.005 as the
/// issue asks, plus a loose check that the predictions agree in rank.
@Suite struct LightGBMParityTests {
    @Test(arguments: PublicDatasets.names)
    func leafwiseMatchesLightGBMTestAUC(_ name: String) throws {
        let (train, test) = try PublicDatasets.load(name)
        try compare(name, train: train, test: test)
    }

    /// Trains with the fixtures' parameters (500 trees, learning rate 0.05, 31 leaves,
    /// max_bin 255) and checks test AUC against LightGBM's, and that the predictions rank
    /// LightGBM's own decisions well.
    func compare(_ name: String, train: Dataset, test: Dataset) throws {
        let fixture = try PublicDatasets.fixture("lightgbm/\(name).leafwise.json")
        var parameters = GBDTParameters()
        parameters.trees = 500
        parameters.learningRate = 0.05
        parameters.numLeaves = 31
        parameters.maxBin = 255
        let model = try GBDTTrainer.train(train, parameters: parameters)
        let probabilities = try model.probabilities(test)
        let auc = RankingMetrics.rocAUC(scores: probabilities, labels: test.labels)
        let reference = fixture["test_auc"] as! Double
        #expect(abs(auc - reference) <= 0.005, "\(name): mlctl AUC \(auc), LightGBM \(reference)")
        let referenceProbabilities = fixture["test_probabilities"] as! [Double]
        let agreement = RankingMetrics.rocAUC(scores: probabilities, labels: referenceProbabilities.map { $0 > 0.5 ? 1 : 0 })
        #expect(agreement > 0.9, "\(name): predictions rank LightGBM's decisions with AUC \(agreement)")
        print("parity \(name): mlctl test AUC \(auc), LightGBM \(reference), log loss \(ProbabilityMetrics.logLoss(probabilities: probabilities, labels: test.labels)) vs \(fixture["test_log_loss"] as! Double)")
    }
}

extension LightGBMParityTests {
    /// The bundled leads (40,000 training rows, 118 features of which 11 categorical with up
    /// to 177 levels) against `leads.leafwise.json` from
    /// `scripts/fixtures/make_lightgbm_leads_fixture.py`, same split and parameters.
    @Test func bundledLeadsMatchLightGBMTestAUC() throws {
        let (leads, agents) = BundledLeads.load()
        let dataset = LeadDataset.make(leads: leads, agents: agents)
        let testRows = try String(contentsOf: TestPaths.dataset("leads.test_rows.txt"), encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        try compare("leads", train: dataset.rows(StratifiedSplit.complement(of: testRows, rowCount: dataset.rowCount)), test: dataset.rows(testRows))
    }
}
