import Foundation
import LinkTomeCore

/// A ``TableStore`` in one SQLite file (WAL mode), safe for several processes at once.
public final class SQLiteTableStore: TableStore {
    /// The database file.
    public let path: String
    private let memory: InMemoryTableStore

    /// Opens (creating if needed) the database at `path`, creating its directory.
    public init(path: String, clock: any TimeSource = SystemTimeSource(), scanLimit: Int = 10_000) throws {
        self.path = path
        // TODO: the SQLite engine lands in the next commit; this placeholder keeps data in memory.
        memory = InMemoryTableStore(clock: clock, scanLimit: scanLimit)
    }

    public var location: String { path }

    public func createTable(_ name: String) async throws { try await memory.createTable(name) }
    public func deleteTable(_ name: String) async throws { try await memory.deleteTable(name) }
    public func listTables() async throws -> [String] { try await memory.listTables() }
    public func insert(_ entity: TableEntity, into table: String) async throws -> String {
        try await memory.insert(entity, into: table)
    }
    public func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await memory.replace(entity, in: table, ifMatch: ifMatch)
    }
    public func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await memory.merge(entity, in: table, ifMatch: ifMatch)
    }
    public func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        try await memory.upsert(entity, in: table, mode: mode)
    }
    public func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        try await memory.delete(from: table, partitionKey: partitionKey, rowKey: rowKey, ifMatch: ifMatch)
    }
    public func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        try await memory.get(from: table, partitionKey: partitionKey, rowKey: rowKey)
    }
    public func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        try await memory.queryPage(
            table,
            filter: filter,
            select: select,
            maxCount: maxCount,
            continuation: continuation
        )
    }
    public func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        try await memory.submitBatch(operations, in: table)
    }
}
