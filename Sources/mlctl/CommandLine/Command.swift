import Core
import Foundation
import Training

/// A runnable subcommand: its spec and what it does. `run` returns the exit status.
struct Command: Sendable {
    var spec: CommandSpec
    var run: @Sendable (ParsedOptions) throws -> Int32
}

/// Finds the command named by the leading words of the arguments, parses the rest and runs it,
/// turning errors into messages and exit statuses: 0 success, 1 failure, 2 usage error.
struct Dispatcher {
    var commands: [Command]

    func run(_ arguments: [String]) -> Int32 {
        if arguments == ["--version"] || arguments == ["version"] {
            Console.out("mlctl \(MLCTLVersion.current)")
            return 0
        }
        // `mlctl help train-all` is `mlctl train-all --help`.
        if arguments.first == "help" { return run(Array(arguments.dropFirst()) + ["--help"]) }
        let words = Array(arguments.prefix { !$0.hasPrefix("-") })
        guard let command = commands.filter({ words.starts(with: $0.spec.path) }).max(by: { $0.spec.path.count < $1.spec.path.count }) else {
            return overview(for: words, arguments: arguments)
        }
        let rest = Array(arguments.dropFirst(command.spec.path.count))
        do {
            let options = try ParsedOptions(rest, spec: command.spec)
            for note in options.deprecationNotes { Console.error("mlctl \(command.spec.name): \(note)") }
            if options.wantsHelp {
                Console.out(command.spec.helpText)
                return 0
            }
            let status = try command.run(options)
            // Output that could not be written (a full disk, a closed pipe) fails the command.
            if let failure = Console.outputFailure {
                Console.error("mlctl \(command.spec.name): error: \(failure)")
                return 1
            }
            return status
        } catch let error as UsageError {
            Console.error("mlctl \(command.spec.name): \(error.message)\n\(command.spec.usageLine)\nRun 'mlctl \(command.spec.name) --help' for details.")
            return 2
        } catch {
            Console.error("mlctl \(command.spec.name): error: \(error)")
            return 1
        }
    }

    /// `mlctl`, `mlctl --help`, `mlctl db`: the list of (sub)commands; an unknown word is a
    /// usage error.
    private func overview(for words: [String], arguments: [String]) -> Int32 {
        let group = commands.filter { $0.spec.path.starts(with: words) }
        let asksHelp = arguments.contains("--help") || arguments.contains("-h")
        if group.isEmpty {
            let names = Set(commands.map { $0.spec.path.prefix(words.count).joined(separator: " ") }).sorted()
            let typed = words.joined(separator: " ")
            Console.error("mlctl: unknown command '\(typed)'\(Suggestion.hint(for: typed, among: names))\n\(listing(commands))")
            return 2
        }
        let text = (words.isEmpty ? "mlctl: train, tune, evaluate and serve lead-scoring models.\n\n" : "") + listing(group)
        if asksHelp || words.isEmpty && arguments.isEmpty {
            Console.out(text)
            return 0
        }
        if !words.isEmpty && arguments.count == words.count {
            Console.error("mlctl \(words.joined(separator: " ")): a subcommand is needed\n\(text)")
            return 2
        }
        Console.error("mlctl: \(arguments.first { $0.hasPrefix("-") } .map { "unknown option '\($0)'" } ?? "a command is needed")\n\(text)")
        return 2
    }

    private func listing(_ group: [Command]) -> String {
        let width = group.map { $0.spec.name.count }.max() ?? 0
        let lines = group.map { "  mlctl \($0.spec.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.spec.summary)" }
        return "commands:\n" + lines.joined(separator: "\n") + "\n\nRun 'mlctl COMMAND --help' for a command's options."
    }
}
