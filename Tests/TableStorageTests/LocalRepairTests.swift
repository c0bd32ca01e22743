import Foundation
import LinkTomeCore
import Testing

@testable import TableStorage

/// A throwaway SQLite store whose rows a test can write behind the store's back, as a hand edit or
/// an older program would.
struct RawSQLiteStore: ~Copyable {
    let directory: URL
    let store: SQLiteTableStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("linktome-raw-\(UUID().uuidString)")
        store = try SQLiteTableStore(path: directory.appendingPathComponent("store.sqlite").path)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stores a row with `rowKeySQL` (an SQL expression) and `props` (SQL text) as they are.
    func insertRaw(table: String, partitionKey: String, rowKeySQL: String, props: String) async throws {
        try await store.createTableIfNotExists(table)
        let sql =
            "INSERT INTO lt_entities (tbl, pk, rk, ts, props) VALUES ('\(table.lowercased())', '\(partitionKey)', "
            + "\(rowKeySQL), 639000000000000000, '\(props)')"
        try await store.run { connection in try connection.execute(sql) }
    }
}

@Suite("Local store repairs")
struct LocalRepairTests {
    @Test("an entity whose RowKey has a control character can be deleted from SQLite")
    func deleteControlCharacterKey() async throws {
        let raw = try RawSQLiteStore()
        try await raw.insertRaw(
            table: "Repairs",
            partitionKey: "p",
            rowKeySQL: "'bad' || char(1) || 'key'",
            props: "{}"
        )

        let before = try await raw.store.queryAll("Repairs").map(\.rowKey)
        let deleted = try await raw.store.deleteIfExists(from: "Repairs", partitionKey: "p", rowKey: "bad\u{1}key")
        let after = try await raw.store.queryAll("Repairs")

        #expect(before == ["bad\u{1}key"])
        #expect(deleted)
        #expect(after.isEmpty)
        #expect(try await raw.store.deleteIfExists(from: "Repairs", partitionKey: "p", rowKey: "bad\u{1}key") == false)
    }

    @Test("writes still refuse such keys, in both local stores")
    func writesStillRefuse() async throws {
        let raw = try RawSQLiteStore()
        let memory = InMemoryTableStore()
        for store in [raw.store, memory] as [any TableStore] {
            try await store.createTableIfNotExists("Repairs")
            await #expect(throws: TableStorageError.self) {
                try await store.insert(TableEntity(partitionKey: "p", rowKey: "bad\u{1}key"), into: "Repairs")
            }
            #expect(try await store.deleteIfExists(from: "Repairs", partitionKey: "p", rowKey: "tab\there") == false)
        }
    }
}
