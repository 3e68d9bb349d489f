import Core
import Dispatch
import Foundation

/// Proposes the next point to try.
public protocol Sampler: Sendable {
    /// A short name for reports and study files (`random`, `tpe`, `gp`).
    var name: String { get }
    /// Internal values (see ``Distribution``) of the active parameters for a new trial, given
    /// the trials finished so far. `random` is the new trial's own stream, derived from
    /// (study seed, trial number).
    func sample(space: SearchSpace, history: [Trial], direction: Direction, random: inout SeededGenerator) -> [String: Double]
}

/// Decides whether a running trial should stop early.
public protocol Pruner: Sendable {
    /// Whether the trial that just reported `value` at `step` (its earlier reports in
    /// `intermediateValues`) should stop, given the trials finished before it started.
    func shouldPrune(step: Int, value: Double, intermediateValues: [Int: Double], history: [Trial], direction: Direction) -> Bool
}

/// Thrown from ``TrialContext/report(_:step:)`` when the pruner stops a trial; objectives
/// let it propagate.
public struct TrialPruned: Error, Sendable {}

/// Why a study cannot run or be resumed; the message names the study file.
public struct StudyError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// What a study's trials were measured on: its trials compare only with trials on the same
/// data, scored the same way. Resuming a study on other data would reuse an old search's
/// verdicts (and report its score) as if they were about the new table.
public struct StudyContext: Codable, Equatable, Sendable {
    /// The data's fingerprint (`Dataset.fingerprint()`: columns, values, labels, weights).
    public var data: String
    /// How a trial is scored and what is held fixed: metric, folds and their seed, the fixed
    /// settings of the model being tuned.
    public var evaluation: String

    public init(data: String, evaluation: String) {
        self.data = data
        self.evaluation = evaluation
    }
}

/// What to do with a stored study that was made for something else (another space,
/// direction, seed, data or evaluation).
public enum StudyResumption: Sendable {
    /// Resume when everything matches; otherwise start fresh (and say why:
    /// ``Study/startedFreshBecause``). The default.
    case whenMatching
    /// Resume, and fail when anything differs (`tune --resume`).
    case required
    /// Start fresh whatever is stored (`--fresh`).
    case fresh
}

/// What the objective sees of its trial: the parameters, a random stream of its own, and a
/// way to report intermediate values (and be pruned).
public final class TrialContext: @unchecked Sendable {
    public let number: Int
    public let parameters: [String: ParameterValue]
    /// The trial's own random stream: derived from (study seed, trial number), so a trial's
    /// randomness does not depend on which trials ran before it or on which thread.
    public let random: SeededGenerator
    let pruner: Pruner?
    let history: [Trial]
    let direction: Direction
    private let lock = NSLock()
    private var reported: [Int: Double] = [:]

    init(number: Int, parameters: [String: ParameterValue], random: SeededGenerator, pruner: Pruner?, history: [Trial], direction: Direction) {
        self.number = number
        self.parameters = parameters
        self.random = random
        self.pruner = pruner
        self.history = history
        self.direction = direction
    }

    /// Records an intermediate value (e.g. the validation metric after fold `step`) and throws
    /// ``TrialPruned`` if the pruner says this trial is not worth finishing.
    public func report(_ value: Double, step: Int) throws(TrialPruned) {
        let earlier = lock.withLock { () -> [Int: Double] in
            let earlier = reported
            reported[step] = value
            return earlier
        }
        if let pruner, !value.isNaN, pruner.shouldPrune(step: step, value: value, intermediateValues: earlier, history: history, direction: direction) {
            throw TrialPruned()
        }
    }

    var intermediateValues: [Int: Double] { lock.withLock { reported } }

    private var recordedAttributes: [String: Double] = [:]

    /// Records a number about this trial, kept in the study (``Trial/attributes``).
    public func setAttribute(_ name: String, _ value: Double) {
        lock.withLock { recordedAttributes[name] = value }
    }

    var attributes: [String: Double] { lock.withLock { recordedAttributes } }

    public func float(_ name: String) -> Double { parameters[name]!.double }
    public func int(_ name: String) -> Int {
        guard case .int(let value)? = parameters[name] else { preconditionFailure("'\(name)' is not an active int parameter") }
        return value
    }
    public func choice(_ name: String) -> String {
        guard case .categorical(let value)? = parameters[name] else { preconditionFailure("'\(name)' is not an active categorical parameter") }
        return value
    }
}

/// A hyperparameter search: a space, a sampler, an optional pruner and the trials so far,
/// persisted after every trial (written to a temporary file and renamed) so that an
/// interrupted study resumes where it stopped.
///
/// Reproducible: trial *t* is sampled from the trials finished before its batch started, with
/// the random stream (seed, *t*). Trials run in batches of `parallelTrials`, all sampled from
/// the same history and evaluated concurrently; so the same seed and batch size give the same
/// suggestions whatever the timing. (A different batch size gives a different, equally valid
/// sequence.)
public final class Study: @unchecked Sendable {
    public let space: SearchSpace
    public let direction: Direction
    public let seed: UInt64
    public let sampler: Sampler
    public let pruner: Pruner?
    /// Where the study is persisted, if anywhere.
    public let storage: URL?
    /// What the trials are measured on, if the caller said.
    public let context: StudyContext?
    public private(set) var trials: [Trial]
    /// Why a study stored at ``storage`` was not resumed (`nil` when there was none, or it
    /// was resumed): for the caller to tell the user. Its file is replaced at the first save.
    public private(set) var startedFreshBecause: String?

    /// A new study, or the one stored at `storage` when it was made for the same space,
    /// direction, seed and `context` (see ``StudyResumption`` for the other cases).
    public init(space: SearchSpace, direction: Direction, sampler: Sampler, pruner: Pruner? = nil, seed: UInt64, storage: URL? = nil,
                context: StudyContext? = nil, resumption: StudyResumption = .whenMatching) throws {
        self.space = space
        self.direction = direction
        self.sampler = sampler
        self.pruner = pruner
        self.seed = seed
        self.storage = storage
        self.context = context
        trials = []
        if let storage, FileManager.default.fileExists(atPath: storage.path) {
            if resumption == .fresh {
                startedFreshBecause = "--fresh discards the study stored there"
                return
            }
            let stored: StoredStudy
            do {
                stored = try JSONCoding.decoder().decode(StoredStudy.self, from: Data(contentsOf: storage))
            } catch {
                throw StudyError(message: "\(storage.path): not a readable study file (\(error))")
            }
            guard stored.format == StoredStudy.formatName, stored.formatVersion <= StoredStudy.currentVersion else {
                throw StudyError(message: "\(storage.path): not an mlctl study file of a version this mlctl reads")
            }
            if let difference = Self.difference(stored, space: space, direction: direction, seed: seed, context: context) {
                if resumption == .required {
                    throw StudyError(message: "\(storage.path): cannot resume: the study was made for \(difference)")
                }
                startedFreshBecause = "the study stored there was made for \(difference)"
                return
            }
            trials = stored.trials
        }
    }

    /// What differs between a stored study and this one, in words, or `nil`.
    private static func difference(_ stored: StoredStudy, space: SearchSpace, direction: Direction, seed: UInt64,
                                   context: StudyContext?) -> String? {
        if stored.space != space { return "another search space" }
        if stored.direction != direction { return "the opposite direction" }
        if stored.seed != seed { return "seed \(stored.seed), not \(seed)" }
        guard let context else { return nil }
        guard let storedContext = stored.context else { return "data it did not record (a study file of an earlier mlctl)" }
        if storedContext.data != context.data {
            return "other data (fingerprint \(storedContext.data.prefix(12))…, this data \(context.data.prefix(12))…)"
        }
        if storedContext.evaluation != context.evaluation {
            return "another evaluation (\(storedContext.evaluation); now \(context.evaluation))"
        }
        return nil
    }

    /// The best complete trial so far.
    public var bestTrial: Trial? {
        trials.filter { $0.state == .complete && $0.loss(direction) != nil }.min { $0.loss(direction)! < $1.loss(direction)! }
    }

    /// Runs trials until the study has `trialCount` of them (resumed trials count) or
    /// `timeout` seconds have passed (no new batch starts after that). A trial whose
    /// objective throws is recorded as failed and the study goes on; ``TrialPruned`` records
    /// it as pruned. `onTrial` is called after each trial, in trial order.
    public func optimize(trialCount: Int, timeout: Double? = nil, parallelTrials: Int = 1,
                         objective: @Sendable (TrialContext) throws -> Double,
                         onTrial: (Trial, Study) -> Void = { _, _ in }) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let batchSize = max(1, parallelTrials)
        while trials.count < trialCount {
            if let timeout, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 >= timeout { break }
            let history = trials
            let numbers = Array(trials.count..<min(trialCount, trials.count + batchSize))
            let contexts = numbers.map { number -> TrialContext in
                var random = SeededGenerator(seed: seed).derived(UInt64(number))
                let internalValues = sampler.sample(space: space, history: history, direction: direction, random: &random)
                return TrialContext(number: number, parameters: space.values(internal: internalValues),
                                    random: SeededGenerator(seed: seed).derived(UInt64(number) | 1 << 63), pruner: pruner,
                                    history: history, direction: direction)
            }
            let internals = contexts.map { context in
                Dictionary(uniqueKeysWithValues: context.parameters.compactMap { name, value -> (String, Double)? in
                    guard let parameter = space.parameters.first(where: { $0.name == name }),
                          let x = parameter.distribution.internalValue(of: value) else { return nil }
                    return (name, x)
                })
            }
            let results = ResultSlots<Trial>(count: contexts.count)
            func work(_ index: Int) {
                let context = contexts[index]
                let start = DispatchTime.now().uptimeNanoseconds
                var trial = Trial(number: context.number, state: .complete, parameters: context.parameters,
                                  internalParameters: internals[index], value: nil)
                do {
                    let value = try objective(context)
                    if value.isNaN {
                        trial.state = .failed
                        trial.error = "the objective returned NaN"
                    } else {
                        trial.value = value
                    }
                } catch is TrialPruned {
                    trial.state = .pruned
                    trial.value = context.intermediateValues.max { $0.key < $1.key }?.value
                } catch {
                    trial.state = .failed
                    trial.error = "\(error)"
                }
                trial.intermediateValues = context.intermediateValues
                trial.attributes = context.attributes
                trial.duration = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                results[index] = trial
            }
            if contexts.count == 1 {
                work(0)
            } else {
                withoutActuallyEscaping(work) { escapable in
                    let shared = UncheckedSendable(escapable)
                    DispatchQueue.concurrentPerform(iterations: contexts.count) { shared.value($0) }
                }
            }
            for trial in results.values {
                trials.append(trial)
                try save()
                onTrial(trial, self)
            }
        }
    }

    /// Writes the study to ``storage`` (temporary file, then rename).
    public func save() throws {
        guard let storage else { return }
        let data = try JSONCoding.encoder(pretty: true).encode(StoredStudy(space: space, direction: direction, sampler: sampler.name, seed: seed,
                                                                           context: context, trials: trials))
        let temporary = storage.deletingLastPathComponent().appendingPathComponent(".\(storage.lastPathComponent).tmp-\(getpid())")
        try data.write(to: temporary)
        guard rename(temporary.path, storage.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw StudyError(message: "\(storage.path): cannot write the study: \(reason)")
        }
    }
}

/// The JSON form of a study file.
struct StoredStudy: Codable {
    static let formatName = "mlctl-study"
    /// 2 adds `context`; version 1 files read with none (and are not resumed where a context is given).
    static let currentVersion = 2
    var format = StoredStudy.formatName
    var formatVersion = StoredStudy.currentVersion
    var space: SearchSpace
    var direction: Direction
    var sampler: String
    var seed: UInt64
    var context: StudyContext?
    var trials: [Trial]
}
