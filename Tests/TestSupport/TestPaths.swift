import Foundation

/// Locations the tests need, found from this file's path so that tests run from any directory
/// and never need the network.
public enum TestPaths {
    /// The repository root.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    /// `Tests/Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative)
    }
    /// `datasets/<relative>`.
    public static func dataset(_ relative: String) -> URL {
        repositoryRoot.appendingPathComponent("datasets").appendingPathComponent(relative)
    }
    /// A new, empty temporary directory, removed by the caller (or left for the OS).
    public static func temporaryDirectory(_ label: String = "mlctl-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
