import Core
import Evaluation
import Foundation
import Training

/// An A/B test and its analysis as JSON (the HTTP results route and `mlctl ab results --json`
/// write the same document) and as a table for a terminal.
public enum ABResultsReport {
    /// The test's settings as a JSON object.
    public static func write(_ test: ABTest, to o: inout JSONWriter) {
        o.object { t in
            t.field("name", test.name)
            t.field("description", test.description)
            t.field("status", test.status.rawValue)
            t.key("split")
            t.object { s in
                s.field("control", test.controlPercent)
                s.field("treatment", test.treatmentPercent)
            }
            t.field("primaryMetric", test.primaryMetric.rawValue)
            t.field("alpha", test.alpha)
            t.field("minimumDetectableEffect", test.minimumDetectableEffect)
            t.field("startedAt", Timestamp.iso8601(test.startedAt))
            t.field("stoppedAt", test.stoppedAt.map(Timestamp.iso8601))
        }
    }

    /// The whole results document.
    public static func json(_ test: ABTest, _ a: ExperimentAnalysis) -> [UInt8] {
        var writer = JSONWriter(capacity: 4096)
        writer.object { o in
            o.key("test")
            write(test, to: &o)
            o.key("variants")
            o.array { list in
                for (variant, percent) in [(a.control, test.controlPercent), (a.treatment, test.treatmentPercent)] {
                    list.object { v in
                        v.field("name", variant.name)
                        v.field("percent", percent)
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
            o.key("sampleRatio")
            o.object { s in
                s.field("chiSquare", a.sampleRatio.chiSquare)
                s.field("pValue", a.sampleRatio.pValue)
                s.field("passed", a.sampleRatio.passed)
                s.field("warning", a.sampleRatio.passed ? nil : sampleRatioWarning(a))
            }
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
            o.key("recommendation")
            o.object { r in
                r.field("action", a.recommendation.rawValue)
                r.key("reasons")
                r.array { list in for reason in a.reasons { list.string(reason) } }
            }
        }
        return writer.bytes
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

    static func sampleRatioWarning(_ a: ExperimentAnalysis) -> String {
        "sample ratio mismatch: \(a.control.totals.leads) control and \(a.treatment.totals.leads) treatment leads do not fit the configured split (chi-square p = \(String(format: "%.1e", a.sampleRatio.pValue))); check the assignment before trusting any result"
    }

    // MARK: Terminal

    /// The results as a table and a few lines of text, for `mlctl ab results`.
    public static func text(_ test: ABTest, _ a: ExperimentAnalysis) -> String {
        let percent = { (x: Double) in x.isFinite ? String(format: "%.2f %%", 100 * x) : "n/a" }
        let signed = { (x: Double) in x.isFinite ? String(format: "%+.1f %%", 100 * x) : "n/a" }
        let money = { (x: Double) in x.isFinite ? String(format: "%.2f", x) : "n/a" }
        let hours = { (x: Double?) in x.map { $0.isFinite ? String(format: "%.1f h", $0) : "n/a" } ?? "n/a" }
        let p = { (x: Double) in x.isNaN ? "n/a" : x >= 0.001 ? String(format: "%.3f", x) : String(format: "%.1e", x) }
        var lines: [String] = []
        let started = Timestamp.iso8601(test.startedAt).prefix(10)
        let period = test.stoppedAt.map { "stopped; ran \(started) to \(Timestamp.iso8601($0).prefix(10))" } ?? "running since \(started)"
        lines.append("A/B test \(test.name): \(period); split \(test.controlPercent)/\(test.treatmentPercent); primary metric \(test.primaryMetric.rawValue); α \(test.alpha); MDE \(signed(test.minimumDetectableEffect))")
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
        lines.append("metric".padding(toLength: 28, withPad: " ", startingAt: 0) + "control (rules)".leftPadded(18) + "treatment (ML)".leftPadded(18))
        for (name, value) in rows {
            lines.append(name.padding(toLength: 28, withPad: " ", startingAt: 0) + value(a.control).leftPadded(18) + value(a.treatment).leftPadded(18))
        }
        lines.append("")
        let confidence = String(format: "%.0f %%", 100 * (1 - test.alpha))
        lines.append("\(test.primaryMetric.rawValue) (primary): \(signed(a.relativeLift)) relative, \(confidence) CI \(signed(a.relativeLiftInterval.lower)) … \(signed(a.relativeLiftInterval.upper)); fixed-horizon p = \(p(a.fixedHorizonPValue)); always-valid p = \(p(a.alwaysValidPValue))")
        if let c = a.conversion, test.primaryMetric != .conversionRate {
            lines.append("conversion rate: \(signed(c.relativeLift)), z = \(String(format: "%.2f", c.z)), p = \(p(c.pValue))")
        }
        if let c = a.acceptance, test.primaryMetric != .acceptanceRate {
            lines.append("acceptance rate: \(signed(c.relativeLift)), z = \(String(format: "%.2f", c.z)), p = \(p(c.pValue))")
        }
        if let r = a.revenue, test.primaryMetric != .revenuePerLead {
            lines.append("revenue per lead: \(String(format: "%+.2f", r.difference)) (CI \(money(r.interval.lower)) … \(money(r.interval.upper))), Welch p = \(p(r.pValue))")
        }
        if let t = a.timeToConversion {
            lines.append("time to conversion: \(String(format: "%+.1f h", t.difference)) (CI \(String(format: "%.1f", t.interval.lower)) … \(String(format: "%.1f", t.interval.upper))), Welch p = \(p(t.pValue))")
        }
        lines.append(a.sampleRatio.passed ? "sample ratio: OK (chi-square p = \(p(a.sampleRatio.pValue)))" : "WARNING: " + sampleRatioWarning(a))
        let required = a.requiredControlLeads == .max ? "n/a" : "\(formatCount(a.requiredControlLeads)) control + \(formatCount(a.requiredTreatmentLeads)) treatment"
        lines.append("power at the MDE: \(String(format: "%.0f %%", 100 * a.powerAtMinimumDetectableEffect)); leads needed: \(required)")
        lines.append("")
        lines.append("Recommendation: \(a.recommendation.rawValue.replacingOccurrences(of: "_", with: " ").uppercased())")
        for reason in a.reasons { lines.append("  - " + reason) }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
