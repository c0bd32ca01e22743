import Foundation
import LinkTomeCore

@testable import TableStorage

/// A throwaway SQLite store whose status rows a test can write behind the store's back, as a hand
/// edit, a damaged file or an older program would leave them.
final class RawSQLite: Sendable {
    let directory: URL
    let store: SQLiteTableStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("timers-raw-\(UUID().uuidString)")
        store = try SQLiteTableStore(path: directory.appendingPathComponent("store.sqlite").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stores a row of `LinkTomeTimers` with `rowKeySQL` (an SQL expression) and `props` (SQL text) as they are.
    func insertRaw(rowKeySQL: String, props: String) async throws {
        try await store.createTableIfNotExists("LinkTomeTimers")
        let sql =
            "INSERT INTO lt_entities (tbl, pk, rk, ts, props) VALUES ('linktometimers', 'Timer', \(rowKeySQL), "
            + "639000000000000000, '\(props)')"
        try await store.run { connection in try connection.execute(sql) }
    }
}
