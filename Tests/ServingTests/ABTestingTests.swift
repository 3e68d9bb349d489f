import Core
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
        #expect(ABAssignment.armIndex(bucket: 4999, percents: [50, 50]) == 0)
        #expect(ABAssignment.armIndex(bucket: 5000, percents: [50, 50]) == 1)
        #expect(ABAssignment.armIndex(bucket: 0, percents: [1, 99]) == 0 && ABAssignment.armIndex(bucket: 100, percents: [1, 99]) == 1)
        // More arms: cumulative percents, the first arm whose upper bound exceeds the bucket.
        #expect([0, 4999, 5000, 7499, 7500, 9899, 9900, 9999].map { ABAssignment.armIndex(bucket: $0, percents: [50, 25, 24, 1]) }
                == [0, 0, 1, 1, 2, 2, 3, 3])
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
            if ABAssignment.armIndex(bucket: bucket, percents: [50, 50]) == 0 { control50 += 1 }
            if ABAssignment.armIndex(bucket: bucket, percents: [70, 30]) == 0 { control70 += 1 }
        }
        let uniformity = SampleRatioCheck(observed: counts, shares: [Double](repeating: 1, count: counts.count))
        #expect(uniformity.passed, "χ² = \(uniformity.chiSquare), p = \(uniformity.pValue)")
        #expect(SampleRatioCheck(observed: [control50, 100_000 - control50], shares: [50, 50]).passed, "\(control50)")
        #expect(SampleRatioCheck(observed: [control70, 100_000 - control70], shares: [70, 30]).passed, "\(control70)")
        // Stable: the same lead gets the same bucket every time; another test name reshuffles.
        #expect((1...1000).allSatisfy { ABAssignment.bucket(testName: "uniformity", leadID: Int64($0)) == ABAssignment.bucket(testName: "uniformity", leadID: Int64($0)) })
        let agreement = (1...10_000).filter {
            ABAssignment.armIndex(bucket: ABAssignment.bucket(testName: "a", leadID: Int64($0)), percents: [50, 50])
                == ABAssignment.armIndex(bucket: ABAssignment.bucket(testName: "b", leadID: Int64($0)), percents: [50, 50])
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
        #expect(throws: FieldError.self) { try ABArm.fromSplit(["control": 60, "treatment": 50]) }
        func splitField(_ split: [String: Int]) -> String? {
            do { _ = try ABArm.fromSplit(split); return nil } catch { return error.field }
        }
        #expect(splitField(["control": 60, "treatment": 50]) == "split")
        #expect(splitField(["control": 100, "treatment": 0]) == "split.control")
        #expect(splitField(["control": 50, "other": 50]) == "split")
        #expect(splitField(["control": 30, "treatment": 70]) == nil)
        definition = ABTestDefinition(name: "a b")
        #expect(definition.validate()?.field == "name")
        definition = ABTestDefinition(name: "x")
        definition.alpha = 0.7
        #expect(definition.validate()?.field == "alpha")
    }
}
