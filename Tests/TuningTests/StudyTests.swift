import Foundation
import Testing
@testable import Tuning

/// Studies: reproducibility, persistence and resumption, failures, pruning.
@Suite struct StudyTests {
    let space = try! SearchSpace([
        Parameter("x", .float(low: -3, high: 3)),
        Parameter("n", .int(low: 1, high: 64, log: true)),
        Parameter("kind", .categorical(choices: ["a", "b", "c"])),
        Parameter("extra", .float(low: 0.01, high: 1, log: true), when: .init(parent: "kind", values: ["c"])),
    ])

    @Sendable static func objective(_ trial: TrialContext) -> Double {
        let x = trial.float("x"), n = Double(trial.int("n"))
        let extra = trial.parameters["extra"].map { log10($0.double) + 1 } ?? 0.5
        return (x - 1) * (x - 1) + pow(log2(n) - 3, 2) / 4 + (trial.choice("kind") == "b" ? 0 : 0.3) + extra * extra
    }

    @Test func theSameSeedGivesTheSameTrials() throws {
        for sampler in [TPESampler(), TPESampler(multivariate: true)] as [Sampler] {
            let a = try Study(space: space, direction: .minimize, sampler: sampler, seed: 11)
            try a.optimize(trialCount: 30, objective: Self.objective)
            let b = try Study(space: space, direction: .minimize, sampler: sampler, seed: 11)
            try b.optimize(trialCount: 30, objective: Self.objective)
            #expect(a.trials.map(\.parameters) == b.trials.map(\.parameters))
            let c = try Study(space: space, direction: .minimize, sampler: sampler, seed: 12)
            try c.optimize(trialCount: 30, objective: Self.objective)
            #expect(a.trials.map(\.parameters) != c.trials.map(\.parameters))
            // Batches of two run concurrently and are still reproducible.
            let d = try Study(space: space, direction: .minimize, sampler: sampler, seed: 11)
            try d.optimize(trialCount: 30, parallelTrials: 2, objective: Self.objective)
            let e = try Study(space: space, direction: .minimize, sampler: sampler, seed: 11)
            try e.optimize(trialCount: 30, parallelTrials: 2, objective: Self.objective)
            #expect(d.trials.map(\.parameters) == e.trials.map(\.parameters))
        }
    }

    @Test func valuesRespectTheSpaceAndItsConditions() throws {
        let study = try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 3)
        try study.optimize(trialCount: 60, objective: Self.objective)
        for trial in study.trials {
            let x = trial.parameters["x"]!.double
            #expect(x >= -3 && x <= 3)
            guard case .int(let n)? = trial.parameters["n"] else { Issue.record("n missing"); continue }
            #expect(n >= 1 && n <= 64)
            guard case .categorical(let kind)? = trial.parameters["kind"] else { Issue.record("kind missing"); continue }
            #expect((trial.parameters["extra"] != nil) == (kind == "c"))
        }
        // TPE finds a good region: much better than the median of the random start-up trials.
        let startup = study.trials.prefix(10).compactMap(\.value).sorted()
        #expect(study.bestTrial!.value! < startup[5] / 2)
    }

    @Test func anInterruptedStudyResumesFromItsFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mlctl-study-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let first = try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 5, storage: file)
        try first.optimize(trialCount: 12, objective: Self.objective)
        let resumed = try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 5, storage: file)
        #expect(resumed.trials == first.trials)
        try resumed.optimize(trialCount: 25, objective: Self.objective)
        // The same as running 25 trials in one go.
        let straight = try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 5)
        try straight.optimize(trialCount: 25, objective: Self.objective)
        #expect(resumed.trials.map(\.parameters) == straight.trials.map(\.parameters))
        // Another space or seed: resuming is refused when required, naming the file; by
        // default the study starts fresh and says why.
        let other = try SearchSpace([Parameter("x", .float(low: 0, high: 1))])
        do {
            _ = try Study(space: other, direction: .minimize, sampler: TPESampler(), seed: 5, storage: file, resumption: .required)
            Issue.record("expected an error")
        } catch let error as StudyError {
            #expect(error.message.contains(file.path) && error.message.contains("another search space"))
        }
        #expect(throws: StudyError.self) { try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 6, storage: file, resumption: .required) }
        let reseeded = try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 6, storage: file)
        #expect(reseeded.trials.isEmpty && reseeded.startedFreshBecause == "the study stored there was made for seed 5, not 6")
    }

    /// A study records its data and evaluation, and resumes only on the same ones: a study of
    /// other data (or of an mlctl that did not record it) starts fresh; `.fresh` always does.
    @Test func aStudyResumesOnlyOnTheSameDataAndEvaluation() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mlctl-study-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let a = StudyContext(data: "aaaa1111", evaluation: "roc_auc, 3-fold CV (seed 1)")
        func study(_ context: StudyContext?, _ resumption: StudyResumption = .whenMatching) throws -> Study {
            try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 5, storage: file, context: context, resumption: resumption)
        }
        try study(a).optimize(trialCount: 4, objective: Self.objective)
        #expect(try study(a).trials.count == 4 && study(a).startedFreshBecause == nil)
        let otherData = try study(StudyContext(data: "bbbb2222", evaluation: a.evaluation))
        #expect(otherData.trials.isEmpty && otherData.startedFreshBecause?.contains("other data (fingerprint aaaa1111…, this data bbbb2222…)") == true)
        let otherFolds = try study(StudyContext(data: a.data, evaluation: "roc_auc, 5-fold CV (seed 1)"))
        #expect(otherFolds.trials.isEmpty && otherFolds.startedFreshBecause?.contains("another evaluation") == true)
        #expect(throws: StudyError.self) { try study(StudyContext(data: "bbbb2222", evaluation: a.evaluation), .required) }
        #expect(try study(a, .fresh).trials.isEmpty)
        // A fresh study replaces the file at its first save.
        try otherData.optimize(trialCount: 2, objective: Self.objective)
        #expect(try study(a).trials.isEmpty && study(StudyContext(data: "bbbb2222", evaluation: a.evaluation)).trials.count == 2)
        // A study file of version 1 recorded no data: not resumed where a context is given.
        let versionOne = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "\"formatVersion\" : 2", with: "\"formatVersion\" : 1")
            .replacingOccurrences(of: "\"context\"", with: "\"unused\"")
        try versionOne.write(to: file, atomically: true, encoding: .utf8)
        #expect(try study(a).startedFreshBecause?.contains("a study file of an earlier mlctl") == true)
        #expect(try study(nil).trials.count == 2)
    }

    struct Boom: Error {}

    @Test func failingTrialsAreRecordedAndTheStudyGoesOn() throws {
        let study = try Study(space: space, direction: .minimize, sampler: TPESampler(), seed: 1)
        try study.optimize(trialCount: 20) { trial in
            if trial.number % 3 == 0 { throw Boom() }
            if trial.number == 4 { return .nan }
            return Self.objective(trial)
        }
        #expect(study.trials.count == 20)
        #expect(study.trials.filter { $0.state == .failed }.count == 8)
        #expect(study.trials[4].error == "the objective returned NaN")
        #expect(study.bestTrial != nil && study.bestTrial!.state == .complete)
    }

    @Test func medianPrunerStopsTrialsWorseThanTheMedian() throws {
        let pruner = MedianPruner(startupTrials: 2)
        let history = [3.0, 5.0, 7.0].enumerated().map { i, v in
            Trial(number: i, state: .complete, parameters: [:], internalParameters: [:], value: v, intermediateValues: [0: v, 1: v])
        }
        #expect(pruner.shouldPrune(step: 1, value: 6, intermediateValues: [0: 6], history: history, direction: .minimize))
        #expect(!pruner.shouldPrune(step: 1, value: 4, intermediateValues: [0: 6], history: history, direction: .minimize))
        // The best value so far counts: an earlier good step keeps the trial.
        #expect(!pruner.shouldPrune(step: 1, value: 6, intermediateValues: [0: 2], history: history, direction: .minimize))
        #expect(!pruner.shouldPrune(step: 1, value: 6, intermediateValues: [:], history: Array(history.prefix(1)), direction: .minimize))
        #expect(pruner.shouldPrune(step: 1, value: 4, intermediateValues: [:], history: history, direction: .maximize))
    }

    @Test func successiveHalvingKeepsTheBestQuarterAtEachRung() throws {
        let pruner = SuccessiveHalvingPruner(minResource: 1, reductionFactor: 4)
        #expect(pruner.rungStep(0) == 1 && pruner.rungStep(1) == 4 && pruner.rungStep(2) == 16)
        let history = (0..<7).map { i in
            Trial(number: i, state: .complete, parameters: [:], internalParameters: [:], value: Double(i), intermediateValues: [1: Double(i), 4: Double(i)])
        }
        // 8 values at rung 1 (7 + this one): the best 8/4 = 2 continue.
        #expect(!pruner.shouldPrune(step: 1, value: 0.5, intermediateValues: [:], history: history, direction: .minimize))
        #expect(!pruner.shouldPrune(step: 1, value: 1.0, intermediateValues: [:], history: history, direction: .minimize))
        #expect(pruner.shouldPrune(step: 1, value: 1.5, intermediateValues: [:], history: history, direction: .minimize))
        // Not a rung step: never pruned.
        #expect(!pruner.shouldPrune(step: 2, value: 100, intermediateValues: [:], history: history, direction: .minimize))
        // A pruned trial is recorded as pruned, with its last value.
        let study = try Study(space: space, direction: .minimize, sampler: RandomSampler(), pruner: MedianPruner(startupTrials: 1), seed: 2)
        try study.optimize(trialCount: 15) { trial in
            let value = Self.objective(trial)
            for step in 0..<4 { try trial.report(value + Double(3 - step), step: step) }
            return value
        }
        let pruned = study.trials.filter { $0.state == .pruned }
        #expect(!pruned.isEmpty)
        #expect(pruned.allSatisfy { $0.value == $0.intermediateValues.max { $0.key < $1.key }!.value })
    }

    @Test func badSpacesAreRejected() {
        #expect(throws: SearchSpaceError.self) { try SearchSpace([Parameter("x", .float(low: 0, high: 1, log: true))]) }
        #expect(throws: SearchSpaceError.self) { try SearchSpace([Parameter("x", .float(low: 2, high: 1))]) }
        #expect(throws: SearchSpaceError.self) { try SearchSpace([Parameter("x", .int(low: 0, high: 5, log: true))]) }
        #expect(throws: SearchSpaceError.self) { try SearchSpace([Parameter("x", .categorical(choices: ["a", "a"]))]) }
        #expect(throws: SearchSpaceError.self) { try SearchSpace([Parameter("y", .float(low: 0, high: 1), when: .init(parent: "x", values: ["a"]))]) }
        #expect(throws: SearchSpaceError.self) {
            try SearchSpace([Parameter("x", .categorical(choices: ["a"])), Parameter("y", .float(low: 0, high: 1), when: .init(parent: "x", values: ["b"]))])
        }
    }
}
