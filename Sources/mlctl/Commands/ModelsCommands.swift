import Core
import Foundation
import Pipeline
import Training

/// `mlctl models list|show|promote|rollback`: the registry that `train-all` writes.
enum ModelsCommands {
    static let registryOption = OptionSpec.value("models", "DIR", "registry directory", default: "models")
    static let formatOption = OptionSpec.textOrJSON

    static let all: [Command] = [
        Command(spec: CommandSpec(path: ["models", "list"], summary: "List model versions in a registry", options: [registryOption, formatOption]), run: list),
        Command(spec: CommandSpec(path: ["models", "show"], summary: "Show one model version (default: the current one)",
                                  options: [registryOption, .value("version", "V", "version, e.g. v3"), formatOption]), run: show),
        Command(spec: CommandSpec(path: ["models", "promote"], summary: "Make a version current",
                                  options: [registryOption, .value("version", "V", "version, e.g. v3", required: true)]), run: promote),
        Command(spec: CommandSpec(path: ["models", "rollback"], summary: "Return to the version that was current before", options: [registryOption]),
                run: rollback),
    ]

    private static func registry(_ options: ParsedOptions) throws -> ModelRegistry {
        let registry = ModelRegistry(root: URL(fileURLWithPath: options.string("models") ?? "models"))
        guard FileManager.default.fileExists(atPath: registry.root.appendingPathComponent("versions").path) else {
            throw RegistryError(message: "\(registry.root.path): not a model registry (no versions/; train-all --out creates one)")
        }
        return registry
    }

    private static func summary(_ registry: ModelRegistry, _ version: String) -> TrainAllSummary? {
        TrainAllSummary.read(from: registry.directory(of: version))
    }

    /// The global model's test AUC from a summary.
    private static func globalAUC(_ summary: TrainAllSummary?) -> String {
        guard let summary, let auc = summary.testAUC(of: summary.global), !auc.isNaN else { return "-" }
        return String(format: "%@ test AUC %.4f", summary.global, auc)
    }

    /// Prints `object` as pretty JSON with sorted keys.
    private static func printJSON(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        Console.out(String(decoding: data, as: UTF8.self))
    }

    /// A version's summary.json as JSON objects, or NSNull.
    private static func summaryObject(_ registry: ModelRegistry, _ version: String) -> Any {
        let url = registry.directory(of: version).appendingPathComponent(ModelRegistry.summaryFile)
        return (try? Data(contentsOf: url)).flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? NSNull()
    }

    private static func list(_ options: ParsedOptions) throws -> Int32 {
        let registry = try registry(options)
        let current = registry.current()
        if try options.wantsJSON() {
            try printJSON(["current": current.map { $0 as Any } ?? NSNull(), "versions": registry.versions().map { version -> [String: Any] in
                let summary = summary(registry, version)
                let auc = summary.flatMap { $0.testAUC(of: $0.global) }.flatMap { $0.isNaN ? nil : $0 }
                return ["version": version, "current": version == current, "created_at": summary?.createdAt ?? NSNull(),
                        "source": summary?.source ?? NSNull(), "global": summary?.global ?? NSNull(), "global_test_roc_auc": auc ?? NSNull()]
            }])
            return 0
        }
        var lines = ["  version   created                source / global model"]
        for version in registry.versions() {
            let summary = summary(registry, version)
            let created = summary?.createdAt ?? "-"
            let source = summary?.source ?? "-"
            lines.append("\(version == current ? "*" : " ") \(version.padding(toLength: 8, withPad: " ", startingAt: 0))  \(created.padding(toLength: 21, withPad: " ", startingAt: 0))  \(source); \(globalAUC(summary))")
        }
        if registry.versions().isEmpty { lines.append("  (no versions)") }
        Console.out(lines.joined(separator: "\n"))
        return 0
    }

    private static func show(_ options: ParsedOptions) throws -> Int32 {
        let registry = try registry(options)
        guard let version = options.string("version") ?? registry.current() else {
            throw RegistryError(message: "\(registry.root.path): no current version; name one with --version")
        }
        guard registry.versions().contains(version) else {
            throw RegistryError(message: "\(registry.root.path): no version '\(version)' (have: \(registry.versions().joined(separator: ", ")))")
        }
        let directory = registry.directory(of: version)
        let bundles = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        if try options.wantsJSON() {
            try printJSON(["version": version, "current": version == registry.current(), "directory": directory.path, "files": bundles,
                           "summary": summaryObject(registry, version)])
            return 0
        }
        var lines = ["\(version)\(version == registry.current() ? " (current)" : "") at \(directory.path)"]
        if let summary = summary(registry, version) {
            lines.append("created \(summary.createdAt) from \(summary.source), seed \(summary.seed)")
            for model in summary.models {
                let auc = summary.testAUC(of: model.name).flatMap { $0.isNaN ? nil : String(format: "%.4f", $0) } ?? "-"
                lines.append("  \(model.name.padding(toLength: 16, withPad: " ", startingAt: 0)) test AUC \(auc)  \(model.detail)")
            }
            lines.append("global model: \(summary.global)")
        }
        lines.append("files: \(bundles.joined(separator: ", "))")
        Console.out(lines.joined(separator: "\n"))
        return 0
    }

    private static func promote(_ options: ParsedOptions) throws -> Int32 {
        let registry = try registry(options)
        let version = try options.required("version")
        try registry.promote(version)
        Console.out("\(version) is now current in \(registry.root.path)")
        return 0
    }

    private static func rollback(_ options: ParsedOptions) throws -> Int32 {
        let registry = try registry(options)
        let version = try registry.rollback()
        Console.out("rolled back: \(version) is current again in \(registry.root.path)")
        return 0
    }
}
