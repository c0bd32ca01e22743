import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

/// The instant the business tests run at: 02:00 UTC, when the subscription cleanup is scheduled.
let businessNow = Timestamp.utc(year: 2026, month: 3, day: 10, hour: 2)

/// A fresh SQLite database file under the temporary directory.
func businessDatabasePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("business-\(UUID().uuidString).sqlite").path
}

/// A SQLite store seeded with the business demo data at `now`.
func seededBusinessStore(now: Timestamp = businessNow) async throws -> SQLiteTableStore {
    let store = try SQLiteTableStore(path: businessDatabasePath())
    try await BusinessDemoData.seed(into: store, now: now)
    return store
}

/// Every row of every table, without ETags and timestamps. Rows compare by each value's type and
/// text, so a stored NaN equals itself.
struct StoreSnapshot: Equatable {
    var tables: [String: [TableEntityKey: [String: TableValue]]]

    static func == (lhs: StoreSnapshot, rhs: StoreSnapshot) -> Bool {
        lhs.changedRows(to: rhs).isEmpty
    }

    static func same(_ lhs: [String: TableValue]?, _ rhs: [String: TableValue]?) -> Bool {
        lhs?.mapValues(\.description) == rhs?.mapValues(\.description)
    }

    /// Whether two tables hold the same rows.
    static func same(
        _ lhs: [TableEntityKey: [String: TableValue]],
        _ rhs: [TableEntityKey: [String: TableValue]]
    ) -> Bool {
        Set(lhs.keys) == Set(rhs.keys) && lhs.keys.allSatisfy { same(lhs[$0], rhs[$0]) }
    }

    static func take(_ store: any TableStore) async throws -> StoreSnapshot {
        var tables: [String: [TableEntityKey: [String: TableValue]]] = [:]
        for table in try await store.listTables() {
            var rows: [TableEntityKey: [String: TableValue]] = [:]
            for entity in try await store.queryAll(table) { rows[entity.key] = entity.properties }
            tables[table] = rows
        }
        return StoreSnapshot(tables: tables)
    }

    /// The rows that differ, as `Table|PartitionKey|RowKey`.
    func changedRows(to other: StoreSnapshot) -> Set<String> {
        var changed: Set<String> = []
        for table in Set(tables.keys).union(other.tables.keys) {
            let before = tables[table] ?? [:]
            let after = other.tables[table] ?? [:]
            for key in Set(before.keys).union(after.keys) where !Self.same(before[key], after[key]) {
                changed.insert("\(table)|\(key.partitionKey)|\(key.rowKey)")
            }
        }
        return changed
    }

    /// The rows of one table.
    func rows(_ table: String) -> [TableEntityKey: [String: TableValue]] { tables[table] ?? [:] }

    /// One row's properties.
    func row(_ table: String, _ partitionKey: String, _ rowKey: String) -> [String: TableValue]? {
        tables[table]?[TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)]
    }
}

/// `Table|PartitionKey|RowKey` of a row.
func rowRef(_ table: String, _ partitionKey: String, _ rowKey: String) -> String {
    "\(table)|\(partitionKey)|\(rowKey)"
}

/// The `Users` keys of a demo user (keyed by email, or by id for sub-accounts).
func demoUserKey(_ name: String) -> TableEntityKey {
    let id = BusinessDemoData.userId(name)
    return name.contains("-sub")
        ? TableEntityKey(partitionKey: id, rowKey: id) : TableEntityKey(partitionKey: "\(name)@example.com", rowKey: id)
}

/// `Users|…|…` of a demo user.
func demoUserRef(_ name: String) -> String {
    let key = demoUserKey(name)
    return rowRef("Users", key.partitionKey, key.rowKey)
}

/// A logger that keeps its records for assertions.
func collectingLogger() -> (Logger, CollectingSink) {
    let sink = CollectingSink()
    return (Logger(label: "test", level: .debug, sink: sink), sink)
}
