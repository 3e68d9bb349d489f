import Foundation

/// The range of one hyperparameter.
///
/// Samplers work in an *internal* representation: a `Double` per parameter — the value itself
/// for floats and integers (samplers apply the log transform themselves when `log` is set), the
/// choice index for categoricals. ``Distribution/value(internal:)`` and
/// ``Distribution/internalValue(of:)`` convert.
public enum Distribution: Codable, Sendable, Equatable {
    /// A float in [low, high]; sampled on a log scale when `log` (then low > 0); on the grid
    /// low, low + step, … when `step` is set (not with `log`).
    case float(low: Double, high: Double, log: Bool = false, step: Double? = nil)
    /// An integer in [low, high] on the grid low, low + step, …; log scale when `log` (then
    /// low ≥ 1 and step 1).
    case int(low: Int, high: Int, log: Bool = false, step: Int = 1)
    /// One of `choices`.
    case categorical(choices: [String])

    /// Why the distribution is invalid, or nil.
    public var problem: String? {
        switch self {
        case .float(let low, let high, let log, let step):
            if !(low.isFinite && high.isFinite) || low > high { return "float range [\(low), \(high)] is empty or not finite" }
            if log && low <= 0 { return "a log-scale float needs low > 0, not \(low)" }
            if let step, log || step <= 0 { return log ? "a float cannot have both log scale and a step" : "step must be positive, not \(step)" }
        case .int(let low, let high, let log, let step):
            if low > high { return "int range [\(low), \(high)] is empty" }
            if step < 1 { return "step must be at least 1, not \(step)" }
            if log && (low < 1 || step != 1) { return "a log-scale int needs low ≥ 1 and step 1" }
        case .categorical(let choices):
            if choices.isEmpty { return "a categorical needs at least one choice" }
            if Set(choices).count != choices.count { return "categorical choices must be distinct" }
        }
        return nil
    }

    /// The user-facing value of an internal one (rounded to the grid, clamped to the range).
    public func value(internal x: Double) -> ParameterValue {
        switch self {
        case .float(let low, let high, _, let step):
            guard let step else { return .float(min(max(x, low), high)) }
            let k = ((x - low) / step).rounded()
            return .float(min(max(low + k * step, low), high))
        case .int(let low, let high, _, let step):
            let k = ((x - Double(low)) / Double(step)).rounded()
            return .int(min(max(low + Int(k) * step, low), high))
        case .categorical(let choices):
            return .categorical(choices[min(max(Int(x.rounded()), 0), choices.count - 1)])
        }
    }

    /// The internal value of a user-facing one, or nil if it does not belong to this range.
    public func internalValue(of value: ParameterValue) -> Double? {
        switch (self, value) {
        case (.float(let low, let high, _, _), .float(let x)) where x >= low && x <= high: return x
        case (.int(let low, let high, _, _), .int(let x)) where x >= low && x <= high: return Double(x)
        case (.categorical(let choices), .categorical(let x)): return choices.firstIndex(of: x).map(Double.init)
        default: return nil
        }
    }

    public var isCategorical: Bool {
        if case .categorical = self { return true }
        return false
    }
}

/// A hyperparameter value as the objective sees it.
public enum ParameterValue: Codable, Sendable, Equatable, Hashable, CustomStringConvertible {
    case float(Double)
    case int(Int)
    case categorical(String)

    public var double: Double {
        switch self {
        case .float(let x): x
        case .int(let x): Double(x)
        case .categorical: .nan
        }
    }

    public var description: String {
        switch self {
        case .float(let x): String(format: "%.6g", x)
        case .int(let x): "\(x)"
        case .categorical(let x): x
        }
    }
}

/// A named hyperparameter, active always or only when another (categorical) parameter takes
/// one of some values — e.g. `l1_ratio` only when `penalty` is `elasticnet`.
public struct Parameter: Codable, Sendable, Equatable {
    public var name: String
    public var distribution: Distribution
    /// The parameter this one depends on (declared earlier in the space) and the values of it
    /// under which this one is active.
    public var condition: Condition?

    public struct Condition: Codable, Sendable, Equatable {
        public var parent: String
        public var values: [String]
        public init(parent: String, values: [String]) { self.parent = parent; self.values = values }
    }

    public init(_ name: String, _ distribution: Distribution, when condition: Condition? = nil) {
        self.name = name
        self.distribution = distribution
        self.condition = condition
    }
}

/// Why a search space is invalid.
public struct SearchSpaceError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}

/// An ordered set of hyperparameters. Order matters only for conditions (a parent comes
/// before its children) and for reporting.
public struct SearchSpace: Codable, Sendable, Equatable {
    public var parameters: [Parameter]

    public init(_ parameters: [Parameter]) throws(SearchSpaceError) {
        var seen: [String: Distribution] = [:]
        for parameter in parameters {
            if seen[parameter.name] != nil { throw SearchSpaceError(message: "parameter '\(parameter.name)' is declared twice") }
            if let problem = parameter.distribution.problem { throw SearchSpaceError(message: "parameter '\(parameter.name)': \(problem)") }
            if let condition = parameter.condition {
                guard case .categorical(let choices)? = seen[condition.parent] else {
                    throw SearchSpaceError(message: "parameter '\(parameter.name)' depends on '\(condition.parent)', which must be a categorical declared before it")
                }
                if let unknown = condition.values.first(where: { !choices.contains($0) }) {
                    throw SearchSpaceError(message: "parameter '\(parameter.name)': '\(unknown)' is not a choice of '\(condition.parent)'")
                }
            }
            seen[parameter.name] = parameter.distribution
        }
        self.parameters = parameters
    }

    /// Whether `parameter` is active given the (internal) values chosen so far.
    public func isActive(_ parameter: Parameter, given values: [String: Double]) -> Bool {
        guard let condition = parameter.condition else { return true }
        guard let parentValue = values[condition.parent],
              let parent = parameters.first(where: { $0.name == condition.parent }),
              case .categorical(let choices) = parent.distribution else { return false }
        return condition.values.contains(choices[Int(parentValue)])
    }

    /// The user-facing values of internal ones (active parameters only).
    public func values(internal internalValues: [String: Double]) -> [String: ParameterValue] {
        var out: [String: ParameterValue] = [:]
        for parameter in parameters {
            if let x = internalValues[parameter.name] { out[parameter.name] = parameter.distribution.value(internal: x) }
        }
        return out
    }
}
