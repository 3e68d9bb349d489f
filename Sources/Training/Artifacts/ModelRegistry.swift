import Core
import Foundation

/// Why a registry operation failed; the message names the registry path.
public struct RegistryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// The model registry that `train-all` writes and `serve` reads: a directory of versions, each
/// the complete output of one run, and a `current` pointer.
///
///     models/
///       versions/v1/        one run: a bundle per model (global, per vertical, baseline …),
///       versions/v2/        summary.json, report.html
///       current -> versions/v2     (symbolic link)
///       history.json        the versions made current, oldest first (for rollback)
///
/// Nothing is ever half-written: a version is assembled in a hidden staging directory and
/// renamed into `versions/` in one step; `current` is switched by creating a new link beside it
/// and renaming it over the old one (atomic on POSIX file systems), so a reader sees the old
/// version or the new one, never a mix.
public struct ModelRegistry: Sendable {
    public let root: URL
    public static let summaryFile = "summary.json"

    public init(root: URL) { self.root = root }

    var versionsDirectory: URL { root.appendingPathComponent("versions") }
    var currentLink: URL { root.appendingPathComponent("current") }
    var historyFile: URL { root.appendingPathComponent("history.json") }

    /// The versions, oldest first (`v1`, `v2`, …).
    public func versions() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: versionsDirectory.path)) ?? []
        return names.compactMap { name -> (String, Int)? in
            guard name.hasPrefix("v"), let number = Int(name.dropFirst()) else { return nil }
            return (name, number)
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// The directory of `version`.
    public func directory(of version: String) -> URL { versionsDirectory.appendingPathComponent(version) }

    /// The current version, if one was promoted.
    public func current() -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: currentLink.path) else { return nil }
        return URL(fileURLWithPath: target).lastPathComponent
    }

    /// The versions made current, oldest first.
    public func history() -> [String] {
        guard let data = try? Data(contentsOf: historyFile), let list = try? JSONCoding.decoder().decode([String].self, from: data) else { return [] }
        return list
    }

    /// Adds the next version: `fill` writes its files into a staging directory, which is then
    /// renamed to `versions/vN`. If `fill` throws, nothing is added.
    public func addVersion(_ fill: (URL) throws -> Void) throws -> String {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: versionsDirectory, withIntermediateDirectories: true)
        let staging = root.appendingPathComponent(".staging-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            try fill(staging)
            let next = (versions().last.flatMap { Int($0.dropFirst()) } ?? 0) + 1
            let version = "v\(next)"
            guard rename(staging.path, directory(of: version).path) == 0 else {
                throw RegistryError(message: "\(root.path): cannot add \(version): \(String(cString: strerror(errno)))")
            }
            return version
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }

    /// Makes `version` current (and records it in the history).
    public func promote(_ version: String) throws {
        try switchCurrent(to: version)
        try writeHistory(history() + [version])
    }

    /// Makes the version that was current before the present one current again.
    /// - Returns: the version now current.
    public func rollback() throws -> String {
        var list = history()
        guard list.count >= 2 else {
            throw RegistryError(message: "\(root.path): nothing to roll back to (history: \(list.isEmpty ? "empty" : list.joined(separator: ", ")))")
        }
        list.removeLast()
        try switchCurrent(to: list.last!)
        try writeHistory(list)
        return list.last!
    }

    private func switchCurrent(to version: String) throws {
        guard versions().contains(version) else {
            throw RegistryError(message: "\(root.path): no version '\(version)' (have: \(versions().joined(separator: ", ")))")
        }
        let temporaryLink = root.appendingPathComponent(".current-\(getpid())")
        try? FileManager.default.removeItem(at: temporaryLink)
        try FileManager.default.createSymbolicLink(atPath: temporaryLink.path, withDestinationPath: "versions/\(version)")
        guard rename(temporaryLink.path, currentLink.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporaryLink)
            throw RegistryError(message: "\(root.path): cannot switch current to \(version): \(reason)")
        }
    }

    private func writeHistory(_ list: [String]) throws {
        let temporary = root.appendingPathComponent(".history-\(getpid()).json")
        try JSONCoding.encoder(pretty: false).encode(list).write(to: temporary)
        guard rename(temporary.path, historyFile.path) == 0 else {
            throw RegistryError(message: "\(root.path): cannot write history.json: \(String(cString: strerror(errno)))")
        }
    }
}
