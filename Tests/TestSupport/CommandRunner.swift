import Foundation

/// Runs the built `mlctl` binary as a user would, capturing its output and exit status.
public enum CommandRunner {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    public struct Outcome {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The `mlctl` executable of the current build (beside the test bundle).
    public static var binary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("mlctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return TestPaths.repositoryRoot.appendingPathComponent(".build/debug/mlctl")
    }

    /// Runs a `/bin/sh` script in which `$MLCTL` is the binary (for redirections, pipes and
    /// `ulimit`), and waits for it.
    public static func shell(_ script: String) throws -> Outcome {
        try run(["-c", script], environment: ["MLCTL": binary.path], executable: URL(fileURLWithPath: "/bin/sh"))
    }

    /// Runs `mlctl arguments…` and waits for it.
    public static func run(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = executable ?? binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so that neither fills up and blocks the child.
        let errData = UncheckedBox<Data>(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.value = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       standardOutput: String(decoding: outData, as: UTF8.self),
                       standardError: String(decoding: errData.value, as: UTF8.self))
    }
}

final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// `mlctl serve …` running in the background for a test: started, its port read from its
/// "listening on" line, stopped with SIGTERM.
public final class ServeProcess {
    public let port: Int
    /// What the server wrote to standard error up to its "listening on" line.
    public let startupOutput: String
    private let process: Process
    private let errors = Pipe()

    public init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = CommandRunner.binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        var text = ""
        var found: Int?
        let deadline = Date().addingTimeInterval(60)
        while found == nil, Date() < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.terminate()
            throw CommandRunner.Failure(description: "mlctl serve did not start: \(text)")
        }
        port = found
        startupOutput = text
    }

    /// The server's resident memory, in bytes (from `/proc/PID/statm`).
    public var residentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Sends SIGTERM and returns the exit status.
    public func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
