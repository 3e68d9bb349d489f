/// How a trial ended.
public enum TrialState: String, Codable, Sendable {
    case complete, pruned, failed
}

/// One evaluated point of a study: what was tried, what it gave, how long it took.
public struct Trial: Codable, Sendable, Equatable {
    /// 0, 1, 2, … in the order trials were started.
    public var number: Int
    public var state: TrialState
    /// The parameters in the objective's terms (active parameters only).
    public var parameters: [String: ParameterValue]
    /// The same in the samplers' internal representation (see ``Distribution``).
    public var internalParameters: [String: Double]
    /// The objective value (complete trials), or the last intermediate value (pruned trials).
    public var value: Double?
    /// Intermediate values reported during the trial, by step.
    public var intermediateValues: [Int: Double]
    /// Wall-clock seconds.
    public var duration: Double
    /// Why a failed trial failed.
    public var error: String?
    /// Numbers the objective recorded about the trial (e.g. `trees`: the boosting rounds early
    /// stopping kept, averaged over folds).
    public var attributes: [String: Double] = [:]

    public init(number: Int, state: TrialState, parameters: [String: ParameterValue], internalParameters: [String: Double],
                value: Double?, intermediateValues: [Int: Double] = [:], duration: Double = 0, error: String? = nil) {
        self.number = number
        self.state = state
        self.parameters = parameters
        self.internalParameters = internalParameters
        self.value = value
        self.intermediateValues = intermediateValues
        self.duration = duration
        self.error = error
    }

    /// The value samplers rank this trial by, smaller = better (sign-flipped for
    /// maximisation); nil when the trial has no usable value.
    public func loss(_ direction: Direction) -> Double? {
        guard let value, !value.isNaN else { return nil }
        return direction == .minimize ? value : -value
    }
}

/// Whether the study wants the objective small or large.
public enum Direction: String, Codable, Sendable {
    case minimize, maximize
}
