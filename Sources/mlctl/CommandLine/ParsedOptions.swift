import Foundation
import Training

/// The options given on a command line, checked against a ``CommandSpec``, with typed access
/// that turns bad values into ``UsageError``s naming the option.
struct ParsedOptions {
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    /// Whether `-h` or `--help` was given.
    private(set) var wantsHelp = false
    /// One note per deprecated spelling given (``CommandSpec/deprecated``), for standard error.
    private(set) var deprecationNotes: [String] = []

    /// Parses `arguments` (after the command words) for `spec`.
    /// Accepts `--name value`, `--name=value` and flags; rejects unknown options, missing
    /// values, repeated options, positional arguments and missing required options.
    init(_ arguments: [String], spec: CommandSpec) throws(UsageError) {
        var byName: [String: OptionSpec] = [:]
        for option in spec.options { byName[option.name] = option }
        let arguments = try Self.replacingDeprecated(arguments, spec: spec, known: byName, notes: &deprecationNotes)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-h" || argument == "--help" { wantsHelp = true; continue }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError(message: "unexpected argument '\(argument)'")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            // LightGBM's and XGBoost's underscore spellings (--learning_rate) name the same options.
            if byName[name] == nil, name.contains("_"), byName[name.replacingOccurrences(of: "_", with: "-")] != nil {
                name = name.replacingOccurrences(of: "_", with: "-")
            }
            guard let option = byName[name] else {
                throw UsageError(message: "unknown option '--\(name)'" + Suggestion.hint(for: name, among: spec.options.map(\.name), prefix: "--"))
            }
            if option.valueName == nil {
                if inlineValue != nil { throw UsageError(message: "option '--\(name)' takes no value") }
                flags.insert(name)
                continue
            }
            if values[name] != nil { throw UsageError(message: "option '--\(name)' is given twice") }
            defer { if let value = values[name] { checkKind(value, of: option) } }
            if let inlineValue {
                values[name] = inlineValue
            } else {
                guard index < arguments.count, !(arguments[index].hasPrefix("--") && arguments[index].count > 2) else {
                    throw UsageError(message: "option '--\(name)' needs a value (\(option.valueName!))")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
        if let problem = kindProblem { throw problem }
        if !wantsHelp {
            for option in spec.options where option.isRequired && values[option.name] == nil {
                throw UsageError(message: "missing required option '--\(option.name) \(option.valueName ?? "")'")
            }
        }
    }

    private var kindProblem: UsageError?

    /// `arguments` with each deprecated spelling replaced by its replacement (`--json` by
    /// `--format json`, `--format=raw` by `--kind=raw`), and a note for each.
    private static func replacingDeprecated(_ arguments: [String], spec: CommandSpec, known: [String: OptionSpec],
                                            notes: inout [String]) throws(UsageError) -> [String] {
        guard !spec.deprecated.isEmpty else { return arguments }
        var replaced: [String] = []
        for argument in arguments {
            let name = argument.hasPrefix("--") ? String(argument.dropFirst(2).prefix { $0 != "=" }) : ""
            guard !name.isEmpty, known[name] == nil, let old = spec.deprecated.first(where: { $0.old == name }) else {
                replaced.append(argument)
                continue
            }
            let inlineValue = argument.dropFirst(2 + name.count)  // "" or "=value"
            if let value = old.value {
                guard inlineValue.isEmpty else { throw UsageError(message: "option '--\(name)' takes no value") }
                replaced += ["--\(old.name)", value]
            } else {
                replaced.append("--\(old.name)" + inlineValue)
            }
            notes.append("--\(name) is deprecated and will be removed in the next release; use \(old.replacement)")
        }
        return replaced
    }

    /// Options whose placeholder is `N` take whole numbers, `X` finite numbers: checked at
    /// parse time so that every command, implemented or not, rejects bad numbers alike.
    private mutating func checkKind(_ value: String, of option: OptionSpec) {
        guard kindProblem == nil else { return }
        if option.valueName == "N" && Int(value.replacingOccurrences(of: "_", with: "")) == nil {
            kindProblem = UsageError(message: "option '--\(option.name)' needs a whole number, got '\(value)'")
        } else if option.valueName == "X" && !(Double(value)?.isFinite ?? false) {
            kindProblem = UsageError(message: "option '--\(option.name)' needs a number, got '\(value)'")
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An integer option within `range`, or `defaultValue` when absent.
    func int(_ name: String, default defaultValue: Int? = nil, in range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw UsageError(message: "option '--\(name)' needs a whole number, got '\(text)'")
        }
        guard range.contains(value) else {
            throw UsageError(message: "option '--\(name)' must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A finite number option within `range`, or `defaultValue` when absent.
    func double(_ name: String, default defaultValue: Double? = nil, in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws(UsageError) -> Double? {
        guard let text = values[name] else { return defaultValue }
        guard let value = Double(text), value.isFinite else {
            throw UsageError(message: "option '--\(name)' needs a number, got '\(text)'")
        }
        guard range.contains(value) else {
            throw UsageError(message: "option '--\(name)' must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A value from a fixed set of choices.
    func choice(_ name: String, _ choices: [String], default defaultValue: String? = nil) throws(UsageError) -> String? {
        guard let text = values[name] else { return defaultValue }
        guard choices.contains(text) else {
            throw UsageError(message: "option '--\(name)' must be one of \(choices.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    /// Whether `--format` (``OptionSpec/textOrJSON``) asks for JSON.
    func wantsJSON() throws(UsageError) -> Bool {
        try choice("format", ["text", "json"], default: "text") == "json"
    }

    /// A comma-separated list (`--ignore-columns a,b`), trimmed, empty items dropped.
    func list(_ name: String) -> [String] {
        (values[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The columns a command must never use as features: `--id-column` and `--ignore-columns`.
    var excludedColumns: Set<String> {
        Set(list("ignore-columns") + [values["id-column"]].compactMap { $0 })
    }

    /// The file a `--data`-like option names: `-` is standard input.
    func inputURL(_ name: String) throws(UsageError) -> URL {
        let path = try required(name)
        return URL(fileURLWithPath: path == "-" ? "/dev/stdin" : path)
    }

    /// The file an `--out`-like option names (`defaultPath` when absent, required without
    /// one): `-` is standard output.
    func outputURL(_ name: String, default defaultPath: String? = nil) throws(UsageError) -> URL {
        let path: String
        if let given = values[name] ?? defaultPath { path = given } else { path = try required(name) }
        return path == "-" ? CSVWriter.standardOutputURL : URL(fileURLWithPath: path)
    }

    /// A required value (for options that are required only in some combinations).
    func required(_ name: String) throws(UsageError) -> String {
        guard let value = values[name] else { throw UsageError(message: "missing required option '--\(name)'") }
        return value
    }
}
