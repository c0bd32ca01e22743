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

    @Test("a page names the rows it cannot decode and still returns the others; queryAll still throws")
    func unreadableRows() async throws {
        let raw = try RawSQLiteStore()
        let rows = [
            ("a-good", #"{"Value":"ok"}"#), ("b-null", "null"), ("c-array", "[1]"), ("d-text", "not json"),
            ("e-type", #"{"When":"x","When@odata.type":"Edm.Bogus"}"#), ("f-good", #"{"Value":"fine"}"#),
        ]
        for (key, props) in rows {
            try await raw.insertRaw(table: "Damaged", partitionKey: "p", rowKeySQL: "'\(key)'", props: props)
        }

        let page = try await raw.store.queryPage(
            "Damaged",
            filter: .partitionKey("p"),
            select: nil,
            maxCount: 1_000,
            continuation: nil
        )

        #expect(page.entities.map(\.rowKey) == ["a-good", "f-good"])
        #expect(page.unreadable.map(\.key.rowKey) == ["b-null", "c-array", "d-text", "e-type"])
        #expect(page.unreadable.allSatisfy { $0.error.code == "CorruptRow" && $0.error.kind == .storage })
        #expect(page.unreadable[0].error.message.contains("RowKey 'b-null'"))
        #expect(page.unreadable[0].error.message.contains("not a JSON object"))
        #expect(page.unreadable[3].error.message.contains("Edm.Bogus"))
        await #expect(throws: TableStorageError.self) { try await raw.store.queryAll("Damaged") }
        await #expect(throws: TableStorageError.self) {
            try await raw.store.get(from: "Damaged", partitionKey: "p", rowKey: "b-null")
        }
        #expect(try await raw.store.get(from: "Damaged", partitionKey: "p", rowKey: "f-good")?["Value"] == "fine")
        #expect(try await raw.store.deleteIfExists(from: "Damaged", partitionKey: "p", rowKey: "b-null"))
        try await raw.store.replace(
            TableEntity(partitionKey: "p", rowKey: "c-array", properties: ["Value": "fixed"]),
            in: "Damaged",
            ifMatch: .any
        )
        #expect(try await raw.store.get(from: "Damaged", partitionKey: "p", rowKey: "c-array")?["Value"] == "fixed")
    }
}

@Suite("Table storage error text")
struct TableStorageErrorTextTests {
    @Test("errors read as one plain sentence: the kind in words, the code, then the message")
    func description() {
        let local = TableStorageError(
            .storage,
            code: "SQLiteError26",
            message: "SQLite error 26 on /x: file is not a database"
        )
        #expect(
            local.description
                == "table storage: local database error (SQLiteError26): SQLite error 26 on /x: file is not a database"
        )
        let remote = TableStorageError(
            .notFound,
            code: "TableNotFound",
            message: "The table specified does not exist.",
            status: 404
        )
        #expect(
            remote.description
                == "table storage: not found (TableNotFound, HTTP 404): The table specified does not exist."
        )
    }

    @Test("an SQLite directory that cannot be created is reported with the system's reason, not an NSError dump")
    func unusableDirectory() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("linktome-file-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        #expect {
            _ = try SQLiteTableStore(path: file.appendingPathComponent("sub/store.sqlite").path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot create the directory") && !text.contains("Error Domain")
                && !text.contains("UserInfo")
        }
    }
}
