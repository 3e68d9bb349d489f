import Evaluation
import Experiments
import Foundation
import Leads
import Testing
@testable import Serving
import Training

/// A/B assignment and the rule-based control score, without a database.
@Suite struct ABTestingTests {
    /// Values computed outside mlctl with the documented recipe:
    /// `int.from_bytes(hashlib.sha256(f"{name}:{lead_id}".encode()).digest()[:4], "big") % 10000`.
    @Test func bucketsMatchTheDocumentedRecipe() {
        #expect(ABAssignment.bucket(testName: "ml_lead_scoring_v2", leadID: 1) == 1210)
        #expect(ABAssignment.bucket(testName: "ml_lead_scoring_v2", leadID: 12345) == 618)
        #expect(ABAssignment.bucket(testName: "ml_lead_scoring_v2", leadID: 9_007_199_254_740_993) == 1839)
        #expect(ABAssignment.bucket(testName: "café-test", leadID: 42) == 8981)
        #expect(ABAssignment.variant(bucket: 4999, controlPercent: 50) == .control)
        #expect(ABAssignment.variant(bucket: 5000, controlPercent: 50) == .treatment)
        #expect(ABAssignment.variant(bucket: 0, controlPercent: 1) == .control && ABAssignment.variant(bucket: 100, controlPercent: 1) == .treatment)
    }

    /// 100,000 consecutive ids over the 10,000 buckets: χ² with 9,999 degrees of freedom must
    /// not reject uniformity (p ≥ 0.001), and 50/50 and 70/30 splits must pass the
    /// sample-ratio check the results use.
    @Test func assignmentIsUniformAndStable() {
        var counts = [Int](repeating: 0, count: ABAssignment.bucketCount)
        var control50 = 0, control70 = 0
        for id in Int64(1)...100_000 {
            let bucket = ABAssignment.bucket(testName: "uniformity", leadID: id)
            counts[bucket] += 1
            if ABAssignment.variant(bucket: bucket, controlPercent: 50) == .control { control50 += 1 }
            if ABAssignment.variant(bucket: bucket, controlPercent: 70) == .control { control70 += 1 }
        }
        let uniformity = SampleRatioCheck(observed: counts, shares: [Double](repeating: 1, count: counts.count))
        #expect(uniformity.passed, "χ² = \(uniformity.chiSquare), p = \(uniformity.pValue)")
        #expect(SampleRatioCheck(observed: [control50, 100_000 - control50], shares: [50, 50]).passed, "\(control50)")
        #expect(SampleRatioCheck(observed: [control70, 100_000 - control70], shares: [70, 30]).passed, "\(control70)")
        // Stable: the same lead gets the same bucket every time; another test name reshuffles.
        #expect((1...1000).allSatisfy { ABAssignment.bucket(testName: "uniformity", leadID: Int64($0)) == ABAssignment.bucket(testName: "uniformity", leadID: Int64($0)) })
        let agreement = (1...10_000).filter {
            ABAssignment.variant(testName: "a", leadID: Int64($0), controlPercent: 50) == ABAssignment.variant(testName: "b", leadID: Int64($0), controlPercent: 50)
        }.count
        #expect(abs(agreement - 5000) < 300, "tests a and b agree on \(agreement) of 10,000 leads; independent tests agree on about half")
    }

    @Test func ruleBasedScoreAddsUpTheDocumentedPoints() {
        var lead = LeadRecord(id: 1, vertical: "pc", createdAt: 1_760_000_000)
        lead.email = "ann.lee@gmail.com"
        lead.phone = "(415) 555-0134"
        lead.firstName = "Ann"
        lead.lastName = "Lee"
        lead.address = "12 Oak Ave"
        lead.zipcode = "94107"
        lead.state = "CA"
        lead.formCompleted = true
        lead.quoteRequested = true
        lead.pagesVisited = 14
        lead.timeOnSiteSeconds = 300
        lead.returnVisitor = true
        lead.source = "referral"
        // 40 contact + 45 engagement + 15 source = 100.
        let full = RuleBasedLeadScorer.score(lead, agent: nil, factors: 20)
        #expect(full.score == 1.0 && full.qualityLevel == "High")
        #expect(abs(full.factors.reduce(0) { $0 + $1.contribution } - 1.0) < 1e-12)
        #expect(full.factors.first?.feature == "source" && full.factors.first?.contribution == 0.15)

        var sparse = LeadRecord(id: 2, vertical: "health", createdAt: 1_760_000_000)
        sparse.email = "not-an-email"
        sparse.pagesVisited = 3
        sparse.source = "display"
        // 3 pages − 8 for display, clamped at 0.
        let low = RuleBasedLeadScorer.score(sparse, agent: nil, factors: 5)
        #expect(low.score == 0 && low.qualityLevel == "Very Low")
        sparse.formCompleted = true
        sparse.state = "NY"
        // 12 + 2 + 3 − 8 = 9 points.
        #expect(abs(RuleBasedLeadScorer.score(sparse, agent: nil, factors: 0).score - 0.09) < 1e-12)
    }

    @Test func definitionsAreValidatedFieldByField() {
        var definition = ABTestDefinition(name: "ok_name-1.2")
        #expect(definition.validate() == nil)
        definition.split = ["control": 60, "treatment": 50]
        #expect(definition.validate()?.field == "split")
        definition.split = ["control": 100, "treatment": 0]
        #expect(definition.validate()?.field == "split.control")
        definition.split = ["control": 50, "other": 50]
        #expect(definition.validate()?.field == "split")
        definition = ABTestDefinition(name: "a b")
        #expect(definition.validate()?.field == "name")
        definition = ABTestDefinition(name: "x")
        definition.alpha = 0.7
        #expect(definition.validate()?.field == "alpha")
    }
}
