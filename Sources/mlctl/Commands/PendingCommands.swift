/// Commands whose work other issues deliver. Their options are declared already, so `--help`
/// documents the interface and usage errors are caught; running them says which issue
/// tracks the work and exits with status 3.
enum PendingCommands {
    static let dataOptions: [OptionSpec] = [
        .value("data", "FILE", "training table (CSV with a header row)", required: true),
        .value("target", "COL", "label column (0/1)", required: true),
    ]

    static let abTesting: [Command] = [
        pending(["ab", "create"], "Create an A/B test", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
            .value("description", "TEXT", "what the test is for"), .value("split", "C/T", "control/treatment percentages", default: "50/50"),
            .value("alpha", "X", "significance level", default: "0.05"), .value("mde", "X", "minimum detectable effect (relative)"),
        ]),
        pending(["ab", "list"], "List A/B tests", issue: 11, what: "A/B testing", options: [.value("database-url", "URL", "PostgreSQL URL", required: true)]),
        pending(["ab", "assign"], "Assign a lead to a variant", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
            .value("lead", "ID", "lead id", required: true),
        ]),
        pending(["ab", "results"], "Results of an A/B test", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
            .flag("json", "print JSON"),
        ]),
        pending(["ab", "stop"], "Stop an A/B test", issue: 11, what: "A/B testing", options: [
            .value("database-url", "URL", "PostgreSQL URL", required: true), .value("name", "NAME", "test name", required: true),
        ]),
    ]

    private static func pending(_ path: [String], _ summary: String, issue: Int, what: String, options: [OptionSpec]) -> Command {
        Command(spec: CommandSpec(path: path, summary: summary + " (not implemented yet)", options: options),
                run: { _ in notImplemented(path.joined(separator: " "), issue: issue, what) })
    }
}
