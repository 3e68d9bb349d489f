import Database
import Foundation
import Training

/// The throwaway PostgreSQL server that `scripts/with-postgres.sh` starts for the tests.
///
/// Tests that need it carry `.enabled(if: TestDatabase.isConfigured)`: outside CI, without the
/// server, they are skipped; in CI (`CI=true`) they always run, and fail when the server is
/// missing, so they can never skip silently there.
public enum TestDatabase {
    /// The server's URL (database `mlctl_test`), from `MLCTL_TEST_DATABASE_URL`.
    public static var serverURL: String? { ProcessInfo.processInfo.environment["MLCTL_TEST_DATABASE_URL"] }

    /// Whether database tests should run here.
    public static var isConfigured: Bool {
        serverURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String { "MLCTL_TEST_DATABASE_URL is not set: run the tests through scripts/test.sh" }
    }

    /// Runs `body` with the URL of a new, empty database that is dropped afterwards, so that
    /// tests running in parallel never see each other's tables.
    public static func withFreshDatabase<T>(_ body: (String) throws -> T) throws -> T {
        guard let serverURL else { throw NotConfigured() }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try PostgresConnection(url: serverURL)
        try admin.query("CREATE DATABASE \(name)")
        defer {
            _ = try? admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
        return try body(databaseURL(serverURL, name: name))
    }

    /// `url` with its database name replaced by `name`.
    public static func databaseURL(_ url: String, name: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + name
        return components.string ?? url
    }
}
