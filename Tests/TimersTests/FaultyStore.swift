import Foundation
import LinkTomeCore
import Synchronization
import TableStorage

/// A store that delegates to another, failing chosen deletes (to show that one failure stays local)
/// and answering reads slowly (as a remote store does, which widens every read-then-write window).
final class FaultyStore: TableStore {
    let base: any TableStore
    private let failingDeletes: Mutex<Set<String>>
    private let readDelay: UInt64

    init(base: any TableStore, failDeletesOf rowKeys: Set<String> = [], readDelayMilliseconds: UInt64 = 0) {
        self.base = base
        failingDeletes = Mutex(rowKeys)
        readDelay = readDelayMilliseconds * 1_000_000
    }

    private func slowRead() async throws {
        if readDelay > 0 { try await Task.sleep(nanoseconds: readDelay) }
    }

    var location: String { "faulty(\(base.location))" }

    func createTable(_ name: String) async throws { try await base.createTable(name) }
    func deleteTable(_ name: String) async throws { try await base.deleteTable(name) }
    func listTables() async throws -> [String] { try await base.listTables() }

    func insert(_ entity: TableEntity, into table: String) async throws -> String {
        try await base.insert(entity, into: table)
    }

    func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await base.replace(entity, in: table, ifMatch: ifMatch)
    }

    func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await base.merge(entity, in: table, ifMatch: ifMatch)
    }

    func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        try await base.upsert(entity, in: table, mode: mode)
    }

    func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        if failingDeletes.withLock({ $0.contains(rowKey) }) {
            throw TableStorageError(.unavailable, code: "InjectedFault", message: "delete of \(rowKey) refused")
        }
        try await base.delete(from: table, partitionKey: partitionKey, rowKey: rowKey, ifMatch: ifMatch)
    }

    func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        let entity = try await base.get(from: table, partitionKey: partitionKey, rowKey: rowKey)
        try await slowRead()
        return entity
    }

    func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        let page = try await base.queryPage(
            table,
            filter: filter,
            select: select,
            maxCount: maxCount,
            continuation: continuation
        )
        try await slowRead()
        return page
    }

    func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        try await base.submitBatch(operations, in: table)
    }
}

/// A store that is unreachable: every operation fails as a refused connection would.
final class BrokenQueries: TableStore {
    static var unreachable: TableStorageError {
        TableStorageError(.unavailable, code: "Unreachable", message: "connection refused")
    }

    var location: String { "unreachable" }

    func createTable(_ name: String) async throws { throw Self.unreachable }
    func deleteTable(_ name: String) async throws { throw Self.unreachable }
    func listTables() async throws -> [String] { throw Self.unreachable }
    func insert(_ entity: TableEntity, into table: String) async throws -> String { throw Self.unreachable }

    func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        throw Self.unreachable
    }

    func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        throw Self.unreachable
    }

    func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        throw Self.unreachable
    }

    func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        throw Self.unreachable
    }

    func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        throw Self.unreachable
    }

    func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        throw Self.unreachable
    }

    func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        throw Self.unreachable
    }
}
