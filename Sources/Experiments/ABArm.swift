import Core
import Foundation

/// What scores the leads of an A/B test's arm.
public enum ABScorer: Sendable, Hashable, CustomStringConvertible {
    /// The rule-based score (``RuleBasedLeadScorer``), the system before the models.
    case rules
    /// The registry's current version, as the service serves it: it follows promotions and reloads.
    case current
    /// A registry version (`v3`): its global model, or its vertical model where it kept one.
    case version(String)
    /// One bundle of a registry version (`v4/pc`): it scores every lead of the arm.
    case bundle(version: String, name: String)

    /// The spelling of ``parse(_:)``: `rules`, `current`, `v3`, `v4/pc`.
    public var description: String {
        switch self {
        case .rules: "rules"
        case .current: "current"
        case .version(let version): version
        case .bundle(let version, let name): "\(version)/\(name)"
        }
    }

    /// The registry version an arm needs loaded next to the served one; `nil` for the rules
    /// and the current version.
    public var registryVersion: String? {
        switch self {
        case .rules, .current: nil
        case .version(let version), .bundle(let version, _): version
        }
    }

    /// `rules`, `current`, a version `v<digits>` or `v<digits>/<bundle>` (a bundle name of
    /// letters, digits, `_`, `-` and `.`); `nil` for anything else.
    public static func parse(_ text: String) -> ABScorer? {
        switch text {
        case "rules": return .rules
        case "current": return .current
        default:
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2, isVersion(parts[0]) else { return nil }
            if parts.count == 1 { return .version(parts[0]) }
            guard ABArm.isName(parts[1]), parts[1] != ".", parts[1] != ".." else { return nil }
            return .bundle(version: parts[0], name: parts[1])
        }
    }

    /// `v` and 1–9 digits: the registry's version names.
    private static func isVersion(_ text: String) -> Bool {
        text.count >= 2 && text.count <= 10 && text.first == "v" && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// One arm of an A/B test: its name, what scores its leads and its share of the leads.
/// The first arm of a test is its control: every other arm is compared with it.
public struct ABArm: Sendable, Hashable {
    /// 1–40 characters of letters, digits, `_`, `-` and `.` (it is a label in the metrics).
    public var name: String
    public var scorer: ABScorer
    /// Whole percent of the leads, 1…99.
    public var percent: Int

    public init(name: String, scorer: ABScorer, percent: Int) {
        self.name = name
        self.scorer = scorer
        self.percent = percent
    }

    /// The arms of a test made before tests had arms: the rules (control) against the served
    /// model (treatment).
    public static func controlAndTreatment(controlPercent: Int) -> [ABArm] {
        [ABArm(name: "control", scorer: .rules, percent: controlPercent),
         ABArm(name: "treatment", scorer: .current, percent: 100 - controlPercent)]
    }

    /// Most arms in a test: each comparison with the control spends a share of α.
    public static let maximumCount = 8

    /// The two arms of a `split` (`{"control": 50, "treatment": 50}`, the spelling from before
    /// arms), validated in its own terms.
    /// - Throws: ``FieldError`` on `split` or `split.<variant>`.
    public static func fromSplit(_ split: [String: Int]) throws(FieldError) -> [ABArm] {
        guard Set(split.keys) == ["control", "treatment"] else {
            throw FieldError(field: "split", message: "must give exactly 'control' and 'treatment' percentages")
        }
        let total = split.values.reduce(0, +)
        guard total == 100 else { throw FieldError(field: "split", message: "the percentages must sum to 100 (they sum to \(total))") }
        for variant in ["control", "treatment"] where !(1...99).contains(split[variant]!) {
            throw FieldError(field: "split.\(variant)", message: "must be between 1 and 99")
        }
        return controlAndTreatment(controlPercent: split["control"]!)
    }

    /// Whether `text` is a valid arm name.
    public static func isName(_ text: String) -> Bool { isIdentifier(text, maximumLength: 40) }

    /// 1…`maximumLength` ASCII letters, digits, `_`, `-` and `.`: the names of tests and arms,
    /// which appear in URLs and metric labels.
    static func isIdentifier(_ text: String, maximumLength: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumLength
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    /// Arms from `name=scorer:percent` items separated by commas
    /// (`control=rules:50,challenger=v4:50`), the command line's spelling.
    /// - Throws: ``FieldError`` on `arms` naming the item that cannot be read.
    public static func parseList(_ text: String) throws(FieldError) -> [ABArm] {
        var arms: [ABArm] = []
        for (index, item) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let pieces = item.split(separator: "=", maxSplits: 1).map(String.init)
            let right = pieces.count == 2 ? pieces[1] : ""
            guard let colon = right.lastIndex(of: ":"), let percent = Int(right[right.index(after: colon)...]),
                  let scorer = ABScorer.parse(String(right[..<colon])) else {
                throw FieldError(field: "arms[\(index)]", message: "'\(item)' is not name=scorer:percent (scorer: rules, current, vN or vN/bundle)")
            }
            arms.append(ABArm(name: pieces[0], scorer: scorer, percent: percent))
        }
        return arms
    }

    /// The first problem with a test's arms, naming the field; `nil` when they are valid:
    /// 2…``maximumCount`` arms with distinct valid names and percents of 1…99 summing to 100.
    public static func validate(_ arms: [ABArm]) -> FieldError? {
        guard (2...maximumCount).contains(arms.count) else {
            return FieldError(field: "arms", message: "must have 2 to \(maximumCount) arms, the first being the control (got \(arms.count))")
        }
        var seen: Set<String> = []
        for (index, arm) in arms.enumerated() {
            guard isName(arm.name) else {
                return FieldError(field: "arms[\(index)].name", message: "must be 1-40 characters of letters, digits, '_', '-' and '.'")
            }
            guard seen.insert(arm.name).inserted else { return FieldError(field: "arms[\(index)].name", message: "'\(arm.name)' names two arms") }
            guard (1...99).contains(arm.percent) else { return FieldError(field: "arms[\(index)].percent", message: "must be between 1 and 99") }
        }
        let total = arms.reduce(0) { $0 + $1.percent }
        guard total == 100 else { return FieldError(field: "arms", message: "the percentages must sum to 100 (they sum to \(total))") }
        return nil
    }
}
