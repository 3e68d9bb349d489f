import Foundation
import Testing
@testable import Evaluation

/// The A/B test statistics against `Tests/Fixtures/statsmodels/ab_statistics.json`, made by
/// `scripts/fixtures/make_ab_fixtures.py` with statsmodels 0.15.0 and SciPy 1.17.1.
///
/// Tolerances: the formulas are the same closed forms, so only rounding differs; the normal
/// quantile and tails agree to ~1e-14, the t and chi-square tails (continued fractions and
/// `lgamma` differences) to ~1e-11 relative, and quantities built on them (p-values,
/// intervals, power) are compared at 1e-9 relative. statsmodels' `solve_power` stops at an
/// absolute tolerance of 1e-5, so the sample size is compared with the exact root the script
/// also records.
@Suite struct ExperimentStatisticsFixtureTests {
    nonisolated(unsafe) static let fixture: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/statsmodels/ab_statistics.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static func number(_ value: Any?) -> Double { (value as! NSNumber).doubleValue }
    static func pair(_ value: Any?) -> Interval { let v = (value as! [NSNumber]).map(\.doubleValue); return Interval(v[0], v[1]) }
    /// |a − b| ≤ tolerance·max(|b|, floor): relative, with an absolute floor for values near 0.
    static func close(_ a: Double, _ b: Double, _ tolerance: Double, floor: Double = 1e-300) -> Bool {
        a == b || abs(a - b) <= tolerance * max(abs(b), floor)
    }

    @Test func normalQuantileMatchesSciPy() {
        let table = Self.fixture["normal_quantile"] as! [String: Any]
        for (p, z) in zip((table["p"] as! [NSNumber]).map(\.doubleValue), (table["z"] as! [NSNumber]).map(\.doubleValue)) {
            let ours = Distributions.normalQuantile(p)
            #expect(Self.close(ours, z, 1e-13, floor: 1e-15), "Φ⁻¹(\(p)) = \(ours), SciPy \(z)")
        }
    }

    @Test func studentTAndChiSquareTailsMatchSciPy() {
        for item in Self.fixture["student_t_sf"] as! [[String: Any]] {
            let t = Self.number(item["t"]), df = Self.number(item["df"]), sf = Self.number(item["sf"])
            let ours = Distributions.studentTSurvival(t, degreesOfFreedom: df)
            // t.sf(40, 1e5) is below the smallest double: SciPy gives exactly 0.
            #expect(Self.close(ours, sf, 1e-10, floor: 1e-300) || (sf == 0 && ours < 1e-300), "t.sf(\(t), \(df)) = \(ours), SciPy \(sf)")
        }
        for item in Self.fixture["chi2_sf"] as! [[String: Any]] {
            let x = Self.number(item["x"]), df = Self.number(item["df"]), sf = Self.number(item["sf"])
            let ours = Distributions.chiSquareSurvival(x, degreesOfFreedom: df)
            #expect(Self.close(ours, sf, 1e-10), "chi2.sf(\(x), \(df)) = \(ours), SciPy \(sf)")
        }
    }

    @Test func twoProportionTestMatchesStatsmodels() {
        for item in Self.fixture["two_proportion"] as! [[String: Any]] {
            let name = item["name"] as! String
            let c = item["control"] as! [String: Any], t = item["treatment"] as! [String: Any]
            let control = ProportionSample(successes: (c["conversions"] as! NSNumber).intValue, trials: (c["n"] as! NSNumber).intValue)
            let treatment = ProportionSample(successes: (t["conversions"] as! NSNumber).intValue, trials: (t["n"] as! NSNumber).intValue)
            let alpha = Self.number(item["alpha"])
            let test = TwoProportionZTest(treatment: treatment, control: control, alpha: alpha)
            #expect(Self.close(test.z, Self.number(item["z"]), 1e-12, floor: 1e-12), "\(name): z \(test.z)")
            #expect(Self.close(test.pValue, Self.number(item["p_value"]), 1e-9), "\(name): p \(test.pValue)")
            #expect(Self.close(test.difference, Self.number(item["difference"]), 1e-12, floor: 1e-15), "\(name)")
            let difference = Self.pair(item["difference_ci"]), ratio = Self.pair(item["ratio_ci"])
            #expect(Self.close(test.differenceInterval.lower, difference.lower, 1e-10, floor: 1e-12)
                    && Self.close(test.differenceInterval.upper, difference.upper, 1e-10, floor: 1e-12), "\(name): \(test.differenceInterval) vs \(difference)")
            #expect(Self.close(test.ratio, Self.number(item["ratio"]), 1e-12), "\(name)")
            #expect(Self.close(test.ratioInterval.lower, ratio.lower, 1e-10) && Self.close(test.ratioInterval.upper, ratio.upper, 1e-10),
                    "\(name): \(test.ratioInterval) vs \(ratio)")
            let h = StatisticalPower.effectSize(treatment: treatment.rate, control: control.rate)
            #expect(Self.close(h, Self.number(item["effect_size_h"]), 1e-11, floor: 1e-15), "\(name): h \(h)")
            let power = StatisticalPower.power(effectSize: h, treatmentCount: Double(treatment.trials), controlCount: Double(control.trials), alpha: alpha)
            #expect(Self.close(power, Self.number(item["power"]), 1e-9), "\(name): power \(power)")
        }
    }

    @Test func requiredSampleSizeMatchesStatsmodels() {
        for item in Self.fixture["sample_size"] as! [[String: Any]] {
            let name = item["name"] as! String
            let baseline = Self.number(item["baseline"]), mde = Self.number(item["relative_mde"])
            let h = StatisticalPower.effectSize(treatment: baseline * (1 + mde), control: baseline)
            #expect(Self.close(h, Self.number(item["effect_size_h"]), 1e-11), "\(name): h")
            let n = StatisticalPower.requiredTreatmentCount(effectSize: h, alpha: Self.number(item["alpha"]), power: Self.number(item["power"]),
                                                            controlPerTreatment: Self.number(item["ratio"]))
            #expect(Self.close(n, Self.number(item["n_treatment_exact_root"]), 1e-9), "\(name): n \(n)")
            #expect(abs(n - Self.number(item["n_treatment"])) <= 1e-4, "\(name): statsmodels' own root \(Self.number(item["n_treatment"]))")
        }
    }

    @Test func welchTestMatchesSciPy() {
        for item in Self.fixture["welch"] as! [[String: Any]] {
            let name = item["name"] as! String
            func sample(_ key: String) -> MeanSample {
                let s = item[key] as! [String: Any]
                return MeanSample(count: (s["n"] as! NSNumber).intValue, mean: Self.number(s["mean"]), variance: Self.number(s["variance"]))
            }
            let test = WelchTTest(treatment: sample("treatment"), control: sample("control"), alpha: Self.number(item["alpha"]))!
            #expect(Self.close(test.statistic, Self.number(item["statistic"]), 1e-12, floor: 1e-12), "\(name): t \(test.statistic)")
            #expect(Self.close(test.degreesOfFreedom, Self.number(item["df"]), 1e-12), "\(name): df \(test.degreesOfFreedom)")
            #expect(Self.close(test.pValue, Self.number(item["p_value"]), 1e-9), "\(name): p \(test.pValue)")
            let ci = Self.pair(item["ci"])
            #expect(Self.close(test.interval.lower, ci.lower, 1e-9, floor: 1e-9) && Self.close(test.interval.upper, ci.upper, 1e-9, floor: 1e-9),
                    "\(name): \(test.interval) vs \(ci)")
        }
    }

    @Test func sampleRatioCheckMatchesSciPysChiSquare() {
        for item in Self.fixture["chi_square"] as! [[String: Any]] {
            let name = item["name"] as! String
            let observed = (item["observed"] as! [NSNumber]).map(\.intValue)
            let shares = (item["expected_proportions"] as! [NSNumber]).map(\.doubleValue)
            let check = SampleRatioCheck(observed: observed, shares: shares)
            #expect(Self.close(check.chiSquare, Self.number(item["statistic"]), 1e-10, floor: 1e-12), "\(name): χ² \(check.chiSquare)")
            #expect(Self.close(check.pValue, Self.number(item["p_value"]), 1e-9), "\(name): p \(check.pValue)")
        }
    }
}
