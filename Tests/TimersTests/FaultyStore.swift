import Foundation
import LinkTomeCore
import Synchronization
import TableStorage

/// A store that delegates to another and fails chosen operations, to show that one failure stays local.
final class FaultyStore: TableStore {
    let base: any TableStore
    private let failingDeletes: Mutex<Set<String>>

    init(base: any TableStore, failDeletesOf rowKeys: Set<String>) {
        self.base = base
        failingDeletes = Mutex(rowKeys)
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
        try await base.get(from: table, partitionKey: partitionKey, rowKey: rowKey)
    }

    func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        try await base.queryPage(table, filter: filter, select: select, maxCount: maxCount, continuation: continuation)
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
