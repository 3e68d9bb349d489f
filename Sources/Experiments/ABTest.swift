import Core
import Evaluation
import Foundation

/// An A/B test of rule-based scoring (control) against the ML model (treatment), as stored in
/// the `ab_tests` table.
public struct ABTest: Sendable, Equatable {
    public enum Status: String, Sendable { case running, stopped }

    /// Unique; 1-100 characters of letters, digits, `_`, `-` and `.` (it appears in URLs).
    public var name: String
    public var description: String
    /// Percent of leads to control (1…99); the rest go to treatment.
    public var controlPercent: Int
    public var status: Status
    public var primaryMetric: ExperimentMetric
    /// Two-sided significance level.
    public var alpha: Double
    /// Relative change of the primary metric worth detecting (0.1 = 10 %).
    public var minimumDetectableEffect: Double
    /// Seconds since 1970 UTC.
    public var startedAt: Double
    public var stoppedAt: Double?

    public var treatmentPercent: Int { 100 - controlPercent }

    /// The statistical plan of the analysis (80 % power).
    public var plan: ExperimentPlan {
        ExperimentPlan(primaryMetric: primaryMetric, alpha: alpha, minimumDetectableEffect: minimumDetectableEffect,
                       controlShare: Double(controlPercent) / 100)
    }
}

/// What a new test needs; ``validate()`` checks it before anything is written.
public struct ABTestDefinition: Sendable {
    public var name: String
    public var description: String = ""
    /// Percent per variant; must be control and treatment, each 1…99, summing to 100.
    public var split: [String: Int] = ["control": 50, "treatment": 50]
    public var primaryMetric: ExperimentMetric = .conversionRate
    public var alpha: Double = 0.05
    public var minimumDetectableEffect: Double = 0.1

    public init(name: String) { self.name = name }

    /// The first problem with the definition, naming the field; `nil` when it is valid.
    public func validate() -> FieldError? {
        if name.isEmpty || name.count > 100 || !name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }) {
            return FieldError(field: "name", message: "must be 1-100 characters of letters, digits, '_', '-' and '.'")
        }
        if description.count > 2000 { return FieldError(field: "description", message: "must be at most 2000 characters") }
        if Set(split.keys) != ["control", "treatment"] {
            return FieldError(field: "split", message: "must give exactly 'control' and 'treatment' percentages")
        }
        if split.values.reduce(0, +) != 100 {
            return FieldError(field: "split", message: "the percentages must sum to 100 (they sum to \(split.values.reduce(0, +)))")
        }
        for variant in ["control", "treatment"] where !(1...99).contains(split[variant]!) {
            return FieldError(field: "split.\(variant)", message: "must be between 1 and 99")
        }
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
