import Core
import Evaluation
import Foundation

/// An A/B test between scorers — the rules, the served model, registry versions — as stored in
/// the `ab_tests` and `ab_test_arms` tables. Its first arm is the control; every other arm is
/// compared with it.
public struct ABTest: Sendable, Equatable {
    public enum Status: String, Sendable { case running, stopped }

    /// Unique; 1-100 characters of letters, digits, `_`, `-` and `.` (it appears in URLs).
    public var name: String
    public var description: String
    /// The arms, control first, with percents summing to 100. A test made before tests had
    /// arms has the rules (`control`) and the served model (`treatment`).
    public var arms: [ABArm]
    public var status: Status
    public var primaryMetric: ExperimentMetric
    /// Two-sided significance level.
    public var alpha: Double
    /// Relative change of the primary metric worth detecting (0.1 = 10 %).
    public var minimumDetectableEffect: Double
    /// Seconds since 1970 UTC.
    public var startedAt: Double
    public var stoppedAt: Double?

    /// Percent of leads to the control arm.
    public var controlPercent: Int { arms[0].percent }
    /// Percent of leads to the other arms together.
    public var treatmentPercent: Int { 100 - controlPercent }

    /// The statistical plan of the comparison of arm `index` (1…) with the control (80 %
    /// power): α is split evenly among the comparisons (Bonferroni), so that the chance of
    /// any false winner stays at most α; a two-arm test keeps α whole.
    public func plan(comparing index: Int) -> ExperimentPlan {
        let control = Double(arms[0].percent), arm = Double(arms[index].percent)
        return ExperimentPlan(primaryMetric: primaryMetric, alpha: alpha / Double(arms.count - 1),
                              minimumDetectableEffect: minimumDetectableEffect, controlShare: control / (control + arm))
    }

    /// The split as text: `50/50`, `50/25/25`.
    public var splitText: String { arms.map { String($0.percent) }.joined(separator: "/") }
}

/// What a new test needs; ``validate()`` checks it before anything is written.
public struct ABTestDefinition: Sendable {
    public var name: String
    public var description: String = ""
    /// The arms, control first (``ABArm/validate(_:)``); by default the rules against the
    /// served model, half each.
    public var arms: [ABArm] = ABArm.controlAndTreatment(controlPercent: 50)
    public var primaryMetric: ExperimentMetric = .conversionRate
    public var alpha: Double = 0.05
    public var minimumDetectableEffect: Double = 0.1

    public init(name: String) { self.name = name }

    /// The first problem with the definition, naming the field; `nil` when it is valid.
    public func validate() -> FieldError? {
        if !ABArm.isIdentifier(name, maximumLength: 100) {
            return FieldError(field: "name", message: "must be 1-100 characters of letters, digits, '_', '-' and '.'")
        }
        if description.count > 2000 { return FieldError(field: "description", message: "must be at most 2000 characters") }
        if let problem = ABArm.validate(arms) { return problem }
        if !(alpha > 0 && alpha < 0.5) { return FieldError(field: "alpha", message: "must be in (0, 0.5)") }
        if !(minimumDetectableEffect > 0 && minimumDetectableEffect <= 10) {
            return FieldError(field: "minimumDetectableEffect", message: "must be a relative change in (0, 10], e.g. 0.1 for 10 %")
        }
        return nil
    }
}

/// Why an A/B test operation was refused.
public enum ABTestError: Error, Sendable, CustomStringConvertible, Equatable {
    /// No test with this name (HTTP 404).
    case notFound(String)
    /// A test of that name exists already (HTTP 422).
    case duplicate(String)
    /// The test is stopped already (HTTP 409).
    case alreadyStopped(String)
    /// A field of the request is invalid (HTTP 422).
    case invalid(FieldError)

    public var description: String {
        switch self {
        case .notFound(let name): "no A/B test named '\(name)'"
        case .duplicate(let name): "an A/B test named '\(name)' exists already"
        case .alreadyStopped(let name): "the A/B test '\(name)' is stopped already"
        case .invalid(let error): "\(error.field): \(error.message)"
        }
    }
}
