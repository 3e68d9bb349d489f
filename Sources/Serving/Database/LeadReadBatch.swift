import Database
import Leads

/// The by-id route's lead reads, batched through a ``BatchQueue``: the leads that concurrent
/// requests ask for are read with one prepared statement, `SELECT … WHERE l.id = ANY($1)`,
/// instead of a round trip each — the per-statement cost (a backend wake-up, executor start,
/// the protocol) was most of PostgreSQL's share of a by-id request.
///
/// Rows go back undecoded: each request decodes its own with ``LeadRow/decode(_:)``, so a
/// lead whose stored values are invalid fails only its own request. A statement that fails
/// fails every request of its batch.
enum LeadReadBatch {
    /// Ids that one statement takes at most.
    static let maximumBatch = 512

    /// The statement: the lead columns of ``LeadRow/selectList`` for every lead in the id array.
    static let sql = "SELECT \(LeadRow.selectList) FROM \(LeadRow.fromClause) WHERE l.id = ANY($1::bigint[])"

    /// The row of each id in `ids` (its text values, `nil` = NULL), in order; `nil` for an id
    /// with no lead. An id that appears twice gets the same row twice.
    static func rows(of ids: [Int64], on connection: PostgresConnection) throws -> [[String?]?] {
        let result = try connection.queryPrepared(sql, [PostgresArray.literal(ids.map { String($0) }, quoted: false)])
        var rowOfID: [Int64: Int] = [:]
        rowOfID.reserveCapacity(result.rows.count)
        for (index, row) in result.rows.enumerated() {
            if let text = row.first ?? nil, let id = Int64(text) { rowOfID[id] = index }
        }
        return ids.map { id in rowOfID[id].map { result.rows[$0] } }
    }
}
