import Core
import Evaluation
import Foundation
import Testing
@testable import Experiments

/// A/B test statistics under simulation: 1,000 tests with no true difference (false-positive
/// rates of the fixed-horizon test analysed once, of the same test peeked at daily, and of the
/// always-valid test peeked at daily), and tests with a true effect, a harm, too little data
/// and a broken split, each of which must get the right recommendation.
///
/// Every simulation is seeded, so the figures are the same on every run; the bounds are set
/// from the binomial spread of 1,000 tests (σ ≈ 0.0069 at a rate of 0.05) so that a correct
/// method passes with room, and a wrong one (an inflated rate) cannot.
@Suite struct ExperimentSimulationTests {
    /// The bootstrap's SplitMix64 stream, as before the generators moved to Core, so the simulated figures stay the same.
    struct Generator {
        var random: SplitMix64
        init(state: UInt64) { random = SplitMix64(seed: state, stream: 0) }
        /// Uniform in (0, 1).
        mutating func uniform() -> Double { (Double(random.next() >> 11) + 0.5) / 9_007_199_254_740_992 }

        /// An exact Binomial(n, p) draw by geometric skips between successes (O(np) draws).
        mutating func binomial(_ n: Int, _ p: Double) -> Int {
            guard p > 0 else { return 0 }
            let logFailure = log1p(-p)
            var successes = 0, position = 0
            while true {
                position += Int(log(uniform()) / logFailure) + 1
                if position > n { return successes }
                successes += 1
            }
        }
    }

    /// One simulated test: daily running totals of both variants.
    static func simulate(days: Int, leadsPerDay: Int, controlRate: Double, treatmentRate: Double,
                         controlShare: Double = 0.5, generator: inout Generator) -> [(control: VariantTotals, treatment: VariantTotals)] {
        var control = VariantTotals(), treatment = VariantTotals()
        var looks: [(control: VariantTotals, treatment: VariantTotals)] = []
        for _ in 0..<days {
            let toControl = generator.binomial(leadsPerDay, controlShare)
            let c = generator.binomial(toControl, controlRate), t = generator.binomial(leadsPerDay - toControl, treatmentRate)
            control = control + VariantTotals(leads: toControl, conversions: c, accepted: c)
            treatment = treatment + VariantTotals(leads: leadsPerDay - toControl, conversions: t, accepted: t)
            looks.append((control, treatment))
        }
        return looks
    }

    static func analyse(_ looks: [(control: VariantTotals, treatment: VariantTotals)], plan: ExperimentPlan = ExperimentPlan(),
                        stopped: Bool = false) -> ExperimentAnalysis {
        let last = looks.last!
        func outcome(_ name: String, _ totals: VariantTotals) -> VariantOutcome {
            VariantOutcome(name: name, totals: totals, timeToConversionHours: MeanSample([]), medianTimeToConversionHours: nil)
        }
        return ExperimentAnalysis(plan: plan, control: outcome("control", last.control), treatment: outcome("treatment", last.treatment), looks: looks,
                                  stopped: stopped)
    }

    static func zTest(_ look: (control: VariantTotals, treatment: VariantTotals)) -> TwoProportionZTest {
        TwoProportionZTest(treatment: ProportionSample(successes: look.treatment.conversions, trials: look.treatment.leads),
                           control: ProportionSample(successes: look.control.conversions, trials: look.control.leads))
    }

    @Test func withNoTrueDifferenceOnlyTheNaiveDailyPeekInflatesFalsePositives() {
        var generator = Generator(state: 20261201)
        let tests = 1000, alpha = 0.05
        var fixedOnce = 0, naivePeeking = 0, alwaysValidPeeking = 0
        for _ in 0..<tests {
            let looks = Self.simulate(days: 28, leadsPerDay: 800, controlRate: 0.1, treatmentRate: 0.1, generator: &generator)
            if Self.zTest(looks.last!).pValue <= alpha { fixedOnce += 1 }
            if looks.contains(where: { Self.zTest($0).pValue <= alpha }) { naivePeeking += 1 }
            if Self.analyse(looks).alwaysValidPValue <= alpha { alwaysValidPeeking += 1 }
        }
        let fixedRate = Double(fixedOnce) / Double(tests), naiveRate = Double(naivePeeking) / Double(tests)
        let alwaysValidRate = Double(alwaysValidPeeking) / Double(tests)
        // Analysed once, the z-test rejects at α (±3σ of 1,000 tests).
        #expect(abs(fixedRate - alpha) <= 0.021, "fixed-horizon false-positive rate \(fixedRate)")
        // Peeked at on each of 28 days, it rejects far more often (theory: about 0.2-0.3).
        #expect(naiveRate >= 0.12, "naive daily peeking false-positive rate \(naiveRate)")
        // The always-valid test peeked at daily stays at or below α.
        #expect(alwaysValidRate <= alpha + 0.015, "always-valid false-positive rate under daily peeking \(alwaysValidRate)")
        print("A/A simulation, 1,000 tests × 28 days: fixed-horizon once \(fixedRate), naive daily peeking \(naiveRate), always-valid daily \(alwaysValidRate)")
    }

    @Test func aTreatmentThatTrulyConvertsBetterIsDeployed() {
        var generator = Generator(state: 7)
        var deployed = 0
        for _ in 0..<50 {
            let looks = Self.simulate(days: 28, leadsPerDay: 1200, controlRate: 0.10, treatmentRate: 0.12, generator: &generator)
            let analysis = Self.analyse(looks)
            if analysis.recommendation == .deploy { deployed += 1 }
        }
        // A 20 % lift on 16,800 leads per variant: the always-valid test should find it nearly always.
        #expect(deployed >= 48, "deployed \(deployed) of 50")
        let one = Self.analyse(Self.simulate(days: 28, leadsPerDay: 1200, controlRate: 0.10, treatmentRate: 0.12, generator: &generator))
        #expect(one.recommendation == .deploy)
        #expect(one.reasons.first?.contains("always-valid p") == true, "\(one.reasons)")
        #expect(one.relativeLiftInterval.contains(0.2), "\(one.relativeLiftInterval)")
    }

    @Test func aHarmfulTreatmentIsRolledBack() {
        var generator = Generator(state: 8)
        let analysis = Self.analyse(Self.simulate(days: 28, leadsPerDay: 1200, controlRate: 0.10, treatmentRate: 0.08, generator: &generator))
        #expect(analysis.recommendation == .rollBack, "\(analysis.recommendation): \(analysis.reasons)")
    }

    /// A stopped test cannot keep running (issue #23: `ab results` said so of a stopped test):
    /// it is told it stopped short of its planned sample and what its data support; a stopped
    /// test with a clear result keeps that result.
    @Test func aStoppedTestIsNeverToldToKeepRunning() {
        var generator = Generator(state: 9)
        let looks = Self.simulate(days: 3, leadsPerDay: 400, controlRate: 0.10, treatmentRate: 0.10, generator: &generator)
        #expect(Self.analyse(looks).recommendation == .keepRunning)
        let stopped = Self.analyse(looks, stopped: true)
        #expect(stopped.recommendation == .iterate, "\(stopped.reasons)")
        #expect(stopped.reasons.contains { $0.contains("was stopped with 1200 leads of the") }, "\(stopped.reasons)")
        #expect(stopped.reasons.contains { $0.contains("support no conclusion") && $0.contains("keep control") }, "\(stopped.reasons)")
        let clear = Self.simulate(days: 28, leadsPerDay: 1200, controlRate: 0.10, treatmentRate: 0.08, generator: &generator)
        #expect(Self.analyse(clear, stopped: true).recommendation == .rollBack)
    }

    @Test func withTooFewLeadsTheTestKeepsRunningAndAtFullSizeItSaysIterate() {
        var generator = Generator(state: 9)
        let early = Self.analyse(Self.simulate(days: 3, leadsPerDay: 400, controlRate: 0.10, treatmentRate: 0.10, generator: &generator))
        #expect(early.recommendation == .keepRunning, "\(early.reasons)")
        #expect(early.requiredControlLeads > early.control.totals.leads)
        // Plenty of data past the planned size and no effect: iterate.
        var late: ExperimentAnalysis?
        for _ in 0..<20 {
            let candidate = Self.analyse(Self.simulate(days: 40, leadsPerDay: 1000, controlRate: 0.10, treatmentRate: 0.10, generator: &generator))
            if candidate.alwaysValidPValue > 0.05 { late = candidate; break }
        }
        #expect(late?.recommendation == .iterate, "\(late?.reasons ?? [])")
        #expect(late.map { $0.control.totals.leads >= $0.requiredControlLeads } == true)
    }

    @Test func aSampleRatioMismatchMakesTheResultsUntrustworthy() {
        var generator = Generator(state: 10)
        // Configured 50/50, but 53 % of the leads reach control.
        let looks = Self.simulate(days: 28, leadsPerDay: 1000, controlRate: 0.10, treatmentRate: 0.12, controlShare: 0.53, generator: &generator)
        let analysis = Self.analyse(looks)
        #expect(!analysis.sampleRatio.passed)
        #expect(analysis.recommendation == .iterate)
        #expect(analysis.reasons.first?.hasPrefix("Sample ratio mismatch") == true, "\(analysis.reasons)")
        // The same leads analysed against the split they were drawn with pass.
        #expect(Self.analyse(looks, plan: ExperimentPlan(controlShare: 0.53)).sampleRatio.passed)
    }

    @Test func theConfidenceSequenceCoversTheTrueDifferenceAtEveryLook() {
        var generator = Generator(state: 11)
        var misses = 0
        for _ in 0..<300 {
            let looks = Self.simulate(days: 28, leadsPerDay: 600, controlRate: 0.10, treatmentRate: 0.11, generator: &generator)
            let sequential = MixtureSequentialTest(mixingScale: 0.01)
            let states = sequential.run(looks.map { look in
                let c = look.control.estimate(.conversionRate), t = look.treatment.estimate(.conversionRate)
                return .init(difference: t.mean - c.mean, variance: t.varianceOfMean + c.varianceOfMean)
            })
            if states.contains(where: { !$0.interval.contains(0.01) }) { misses += 1 }
        }
        // Time-uniform coverage ≥ 95 %: at most 5 % of the runs ever exclude the truth (+2σ of 300).
        #expect(misses <= 15 + 8, "the sequence excluded the true difference in \(misses) of 300 runs")
    }
}
