import Foundation
import LinkTomeCore
import TableStorage

/// The backends every behaviour test runs against.
enum StoreKind: String, Sendable, CaseIterable, CustomStringConvertible {
    case memory
    case sqlite
    case azure

    var description: String { rawValue }

    /// The backends available in this run: Azure only when the stand-in can be reached or started.
    static var available: [StoreKind] {
        AzureStandIn.isAvailable ? [.memory, .sqlite, .azure] : [.memory, .sqlite]
    }

    /// The local backends.
    static var local: [StoreKind] { [.memory, .sqlite] }
}

/// A fresh store with one fresh table in it.
struct StoreUnderTest: Sendable {
    let kind: StoreKind
    let store: any TableStore
    let table: String
    /// Counts requests sent (Azure only).
    let requests: RequestCounter?
    /// The stand-in's control API (Azure only).
    let standIn: AzureStandIn?

    /// A store of `kind` and a newly created table; `scanLimit` is the most rows one page examines.
    static func make(_ kind: StoreKind, scanLimit: Int = 10_000) async throws -> StoreUnderTest {
        let table = uniqueTableName()
        switch kind {
        case .memory:
            let store = InMemoryTableStore(scanLimit: scanLimit)
            try await store.createTable(table)
            return StoreUnderTest(kind: kind, store: store, table: table, requests: nil, standIn: nil)
        case .sqlite:
            let store = try SQLiteTableStore(path: temporaryDatabasePath(), scanLimit: scanLimit)
            try await store.createTable(table)
            return StoreUnderTest(kind: kind, store: store, table: table, requests: nil, standIn: nil)
        case .azure:
            let standIn = try await AzureStandIn.shared()
            let counter = RequestCounter()
            let store = try standIn.makeStore(counter: counter)
            try await store.createTable(table)
            if scanLimit != 10_000 { try await standIn.configure(table: table, scanLimit: scanLimit) }
            return StoreUnderTest(kind: kind, store: store, table: table, requests: counter, standIn: standIn)
        }
    }
}

/// A table name no other test uses.
func uniqueTableName() -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return "t" + String((0..<14).map { _ in letters.randomElement()! })
}

/// A path for a new SQLite file under the temporary directory.
func temporaryDatabasePath() -> String {
    let directory = FileManager.default.temporaryDirectory.path + "/linktome-tests-" + uniqueTableName()
    return directory + "/store.sqlite"
}
