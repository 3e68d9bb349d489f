import Core
import Database
import Foundation
import Leads
import Training
import Tuning

/// A finished A/B test simulated on synthetic leads, for `mlctl db seed --ab-test NAME`: so
/// that `mlctl ab results` has something real to show without waiting weeks.
///
/// Each lead is assigned by ``ABAssignment`` at its arrival time. Control leads keep the
/// outcome the generator drew (agents worked them in rule-score order). In the treatment arm,
/// agents work leads in ML-score order and reach the promising ones sooner, which the
/// simulation models as: a lead an agent accepted but that did not convert under control
/// converts with probability ``treatmentRescueRate`` (accepted leads are the ones the
/// generator's conversion propensity rates highly), and such late conversions come 20 %
/// faster than the usual delay. Each lead's draw uses its own stream `(seed, lead id)`, so
/// the result does not depend on how the leads are split into blocks.
public enum ABSimulation {
    /// The share of accepted, unconverted treatment leads that convert: 0.05 gives a relative
    /// conversion lift of roughly 15-20 % on the bundled generator's leads.
    public static let treatmentRescueRate = 0.05

    /// Applies the treatment effect to the treatment leads of `leads` and returns every lead's
    /// arm (`control` or `treatment`).
    public static func apply(to leads: inout [LeadRecord], testName: String, controlPercent: Int, seed: UInt64) -> [String] {
        let arms = ABArm.controlAndTreatment(controlPercent: controlPercent), percents = arms.map(\.percent)
        return leads.indices.map { i in
            let bucket = ABAssignment.bucket(testName: testName, leadID: leads[i].id)
            let variant = arms[ABAssignment.armIndex(bucket: bucket, percents: percents)].name
            guard variant == "treatment", leads[i].accepted == true, leads[i].converted != true,
                  let vertical = Vertical(rawValue: leads[i].vertical) else { return variant }
            var random = SeededGenerator(seed: seed).derived(0xAB7E_5700_0000 &+ UInt64(bitPattern: leads[i].id))
            if random.nextDouble() < treatmentRescueRate {
                SyntheticLeadGenerator.convert(&leads[i], vertical: vertical, random: &random, delayScale: 0.8)
            }
            return variant
        }
    }

    /// Stores the assignments of `leads` in test `testName`, assigned when each lead arrived.
    public static func insertAssignments(testName: String, leads: [LeadRecord], variants: [String], into db: PostgresConnection) throws {
        try db.query("CREATE TEMP TABLE IF NOT EXISTS ab_assignments_incoming (lead_id BIGINT, variant TEXT, assigned_at TIMESTAMPTZ) ON COMMIT DROP")
        try db.copyIn("COPY ab_assignments_incoming (lead_id, variant, assigned_at) FROM STDIN") { writer in
            for (lead, variant) in zip(leads, variants) {
                try writer.write("\(lead.id)\t\(variant)\t\(Timestamp.format(lead.createdAt))\n")
            }
        }
        try db.query("""
            INSERT INTO ab_assignments (test_name, lead_id, variant, assigned_at)
            SELECT $1, lead_id, variant, assigned_at FROM ab_assignments_incoming
            """, [testName])
    }
}
