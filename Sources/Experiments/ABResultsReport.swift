import Core
import Evaluation
import Foundation
import Training

/// An A/B test and its analysis as JSON (the HTTP results route and `mlctl ab results --format json`
/// write the same document) and as a table for a terminal.
public enum ABResultsReport {
    /// The test's settings as a JSON object.
    public static func write(_ test: ABTest, to o: inout JSONWriter) {
        o.object { t in
            t.field("name", test.name)
            t.field("description", test.description)
            t.field("status", test.status.rawValue)
            t.key("split")
            t.object { s in for arm in test.arms { s.field(arm.name, arm.percent) } }
            t.key("arms")
            t.array { a in
                for arm in test.arms {
                    a.object { r in
                        r.field("name", arm.name)
                        r.field("model", arm.scorer.description)
                        r.field("percent", arm.percent)
                    }
                }
            }
            t.field("primaryMetric", test.primaryMetric.rawValue)
            t.field("alpha", test.alpha)
            t.field("minimumDetectableEffect", test.minimumDetectableEffect)
            t.field("startedAt", Timestamp.iso8601(test.startedAt))
            t.field("stoppedAt", test.stoppedAt.map(Timestamp.iso8601))
        }
    }

    /// The whole results document: the test, every arm's outcome, each arm's comparison with
    /// the control, the sample-ratio check over all arms and the recommendation. A two-arm
    /// test also carries its one comparison's fields at the top level, as before tests had arms.
    public static func json(_ test: ABTest, _ a: ABTestAnalysis) -> [UInt8] {
        var writer = JSONWriter(capacity: 4096)
        writer.object { o in
            o.key("test")
            write(test, to: &o)
            o.key("variants")
            o.array { list in
                for (variant, arm) in zip(a.arms, test.arms) {
                    list.object { v in
                        v.field("name", variant.name)
                        v.field("model", arm.scorer.description)
                        v.field("percent", arm.percent)
                        v.field("leads", variant.totals.leads)
                        v.field("conversions", variant.totals.conversions)
                        v.field("conversionRate", variant.conversionRate)
                        v.field("accepted", variant.totals.accepted)
                        v.field("acceptanceRate", variant.acceptanceRate)
                        v.field("revenue", variant.totals.revenue)
                        v.field("revenuePerLead", variant.revenuePerLead)
                        v.key("timeToConversionHours")
                        v.object { t in
                            t.field("median", variant.medianTimeToConversionHours ?? .nan)
                            t.field("mean", variant.timeToConversionHours.mean)
                        }
                    }
                }
            }
            o.key("comparisons")
            o.array { list in
                for (index, comparison) in a.comparisons.enumerated() {
                    list.object { c in
                        c.field("arm", test.arms[index + 1].name)
                        c.field("control", test.arms[0].name)
                        c.field("alpha", comparison.plan.alpha)
                        writeComparison(comparison, to: &c)
                        c.key("recommendation")
                        c.object { r in
                            r.field("action", comparison.recommendation.rawValue)
                            r.key("reasons")
                            r.array { list in for reason in comparison.reasons { list.string(reason) } }
                        }
                    }
                }
            }
            if a.comparisons.count == 1 { writeComparison(a.comparisons[0], to: &o) }
            o.key("verticals")
            o.array { list in
                for (vertical, v) in a.verticals {
                    list.object { x in
                        x.field("vertical", vertical)
                        x.key("variants")
                        x.array { arms in
                            for arm in v.arms {
                                arms.object { r in
                                    r.field("name", arm.name)
                                    r.field("leads", arm.totals.leads)
                                    r.field("conversions", arm.totals.conversions)
                                    r.field("conversionRate", arm.conversionRate)
                                    r.field("revenuePerLead", arm.revenuePerLead)
                                }
                            }
                        }
                        x.key("comparisons")
                        x.array { comparisons in
                            for (index, c) in v.comparisons.enumerated() {
                                comparisons.object { r in
                                    r.field("arm", test.arms[index + 1].name)
                                    r.field("relativeLift", c.relativeLift)
                                    r.field("fixedHorizonPValue", c.fixedHorizonPValue)
                                    r.field("alwaysValidPValue", c.alwaysValidPValue)
                                    r.field("recommendation", c.recommendation.rawValue)
                                }
                            }
                        }
                    }
                }
            }
            o.key("sampleRatio")
            o.object { s in
                s.field("chiSquare", a.sampleRatio.chiSquare)
                s.field("pValue", a.sampleRatio.pValue)
                s.field("passed", a.sampleRatio.passed)
                s.field("warning", a.sampleRatio.passed ? nil : sampleRatioWarning(a))
            }
            o.key("recommendation")
            o.object { r in
                r.field("action", a.recommendation.rawValue)
                r.field("winner", a.winner)
                r.key("reasons")
                r.array { list in for reason in a.reasons { list.string(reason) } }
            }
        }
        return writer.bytes
    }

    /// One arm against the control: the primary metric's tests, the secondary metrics and power.
    private static func writeComparison(_ a: ExperimentAnalysis, to o: inout JSONWriter) {
        o.key("primaryMetric")
        o.object { p in
            p.field("metric", a.plan.primaryMetric.rawValue)
            p.field("control", a.primaryControl)
            p.field("treatment", a.primaryTreatment)
            p.field("difference", a.primaryTreatment - a.primaryControl)
            p.field("relativeLift", a.relativeLift)
            p.key("fixedHorizon")
            p.object { f in
                f.field("pValue", a.fixedHorizonPValue)
                interval("differenceInterval", a.fixedHorizonInterval, &f)
                interval("relativeLiftInterval", a.relativeLiftInterval, &f)
            }
            p.key("alwaysValid")
            p.object { f in
                f.field("pValue", a.alwaysValidPValue)
                interval("differenceInterval", a.alwaysValidInterval, &f)
            }
        }
        proportionTest("conversion", a.conversion, &o)
        proportionTest("acceptance", a.acceptance, &o)
        welch("revenuePerLead", a.revenue, &o)
        welch("timeToConversionHours", a.timeToConversion, &o)
        o.key("power")
        o.object { p in
            p.field("atMinimumDetectableEffect", a.powerAtMinimumDetectableEffect)
            p.field("observedEffect", a.observedEffectPower)
            p.key("requiredLeads")
            p.object { r in
                r.key("control"); count(a.requiredControlLeads, &r)
                r.key("treatment"); count(a.requiredTreatmentLeads, &r)
            }
        }
    }

    private static func count(_ n: Int, _ w: inout JSONWriter) { if n == .max { w.null() } else { w.integer(n) } }

    private static func interval(_ name: String, _ i: Interval, _ w: inout JSONWriter) {
        w.key(name)
        w.array { a in
            a.number(i.lower)
            a.number(i.upper)
        }
    }

    private static func proportionTest(_ name: String, _ test: TwoProportionZTest?, _ w: inout JSONWriter) {
        w.key(name)
        guard let test else { return w.null() }
        w.object { t in
            t.field("z", test.z)
            t.field("pValue", test.pValue)
            t.field("difference", test.difference)
            interval("differenceInterval", test.differenceInterval, &t)
            t.field("relativeLift", test.relativeLift)
            interval("relativeLiftInterval", test.relativeLiftInterval, &t)
        }
    }

    private static func welch(_ name: String, _ test: WelchTTest?, _ w: inout JSONWriter) {
        w.key(name)
        guard let test else { return w.null() }
        w.object { t in
            t.field("t", test.statistic)
            t.field("degreesOfFreedom", test.degreesOfFreedom)
            t.field("pValue", test.pValue)
            t.field("difference", test.difference)
            interval("interval", test.interval, &t)
        }
    }

    static func sampleRatioWarning(_ a: ABTestAnalysis) -> String {
        let counts = a.arms.map { "\($0.totals.leads) \($0.name)" }.joined(separator: a.arms.count == 2 ? " and " : ", ")
        return "sample ratio mismatch: \(counts) leads do not fit the configured split (chi-square p = \(String(format: "%.1e", a.sampleRatio.pValue))); check the assignment before trusting any result"
    }

    // MARK: Terminal

    /// The results as a table and a few lines of text, for `mlctl ab results`.
    public static func text(_ test: ABTest, _ a: ABTestAnalysis) -> String {
        let percent = { (x: Double) in x.isFinite ? String(format: "%.2f %%", 100 * x) : "n/a" }
        let signed = { (x: Double) in x.isFinite ? String(format: "%+.1f %%", 100 * x) : "n/a" }
        let money = { (x: Double) in x.isFinite ? String(format: "%.2f", x) : "n/a" }
        let hours = { (x: Double?) in x.map { $0.isFinite ? String(format: "%.1f h", $0) : "n/a" } ?? "n/a" }
        let p = { (x: Double) in x.isNaN ? "n/a" : x >= 0.001 ? String(format: "%.3f", x) : String(format: "%.1e", x) }
        var lines: [String] = []
        let started = Timestamp.iso8601(test.startedAt).prefix(10)
        let period = test.stoppedAt.map { "stopped; ran \(started) to \(Timestamp.iso8601($0).prefix(10))" } ?? "running since \(started)"
        lines.append("A/B test \(test.name): \(period); split \(test.splitText); primary metric \(test.primaryMetric.rawValue); α \(test.alpha); MDE \(signed(test.minimumDetectableEffect))")
        if !test.description.isEmpty { lines.append(test.description) }
        lines.append("")
        let rows: [(String, (VariantOutcome) -> String)] = [
            ("leads", { formatCount($0.totals.leads) }),
            ("conversion rate", { percent($0.conversionRate) }),
            ("acceptance rate", { percent($0.acceptanceRate) }),
            ("revenue per lead", { money($0.revenuePerLead) }),
            ("time to conversion, median", { hours($0.medianTimeToConversionHours) }),
            ("time to conversion, mean", { hours($0.timeToConversionHours.mean) }),
        ]
        let headers = test.arms.map { "\($0.name) (\($0.scorer))" }
        let width = max(18, (headers.map(\.count).max() ?? 0) + 2)
        lines.append("metric".padding(toLength: 28, withPad: " ", startingAt: 0) + headers.map { $0.leftPadded(width) }.joined())
        for (name, value) in rows {
            lines.append(name.padding(toLength: 28, withPad: " ", startingAt: 0) + a.arms.map { value($0).leftPadded(width) }.joined())
        }
        for (index, c) in a.comparisons.enumerated() {
            let arm = test.arms[index + 1]
            lines.append("")
            if a.comparisons.count > 1 {
                lines.append("\(arm.name) against \(test.arms[0].name) (α \(String(format: "%.4g", c.plan.alpha))): \(c.recommendation.rawValue.replacingOccurrences(of: "_", with: " "))")
            }
            let confidence = String(format: "%.0f %%", 100 * (1 - c.plan.alpha))
            lines.append("\(test.primaryMetric.rawValue) (primary): \(signed(c.relativeLift)) relative, \(confidence) CI \(signed(c.relativeLiftInterval.lower)) … \(signed(c.relativeLiftInterval.upper)); fixed-horizon p = \(p(c.fixedHorizonPValue)); always-valid p = \(p(c.alwaysValidPValue))")
            if let z = c.conversion, test.primaryMetric != .conversionRate {
                lines.append("conversion rate: \(signed(z.relativeLift)), z = \(String(format: "%.2f", z.z)), p = \(p(z.pValue))")
            }
            if let z = c.acceptance, test.primaryMetric != .acceptanceRate {
                lines.append("acceptance rate: \(signed(z.relativeLift)), z = \(String(format: "%.2f", z.z)), p = \(p(z.pValue))")
            }
            if let r = c.revenue, test.primaryMetric != .revenuePerLead {
                lines.append("revenue per lead: \(String(format: "%+.2f", r.difference)) (CI \(money(r.interval.lower)) … \(money(r.interval.upper))), Welch p = \(p(r.pValue))")
            }
            if let t = c.timeToConversion {
                lines.append("time to conversion: \(String(format: "%+.1f h", t.difference)) (CI \(String(format: "%.1f", t.interval.lower)) … \(String(format: "%.1f", t.interval.upper))), Welch p = \(p(t.pValue))")
            }
            let required = c.requiredControlLeads == .max ? "n/a" : "\(formatCount(c.requiredControlLeads)) \(test.arms[0].name) + \(formatCount(c.requiredTreatmentLeads)) \(arm.name)"
            lines.append("power at the MDE: \(String(format: "%.0f %%", 100 * c.powerAtMinimumDetectableEffect)); leads needed: \(required)")
        }
        if !a.verticals.isEmpty {
            lines.append("")
            lines.append("by vertical (\(test.primaryMetric.rawValue), relative lift against \(test.arms[0].name), always-valid p):")
            for (vertical, v) in a.verticals {
                let cells = v.comparisons.enumerated().map { index, c in "\(test.arms[index + 1].name) \(signed(c.relativeLift)) (p \(p(c.alwaysValidPValue)))" }
                lines.append("  \(vertical.padding(toLength: 12, withPad: " ", startingAt: 0)) \(formatCount(v.arms.reduce(0) { $0 + $1.totals.leads })) leads: " + cells.joined(separator: "; "))
            }
        }
        lines.append("")
        lines.append(a.sampleRatio.passed ? "sample ratio: OK (chi-square p = \(p(a.sampleRatio.pValue)))" : "WARNING: " + sampleRatioWarning(a))
        lines.append("")
        lines.append("Recommendation: \(a.recommendation.rawValue.replacingOccurrences(of: "_", with: " ").uppercased())" + (a.winner.map { " \($0)" } ?? ""))
        for reason in a.reasons { lines.append("  - " + reason) }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
