import Database
import Experiments
import Leads

/// The tables the scoring service reads and writes: the leads (`LeadSchema`) and the A/B
/// tests (`ExperimentSchema`). `mlctl db migrate` applies these.
public enum ServiceSchema {
    /// Every migration, in version order.
    public static let migrations = LeadSchema.migrations + ExperimentSchema.migrations

    /// The newest schema version.
    public static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Applies the migrations `connection`'s database lacks; returns the versions applied.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try SchemaMigrations.apply(migrations, to: connection)
    }
}
