import Evaluation
import Foundation

/// The metric an A/B test is judged on.
public enum ExperimentMetric: String, Sendable, CaseIterable {
    /// Share of the variant's leads that converted.
    case conversionRate = "conversion_rate"
    /// Share of the variant's leads an agent accepted.
    case acceptanceRate = "acceptance_rate"
    /// Revenue over all the variant's leads (0 for those that did not convert) / leads.
    case revenuePerLead = "revenue_per_lead"
}

/// What an A/B test was planned for.
public struct ExperimentPlan: Sendable, Equatable {
    public var primaryMetric: ExperimentMetric
    /// Two-sided significance level.
    public var alpha: Double
    /// The smallest relative change of the primary metric worth detecting (0.1 = 10 %).
    public var minimumDetectableEffect: Double
    /// The power the sample size is planned for.
    public var power: Double
    /// Share of leads sent to control, 0…1 (the rest go to treatment).
    public var controlShare: Double

    public init(primaryMetric: ExperimentMetric = .conversionRate, alpha: Double = 0.05, minimumDetectableEffect: Double = 0.1,
                power: Double = 0.8, controlShare: Double = 0.5) {
        self.primaryMetric = primaryMetric
        self.alpha = alpha
        self.minimumDetectableEffect = minimumDetectableEffect
        self.power = power
        self.controlShare = controlShare
    }
}

/// Running totals of one variant up to some moment (the end of a day).
public struct VariantTotals: Sendable, Equatable {
    public var leads: Int
    public var conversions: Int
    public var accepted: Int
    /// Σ revenue over the leads (0 for those without).
    public var revenue: Double
    /// Σ revenue², for the variance of revenue per lead.
    public var revenueSquares: Double

    public init(leads: Int = 0, conversions: Int = 0, accepted: Int = 0, revenue: Double = 0, revenueSquares: Double = 0) {
        self.leads = leads
        self.conversions = conversions
        self.accepted = accepted
        self.revenue = revenue
        self.revenueSquares = revenueSquares
    }

    public static func + (a: VariantTotals, b: VariantTotals) -> VariantTotals {
        VariantTotals(leads: a.leads + b.leads, conversions: a.conversions + b.conversions, accepted: a.accepted + b.accepted,
                      revenue: a.revenue + b.revenue, revenueSquares: a.revenueSquares + b.revenueSquares)
    }

    /// The primary metric's mean and the variance of that mean.
    func estimate(_ metric: ExperimentMetric) -> (mean: Double, varianceOfMean: Double) {
        let n = Double(leads)
        guard leads > 0 else { return (.nan, .nan) }
        switch metric {
        case .conversionRate, .acceptanceRate:
            let p = Double(metric == .conversionRate ? conversions : accepted) / n
            return (p, p * (1 - p) / n)
        case .revenuePerLead:
            let mean = revenue / n
            let variance = leads > 1 ? max(0, (revenueSquares - n * mean * mean) / (n - 1)) : 0
            return (mean, variance / n)
        }
    }
}

/// Everything known about one variant's leads.
public struct VariantOutcome: Sendable, Equatable {
    public var name: String
    public var totals: VariantTotals
    /// Hours from lead creation to conversion, over the converted leads.
    public var timeToConversionHours: MeanSample
    /// Their median; nil without conversions.
    public var medianTimeToConversionHours: Double?

    public init(name: String, totals: VariantTotals, timeToConversionHours: MeanSample, medianTimeToConversionHours: Double?) {
        self.name = name
        self.totals = totals
        self.timeToConversionHours = timeToConversionHours
        self.medianTimeToConversionHours = medianTimeToConversionHours
    }

    public var conversionRate: Double { totals.leads > 0 ? Double(totals.conversions) / Double(totals.leads) : .nan }
    public var acceptanceRate: Double { totals.leads > 0 ? Double(totals.accepted) / Double(totals.leads) : .nan }
    public var revenuePerLead: Double { totals.leads > 0 ? totals.revenue / Double(totals.leads) : .nan }
    /// Revenue per lead as count, mean and sample variance.
    public var revenueSample: MeanSample {
        let (mean, varianceOfMean) = totals.estimate(.revenuePerLead)
        return MeanSample(count: totals.leads, mean: mean, variance: varianceOfMean * Double(totals.leads))
    }
}

/// What to do with an A/B test now.
public enum ExperimentAction: String, Sendable {
    /// The treatment is better on the primary metric and harms nothing measured: ship it.
    case deploy
    /// Not enough data yet to tell.
    case keepRunning = "keep_running"
    /// The test cannot tell the variants apart at the planned sample size, or it is broken
    /// (sample ratio mismatch), or the gain comes with a loss elsewhere: change something and test again.
    case iterate
    /// The treatment is worse on the primary metric: go back to control.
    case rollBack = "roll_back"
}

/// The analysis of a two-variant test: per-variant outcomes, the fixed-horizon and
/// always-valid tests of the primary metric, secondary metrics, the sample-ratio check,
/// power and the required sample size, and a recommendation with its reasons in words.
public struct ExperimentAnalysis: Sendable {
    public var plan: ExperimentPlan
    public var control: VariantOutcome
    public var treatment: VariantOutcome
    public var sampleRatio: SampleRatioCheck
    /// Conversion and acceptance: two-proportion z-tests (nil while a variant has no leads).
    public var conversion: TwoProportionZTest?
    public var acceptance: TwoProportionZTest?
    /// Revenue per lead and time to conversion: Welch's t-tests (nil with < 2 values in a group).
    public var revenue: WelchTTest?
    public var timeToConversion: WelchTTest?
    /// The primary metric in each variant, their difference, its relative lift.
    public var primaryControl: Double
    public var primaryTreatment: Double
    /// The fixed-horizon p-value and interval of the primary metric's difference.
    public var fixedHorizonPValue: Double
    public var fixedHorizonInterval: Interval
    /// The fixed-horizon interval of the relative lift (treatment / control − 1).
    public var relativeLiftInterval: Interval
    /// The always-valid p-value and confidence sequence (``MixtureSequentialTest``) over the
    /// daily looks: valid however often the test has been looked at.
    public var alwaysValidPValue: Double
    public var alwaysValidInterval: Interval
    /// Power to detect the minimum detectable effect with the leads so far.
    public var powerAtMinimumDetectableEffect: Double
    /// Power for the effect actually observed ("post-hoc power"; reported because people ask
    /// for it, but it is a function of the p-value and adds nothing to it).
    public var observedEffectPower: Double
    /// Leads per variant needed to detect the minimum detectable effect with the planned power.
    public var requiredControlLeads: Int
    public var requiredTreatmentLeads: Int
    public var recommendation: ExperimentAction = .keepRunning
    /// Whether the test was stopped (it can no longer gather data).
    public var stopped: Bool
    public var reasons: [String] = []

    public var relativeLift: Double { primaryTreatment / primaryControl - 1 }

    /// Analyses the test from each variant's final `control`/`treatment` outcome and the running
    /// totals at the end of each day, `looks` (oldest first; the last should equal the final
    /// totals). Without looks the final totals count as a single look.
    ///
    /// A `stopped` test is never told to keep running: where more data would have been the
    /// answer, it is told that it stopped short and what its data do support.
    public init(plan: ExperimentPlan, control: VariantOutcome, treatment: VariantOutcome,
                looks: [(control: VariantTotals, treatment: VariantTotals)] = [], stopped: Bool = false) {
        self.stopped = stopped
        self.plan = plan
        self.control = control
        self.treatment = treatment
        let alpha = plan.alpha
        sampleRatio = SampleRatioCheck(observed: [control.totals.leads, treatment.totals.leads],
                                       shares: [plan.controlShare, 1 - plan.controlShare])
        let bothHaveLeads = control.totals.leads > 0 && treatment.totals.leads > 0
        conversion = bothHaveLeads ? TwoProportionZTest(
            treatment: ProportionSample(successes: treatment.totals.conversions, trials: treatment.totals.leads),
            control: ProportionSample(successes: control.totals.conversions, trials: control.totals.leads), alpha: alpha) : nil
        acceptance = bothHaveLeads ? TwoProportionZTest(
            treatment: ProportionSample(successes: treatment.totals.accepted, trials: treatment.totals.leads),
            control: ProportionSample(successes: control.totals.accepted, trials: control.totals.leads), alpha: alpha) : nil
        revenue = WelchTTest(treatment: treatment.revenueSample, control: control.revenueSample, alpha: alpha)
        timeToConversion = WelchTTest(treatment: treatment.timeToConversionHours, control: control.timeToConversionHours, alpha: alpha)

        // The primary metric: fixed-horizon test.
        let metric = plan.primaryMetric
        let (meanC, varC) = control.totals.estimate(metric), (meanT, varT) = treatment.totals.estimate(metric)
        primaryControl = meanC
        primaryTreatment = meanT
        switch metric {
        case .conversionRate, .acceptanceRate:
            let test = metric == .conversionRate ? conversion : acceptance
            fixedHorizonPValue = test?.pValue ?? .nan
            fixedHorizonInterval = test?.differenceInterval ?? Interval(.nan, .nan)
            relativeLiftInterval = test?.relativeLiftInterval ?? Interval(.nan, .nan)
        case .revenuePerLead:
            fixedHorizonPValue = revenue?.pValue ?? .nan
            fixedHorizonInterval = revenue?.interval ?? Interval(.nan, .nan)
            // Delta method on log(mean_T / mean_C).
            let logError = (varT / (meanT * meanT) + varC / (meanC * meanC)).squareRoot()
            let critical = Distributions.normalQuantile(1 - alpha / 2)
            relativeLiftInterval = meanT > 0 && meanC > 0
                ? Interval(exp(log(meanT / meanC) - critical * logError) - 1, exp(log(meanT / meanC) + critical * logError) - 1)
                : Interval(.nan, .nan)
        }

        // The primary metric: always-valid test over the daily looks.
        let absoluteEffect = abs(meanC * plan.minimumDetectableEffect)
        let sequential = MixtureSequentialTest(mixingScale: absoluteEffect > 0 && absoluteEffect.isFinite ? absoluteEffect : 0.01, alpha: alpha)
        let allLooks = looks.isEmpty ? [(control.totals, treatment.totals)] : looks
        let states = sequential.run(allLooks.map { look in
            let c = look.0.estimate(metric), t = look.1.estimate(metric)
            return MixtureSequentialTest.Look(difference: t.mean - c.mean, variance: t.varianceOfMean + c.varianceOfMean)
        })
        alwaysValidPValue = states.last?.pValue ?? 1
        alwaysValidInterval = states.last?.interval ?? Interval(-.infinity, .infinity)

        // Power and sample size, on the primary metric.
        let nC = Double(control.totals.leads), nT = Double(treatment.totals.leads)
        let controlPerTreatment = plan.controlShare / (1 - plan.controlShare)
        let targetT = meanC * (1 + plan.minimumDetectableEffect)
        switch metric {
        case .conversionRate, .acceptanceRate:
            let hMDE = StatisticalPower.effectSize(treatment: min(1, max(0, targetT)), control: meanC)
            let hObserved = StatisticalPower.effectSize(treatment: meanT, control: meanC)
            powerAtMinimumDetectableEffect = bothHaveLeads ? StatisticalPower.power(effectSize: hMDE, treatmentCount: nT, controlCount: nC, alpha: alpha) : 0
            observedEffectPower = bothHaveLeads ? StatisticalPower.power(effectSize: hObserved, treatmentCount: nT, controlCount: nC, alpha: alpha) : 0
            let required = StatisticalPower.requiredTreatmentCount(effectSize: hMDE, alpha: alpha, power: plan.power, controlPerTreatment: controlPerTreatment)
            requiredTreatmentLeads = required.isFinite ? Int(required.rounded(.up)) : Int.max
            requiredControlLeads = required.isFinite ? Int((required * controlPerTreatment).rounded(.up)) : Int.max
        case .revenuePerLead:
            // Normal approximation with the control's per-lead variance in both groups.
            let perLeadVariance = varC * nC
            let critical = Distributions.normalQuantile(1 - alpha / 2)
            func power(_ delta: Double) -> Double {
                let shift = abs(delta) / (perLeadVariance * (1 / nT + 1 / nC)).squareRoot()
                return Distributions.normalCDF(shift - critical) + Distributions.normalCDF(-shift - critical)
            }
            powerAtMinimumDetectableEffect = bothHaveLeads && perLeadVariance > 0 ? power(absoluteEffect) : 0
            observedEffectPower = bothHaveLeads && perLeadVariance > 0 ? power(meanT - meanC) : 0
            let zSum = critical + Distributions.normalQuantile(plan.power)
            let required = absoluteEffect > 0 && perLeadVariance > 0
                ? zSum * zSum * perLeadVariance * (1 + 1 / controlPerTreatment) / (absoluteEffect * absoluteEffect) : .infinity
            requiredTreatmentLeads = required.isFinite ? Int(required.rounded(.up)) : Int.max
            requiredControlLeads = required.isFinite ? Int((required * controlPerTreatment).rounded(.up)) : Int.max
        }

        (recommendation, reasons) = Self.recommend(self)
    }

    /// The recommendation, decided on the always-valid test (the results may have been looked
    /// at daily), with one sentence per fact that decided it.
    static func recommend(_ a: ExperimentAnalysis) -> (ExperimentAction, [String]) {
        let (action, reasons) = recommendWhileRunning(a)
        guard a.stopped, action == .keepRunning else { return (action, reasons) }
        let metric = a.plan.primaryMetric.rawValue.replacingOccurrences(of: "_", with: " ")
        let gathered = a.control.totals.leads + a.treatment.totals.leads
        var stoppedReasons = reasons
        stoppedReasons.append("The test was stopped with \(gathered) leads of the \(sum(a.requiredControlLeads, a.requiredTreatmentLeads)) planned, so it cannot run on.")
        if a.control.totals.leads > 0 && a.treatment.totals.leads > 0 {
            stoppedReasons.append("Its data support no conclusion about the \(metric): the relative lift could be anywhere from \(percent(a.relativeLiftInterval.lower, signed: true)) to \(percent(a.relativeLiftInterval.upper, signed: true)). Start a new test to reach the planned sample size; until then keep control.")
        } else {
            stoppedReasons.append("A variant got no leads, so its data support nothing: start a new test; until then keep control.")
        }
        return (.iterate, stoppedReasons)
    }

    /// The recommendation for a test that can still gather data.
    private static func recommendWhileRunning(_ a: ExperimentAnalysis) -> (ExperimentAction, [String]) {
        let metric = a.plan.primaryMetric.rawValue.replacingOccurrences(of: "_", with: " ")
        let alpha = a.plan.alpha
        let lift = a.relativeLift
        let liftText = percent(lift, signed: true)
        var reasons: [String] = []
        guard a.control.totals.leads > 0 && a.treatment.totals.leads > 0 else {
            return (.keepRunning, ["A variant has no leads yet (control \(a.control.totals.leads), treatment \(a.treatment.totals.leads))."])
        }
        if !a.sampleRatio.passed {
            return (.iterate, [
                "Sample ratio mismatch: control got \(a.control.totals.leads) and treatment \(a.treatment.totals.leads) leads, against a planned \(percent(a.plan.controlShare))/\(percent(1 - a.plan.controlShare)) split (chi-square p = \(scientific(a.sampleRatio.pValue))).",
                "The assignment or the logging is broken, so no result of this test can be trusted: fix it and restart the test.",
            ])
        }
        let reached = a.control.totals.leads >= a.requiredControlLeads && a.treatment.totals.leads >= a.requiredTreatmentLeads
        let sampleText = "\(a.control.totals.leads + a.treatment.totals.leads) leads of the \(sum(a.requiredControlLeads, a.requiredTreatmentLeads)) planned to detect a \(percent(a.plan.minimumDetectableEffect)) change with \(percent(a.plan.power)) power"
        if a.alwaysValidPValue <= alpha {
            let significance = "Treatment changes the \(metric) by \(liftText) (\(format(a.primaryControl)) → \(format(a.primaryTreatment))); always-valid p = \(scientific(a.alwaysValidPValue)) ≤ α = \(alpha)."
            if lift < 0 {
                return (.rollBack, [significance, "The treatment is worse than control: route all leads to control."])
            }
            reasons.append(significance)
            if a.plan.primaryMetric != .revenuePerLead, let revenue = a.revenue, revenue.pValue <= alpha, revenue.difference < 0 {
                reasons.append("But revenue per lead falls by \(format(-revenue.difference)) (Welch p = \(scientific(revenue.pValue))): the extra conversions are worth less. Find out why before deploying.")
                return (.iterate, reasons)
            }
            reasons.append("No secondary metric is significantly worse.")
            return (.deploy, reasons)
        }
        reasons.append("No significant difference in \(metric) yet: \(liftText) (\(format(a.primaryControl)) → \(format(a.primaryTreatment))), always-valid p = \(scientific(a.alwaysValidPValue)) > α = \(alpha).")
        if reached {
            reasons.append("The test has \(sampleText), and the effect is still not significant: any real effect is likely smaller than the minimum worth detecting (relative lift interval \(percent(a.relativeLiftInterval.lower, signed: true)) to \(percent(a.relativeLiftInterval.upper, signed: true))).")
            reasons.append("Improve the treatment (or accept a smaller effect and plan a longer test) rather than keep waiting.")
            return (.iterate, reasons)
        }
        reasons.append("The test has \(sampleText) (power so far \(percent(a.powerAtMinimumDetectableEffect))).")
        return (.keepRunning, reasons)
    }

    private static func sum(_ a: Int, _ b: Int) -> String { a == .max || b == .max ? "∞" : String(a + b) }
    private static func percent(_ x: Double, signed: Bool = false) -> String {
        guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "+∞" : "−∞") }
        let text = String(format: "%.1f%%", 100 * x)
        return signed && x >= 0 ? "+" + text : text
    }
    private static func format(_ x: Double) -> String { x.isFinite ? String(format: abs(x) < 1 ? "%.4f" : "%.2f", x) : "n/a" }
    private static func scientific(_ p: Double) -> String { p.isNaN ? "n/a" : p >= 0.001 ? String(format: "%.3f", p) : String(format: "%.1e", p) }
}
