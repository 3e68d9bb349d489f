/// A declarative description of one (sub)command: its name, what it does, its options and
/// the usage line shown with `--help` and with every usage error.
struct CommandSpec: Sendable {
    /// Words that select the command, e.g. `["db", "seed"]`.
    var path: [String]
    /// One line saying what the command does.
    var summary: String
    /// Options the command accepts.
    var options: [OptionSpec]
    /// Extra text for `--help` (examples, notes).
    var discussion: String = ""
    /// Spellings replaced by one of `options`, still accepted for one release.
    var deprecated: [DeprecatedSpelling] = []

    var name: String { path.joined(separator: " ") }

    /// `usage: mlctl db seed --database-url URL [--leads N] …`
    var usageLine: String {
        let parts = options.map { option -> String in
            let body = option.valueName.map { "--\(option.name) \($0)" } ?? "--\(option.name)"
            return option.isRequired ? body : "[\(body)]"
        }
        return (["usage: mlctl", name] + parts).joined(separator: " ")
    }

    /// The full `--help` text.
    var helpText: String {
        var lines = [summary, "", usageLine, "", "options:"]
        let width = options.map { optionLabel($0).count }.max() ?? 0
        for option in options {
            let label = optionLabel(option)
            var help = option.help
            if let defaultValue = option.defaultValue { help += " (default: \(defaultValue))" }
            lines.append("  \(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(help)")
        }
        lines.append("  \("-h, --help".padding(toLength: width, withPad: " ", startingAt: 0))  show this help")
        for old in deprecated { lines.append("  --\(old.old): deprecated, use \(old.replacement) (removed in the next release)") }
        if !discussion.isEmpty { lines += ["", discussion] }
        return lines.joined(separator: "\n")
    }

    private func optionLabel(_ option: OptionSpec) -> String {
        option.valueName.map { "--\(option.name) \($0)" } ?? "--\(option.name)"
    }
}

/// A spelling kept for one release after the option was renamed (`--json`, now `--format
/// json`): it does what its replacement does, and a note on standard error says so.
struct DeprecatedSpelling: Sendable {
    /// The old name, without dashes.
    var old: String
    /// The option that replaced it.
    var name: String
    /// The value the old flag stands for (`json` for `--json`); nil when the old option took
    /// a value of its own, which goes to the new one.
    var value: String?

    /// `--format json`, `--kind`.
    var replacement: String { value.map { "--\(name) \($0)" } ?? "--\(name)" }

    /// `--json`, replaced by `--format json`.
    static let jsonFlag = DeprecatedSpelling(old: "json", name: "format", value: "json")
}

/// One `--name [VALUE]` option.
struct OptionSpec: Sendable {
    var name: String
    /// The placeholder of the value (`FILE`, `URL`…); `nil` for a flag. `N` means a whole
    /// number and `X` a finite number: both are checked when the arguments are parsed.
    var valueName: String?
    var help: String
    var isRequired = false
    /// Shown in `--help`; the command applies defaults itself.
    var defaultValue: String?

    /// `--format text|json`, which every command whose result scripts may read takes.
    static let textOrJSON = OptionSpec.value("format", "F", "text or json", default: "text")

    /// `--id-column` and `--ignore-columns`, which every command reading a table for a model takes.
    static let columnExclusions: [OptionSpec] = [
        .value("id-column", "NAME", "a row id: never a feature (predict writes it first in its output)"),
        .value("ignore-columns", "A,B", "columns that are never features (ids, leaked outcomes)"),
    ]

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }
    static func value(_ name: String, _ valueName: String, _ help: String, required: Bool = false, default defaultValue: String? = nil) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, isRequired: required, defaultValue: defaultValue)
    }
}

/// A usage mistake: reported with the command's usage line, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
