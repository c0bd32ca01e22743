import Foundation
import LinkTomeCore
import Synchronization
import TableStorage

@testable import Jobs

/// A fixed instant for the retention tests: 2026-03-15T12:00:00Z.
let retentionNow = Timestamp.utc(year: 2026, month: 3, day: 15, hour: 12)

/// `retentionNow` moved by `seconds`.
func retentionAt(_ seconds: Int64) -> Timestamp {
    Timestamp(seconds: retentionNow.seconds + seconds)
}

/// A fresh SQLite store in a temporary directory, its entity timestamps from `clock`.
func makeRetentionStore(clock: any TimeSource = ManualTimeSource(retentionNow.date)) throws -> SQLiteTableStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString)")
    return try SQLiteTableStore(path: directory.appendingPathComponent("store.sqlite").path, clock: clock)
}

/// A logger whose records a test can read.
func retentionCollectingLogger() -> (Logger, CollectingSink) {
    let sink = CollectingSink()
    return (Logger(label: "test", level: .debug, sink: sink), sink)
}

/// Creates `table` (if needed) and inserts `rows`.
func seed(_ store: any TableStore, _ table: String, _ rows: [TableEntity]) async throws {
    try await store.createTableIfNotExists(table)
    for row in rows { try await store.insert(row, into: table) }
}

/// Every row key of `table`, sorted.
func rowKeys(_ store: any TableStore, _ table: String) async throws -> [String] {
    try await store.queryAll(table).map(\.rowKey).sorted()
}

/// A table store that forwards to another and counts the requests each kind of operation made, and
/// can make chosen deletes fail, to show batching and per-row failure isolation.
final class CountingTableStore: TableStore {
    struct Counts: Sendable, Equatable {
        var queries = 0
        var batches = 0
        var batchSizes: [Int] = []
        var deletes = 0
        var gets = 0
        var writes = 0
    }

    let inner: any TableStore
    private let state = Mutex(Counts())
    /// Returns an error to throw instead of deleting the row with these keys (in a batch or alone).
    private let deleteFault: @Sendable (TableEntityKey) -> TableStorageError?

    init(
        _ inner: any TableStore,
        deleteFault: @escaping @Sendable (TableEntityKey) -> TableStorageError? = { _ in nil }
    ) {
        self.inner = inner
        self.deleteFault = deleteFault
    }

    var counts: Counts { state.withLock { $0 } }
    func reset() { state.withLock { $0 = Counts() } }

    var location: String { inner.location }

    func createTable(_ name: String) async throws { try await inner.createTable(name) }
    func deleteTable(_ name: String) async throws { try await inner.deleteTable(name) }
    func listTables() async throws -> [String] { try await inner.listTables() }

    func insert(_ entity: TableEntity, into table: String) async throws -> String {
        state.withLock { $0.writes += 1 }
        return try await inner.insert(entity, into: table)
    }

    func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        state.withLock { $0.writes += 1 }
        return try await inner.replace(entity, in: table, ifMatch: ifMatch)
    }

    func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        state.withLock { $0.writes += 1 }
        return try await inner.merge(entity, in: table, ifMatch: ifMatch)
    }

    func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        state.withLock { $0.writes += 1 }
        return try await inner.upsert(entity, in: table, mode: mode)
    }

    func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        state.withLock { $0.deletes += 1 }
        if let fault = deleteFault(TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)) { throw fault }
        try await inner.delete(from: table, partitionKey: partitionKey, rowKey: rowKey, ifMatch: ifMatch)
    }

    func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        state.withLock { $0.gets += 1 }
        return try await inner.get(from: table, partitionKey: partitionKey, rowKey: rowKey)
    }

    func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        state.withLock { $0.queries += 1 }
        return try await inner.queryPage(
            table,
            filter: filter,
            select: select,
            maxCount: maxCount,
            continuation: continuation
        )
    }

    func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        state.withLock {
            $0.batches += 1
            $0.batchSizes.append(operations.count)
        }
        for (index, operation) in operations.enumerated() {
            guard case .delete = operation, let fault = deleteFault(operation.key) else { continue }
            var error = fault
            if error.failedOperationIndex == nil, !BatchDeleter.isStoreWide(error) {
                error.failedOperationIndex = index
            }
            throw error
        }
        return try await inner.submitBatch(operations, in: table)
    }
}
