import Foundation
import LinkTomeCore
import Synchronization

/// A ``TableStore`` in process memory, for fast unit tests. It enforces the same validation, ETag,
/// batch and paging rules as the other stores.
public final class InMemoryTableStore: TableStore {
    private struct Table {
        var name: String
        var entities: [TableEntityKey: TableEntity] = [:]
        var sortedKeys: [TableEntityKey] = []
    }

    private struct State {
        var tables: [String: Table] = [:]
        var lastWrite: Timestamp?
    }

    private let state = Mutex(State())
    private let clock: any TimeSource
    private let scanLimit: Int

    /// - Parameters:
    ///   - clock: the source of entity timestamps and ETags.
    ///   - scanLimit: the most entities one query page examines; when a filter skips that many the
    ///     page ends early (possibly empty) with a continuation, as the service does after 5 seconds.
    public init(clock: any TimeSource = SystemTimeSource(), scanLimit: Int = 10_000) {
        self.clock = clock
        self.scanLimit = max(1, scanLimit)
    }

    public var location: String { "memory" }

    public func createTable(_ name: String) async throws {
        try TableValidation.checkTableName(name)
        try state.withLock { (state: inout State) throws(TableStorageError) in
            guard state.tables[name.lowercased()] == nil else { throw .tableExists(name) }
            state.tables[name.lowercased()] = Table(name: name)
        }
    }

    public func deleteTable(_ name: String) async throws {
        try TableValidation.checkTableName(name)
        try state.withLock { (state: inout State) throws(TableStorageError) in
            guard state.tables.removeValue(forKey: name.lowercased()) != nil else { throw .tableNotFound(name) }
        }
    }

    public func listTables() async throws -> [String] {
        state.withLock { $0.tables.values.map(\.name) }.sorted { TableKeyOrder.less($0, $1) }
    }

    @discardableResult

    public func insert(_ entity: TableEntity, into table: String) async throws -> String {
        try await write(.insert(entity), table)
    }

    @discardableResult

    public func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await write(.replace(entity, ifMatch: ifMatch), table)
    }

    @discardableResult

    public func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await write(.merge(entity, ifMatch: ifMatch), table)
    }

    @discardableResult

    public func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        try await write(.upsert(entity, mode: mode), table)
    }

    public func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        _ = try await write(.delete(partitionKey: partitionKey, rowKey: rowKey, ifMatch: ifMatch), table)
    }

    public func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        try TableValidation.checkTableName(table)
        let key = TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)
        return try state.withLock { (state: inout State) throws(TableStorageError) in
            guard let stored = state.tables[table.lowercased()] else { throw .tableNotFound(table) }
            return stored.entities[key]
        }
    }

    public func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        try TableValidation.checkTableName(table)
        if let filter { try TableValidation.checkFilter(filter) }
        let limit = min(max(maxCount, 1), TableValidation.maximumPageSize)
        return try state.withLock { (state: inout State) throws(TableStorageError) in
            guard let stored = state.tables[table.lowercased()] else { throw .tableNotFound(table) }
            return page(of: stored, filter: filter, select: select, limit: limit, from: continuation)
        }
    }

    private func page(
        of table: Table,
        filter: TableFilter?,
        select: [String]?,
        limit: Int,
        from continuation: TableContinuation?
    ) -> TableQueryPage {
        var position = 0
        if let continuation {
            let start = TableEntityKey(
                partitionKey: continuation.nextPartitionKey,
                rowKey: continuation.nextRowKey ?? ""
            )
            position = InMemoryTableStore.lowerBound(of: start, in: table.sortedKeys)
        }
        var found: [TableEntity] = []
        var scanned = 0
        while position < table.sortedKeys.count, found.count < limit, scanned < scanLimit {
            let key = table.sortedKeys[position]
            if let entity = table.entities[key], filter?.matches(entity) ?? true {
                found.append(entity.selecting(select))
            }
            position += 1
            scanned += 1
        }
        guard position < table.sortedKeys.count else { return TableQueryPage(entities: found, continuation: nil) }
        let next = table.sortedKeys[position]
        return TableQueryPage(
            entities: found,
            continuation: TableContinuation(nextPartitionKey: next.partitionKey, nextRowKey: next.rowKey)
        )
    }

    @discardableResult

    public func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        try TableValidation.checkTableName(table)
        try LocalWriteRules.checkBatch(operations)
        let now = Timestamp(clock.now())
        return try state.withLock { (state: inout State) throws(TableStorageError) in
            guard var stored = state.tables[table.lowercased()] else { throw .tableNotFound(table) }
            let instant = LocalWriteRules.nextTimestamp(now: now, after: state.lastWrite)
            let etag = LocalWriteRules.etag(for: instant)
            var results: [String?] = []
            // Work on a copy of the table: an error leaves the stored table untouched (rollback).
            for (index, operation) in operations.enumerated() {
                let key = operation.key
                let updated: TableEntity?
                do throws(TableStorageError) {
                    updated = try LocalWriteRules.apply(operation, to: stored.entities[key])
                } catch {
                    throw error.at(operation: index)
                }
                InMemoryTableStore.store(updated, key: key, etag: etag, at: instant, in: &stored)
                results.append(updated == nil ? nil : etag)
            }
            state.tables[table.lowercased()] = stored
            state.lastWrite = instant
            return results
        }
    }

    private func write(_ operation: TableBatchOperation, _ table: String) async throws -> String {
        try TableValidation.checkTableName(table)
        try LocalWriteRules.checkOperation(operation)
        let now = Timestamp(clock.now())
        return try state.withLock { (state: inout State) throws(TableStorageError) in
            guard state.tables[table.lowercased()] != nil else { throw .tableNotFound(table) }
            let key = operation.key
            let updated = try LocalWriteRules.apply(operation, to: state.tables[table.lowercased()]?.entities[key])
            let instant = LocalWriteRules.nextTimestamp(now: now, after: state.lastWrite)
            let etag = LocalWriteRules.etag(for: instant)
            InMemoryTableStore.store(updated, key: key, etag: etag, at: instant, in: &state.tables[table.lowercased()]!)
            state.lastWrite = instant
            return updated == nil ? "" : etag
        }
    }

    private static func store(
        _ entity: TableEntity?,
        key: TableEntityKey,
        etag: String,
        at instant: Timestamp,
        in table: inout Table
    ) {
        let position = lowerBound(of: key, in: table.sortedKeys)
        let present = position < table.sortedKeys.count && table.sortedKeys[position] == key
        guard var entity else {
            if present {
                table.sortedKeys.remove(at: position)
                table.entities[key] = nil
            }
            return
        }
        entity.etag = etag
        entity.timestamp = instant
        if !present { table.sortedKeys.insert(key, at: position) }
        table.entities[key] = entity
    }

    /// The first position whose key is not less than `key`.
    private static func lowerBound(of key: TableEntityKey, in keys: [TableEntityKey]) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
