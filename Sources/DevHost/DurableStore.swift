import Durable
import Foundation
import LinkTomeCore
import TableStorage

/// The task hub's state in a table store: instances, history, pending messages and activity work
/// items, in tables named after the hub (`<hub>Instances`, `<hub>History`, `<hub>Messages`,
/// `<hub>WorkItems`). Several development hosts may share one store: every change of an instance
/// or a work item is a conditional write, and an episode or an activity is run only by the host
/// whose lease write succeeded.
public struct DurableStore: Sendable {
    public let store: any TableStore
    public let hubName: String

    public init(store: any TableStore, hubName: String) {
        self.store = store
        self.hubName = hubName
    }

    public var instancesTable: String { hubName + "Instances" }
    public var historyTable: String { hubName + "History" }
    public var messagesTable: String { hubName + "Messages" }
    public var workItemsTable: String { hubName + "WorkItems" }

    /// Creates the tables that do not exist yet.
    public func prepare() async throws(DevHostError) {
        for table in [instancesTable, historyTable, messagesTable, workItemsTable] {
            try await storage("create table \(table)") { _ = try await store.createTableIfNotExists(table) }
        }
    }

    /// Runs a store call, turning its error into ``DevHostError/storage(_:)``.
    func storage<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws(DevHostError) -> T {
        do {
            return try await body()
        } catch let error as DevHostError {
            throw error
        } catch {
            throw .storage("\(what): \(error)")
        }
    }

    /// Deletes `keys` from `table`; rows already gone (another host deleted them) are fine.
    func deleteIfPresent(_ keys: [TableEntityKey], from table: String) async throws {
        guard !keys.isEmpty else { return }
        do {
            _ = try await store.deleteEntities(keys, from: table)
        } catch let error as TableStorageError where error.kind == .notFound && error.code != "TableNotFound" {
            for key in keys {
                _ = try await store.deleteIfExists(from: table, partitionKey: key.partitionKey, rowKey: key.rowKey)
            }
        }
    }

    // MARK: - Instances

    /// The instance `id`, or `nil`.
    public func instance(_ id: String) async throws(DevHostError) -> InstanceRecord? {
        try await storage("read instance \(id)") {
            try await store.get(from: instancesTable, partitionKey: id, rowKey: "").map(InstanceRecord.init(entity:))
        }
    }

    /// Inserts a new instance; `nil` when one with that id exists.
    func insert(_ record: InstanceRecord) async throws(DevHostError) -> InstanceRecord? {
        try await storage("create instance \(record.instanceId)") {
            guard case .applied(let etag) = try await store.insertIfAbsent(record.entity, into: instancesTable) else {
                return nil
            }
            var stored = record
            stored.etag = etag
            return stored
        }
    }

    /// Replaces the instance if it is unchanged since `record.etag` was read; `nil` when another
    /// writer changed it first.
    func update(_ record: InstanceRecord) async throws(DevHostError) -> InstanceRecord? {
        try await storage("update instance \(record.instanceId)") {
            let outcome = try await store.updateIfUnchanged(record.entity, in: instancesTable)
            guard let etag = outcome.etag else { return nil }
            var stored = record
            stored.etag = etag
            return stored
        }
    }

    /// One page of instances in instance-id order, starting after `after`.
    func instances(
        filter: TableFilter?,
        after: String?,
        limit: Int
    ) async throws(DevHostError) -> ([InstanceRecord], Bool) {
        try await storage("list instances") {
            var conditions: [TableFilter] = []
            if let filter { conditions.append(filter) }
            if let after { conditions.append(.greaterThan("PartitionKey", .string(after))) }
            let page = try await store.queryAll(instancesTable, filter: TableFilter.all(conditions), top: limit + 1)
            return (Array(page.prefix(limit)).map(InstanceRecord.init(entity:)), page.count > limit)
        }
    }

    /// Deletes an instance and everything stored for it; whether it existed.
    func purge(_ id: String) async throws(DevHostError) -> Bool {
        try await storage("purge instance \(id)") {
            for table in [historyTable, messagesTable, workItemsTable] {
                let keys = try await store.queryAll(table, filter: .partitionKey(id), select: []).map(\.key)
                try await deleteIfPresent(keys, from: table)
            }
            return try await store.deleteIfExists(from: instancesTable, partitionKey: id, rowKey: "")
        }
    }

    // MARK: - History

    static let maxRowBytes = 800 * 1_024

    static func historyKey(_ executionId: String, _ row: Int) -> String {
        executionId + "-" + String(format: "%08d", row)
    }

    /// The committed history of `record`'s execution and the keys of the messages it consumed.
    func history(
        of record: InstanceRecord
    ) async throws(DevHostError) -> (events: [HistoryEvent], consumed: Set<String>) {
        var events: [HistoryEvent] = []
        var consumed: Set<String> = []
        guard record.historyRows > 0 else { return (events, consumed) }
        let rows = try await storage("read history of \(record.instanceId)") {
            try await store.queryAll(
                historyTable,
                filter: .partitionKey(record.instanceId)
                    && .greaterThanOrEqual("RowKey", .string(Self.historyKey(record.executionId, 0)))
                    && .lessThan("RowKey", .string(Self.historyKey(record.executionId, record.historyRows)))
            )
        }
        guard rows.count == record.historyRows else {
            throw .durableState(
                "instance \(record.instanceId): \(rows.count) of \(record.historyRows) history rows found"
            )
        }
        for row in rows {
            guard let bytes = StoredColumns.bytes("Events", in: row) else {
                throw .durableState("history row \(row.rowKey) of \(record.instanceId) has no events")
            }
            do {
                events += try OrchestratorRequest(protobuf: bytes).pastEvents
            } catch {
                throw .durableState("history row \(row.rowKey) of \(record.instanceId): \(error)")
            }
            for key in (StoredColumns.text("Consumed", in: row) ?? "").split(separator: "\n") {
                consumed.insert(String(key))
            }
        }
        return (events, consumed)
    }

    /// Writes `events` as history rows from row `start` on (replacing leftovers of an episode that
    /// was never committed) and returns how many rows were written.
    func appendHistory(
        _ events: [HistoryEvent],
        consumed: [String],
        to record: InstanceRecord,
        start: Int
    ) async throws(DevHostError) -> Int {
        var rows: [[HistoryEvent]] = [[]]
        var size = 0
        for event in events {
            let bytes = event.protobufBytes.count + 8
            if size + bytes > Self.maxRowBytes, !(rows.last ?? []).isEmpty {
                rows.append([])
                size = 0
            }
            rows[rows.count - 1].append(event)
            size += bytes
        }
        var operations: [TableBatchOperation] = []
        for (offset, rowEvents) in rows.enumerated() {
            var properties: [String: TableValue] = [
                "ExecutionId": .string(record.executionId),
                "EventCount": .int32(Int32(rowEvents.count)),
                "EventTypes": .string(rowEvents.map(\.kind.typeName).joined(separator: ",").prefix(30_000).description),
            ]
            let bytes = OrchestratorRequest(instanceId: record.instanceId, pastEvents: rowEvents).protobufBytes
            StoredColumns.setBytes(bytes, "Events", in: &properties)
            if offset == 0 { StoredColumns.setText(consumed.joined(separator: "\n"), "Consumed", in: &properties) }
            let key = Self.historyKey(record.executionId, start + offset)
            operations.append(
                .upsert(
                    TableEntity(partitionKey: record.instanceId, rowKey: key, properties: properties),
                    mode: .replace
                )
            )
        }
        try await storage("write history of \(record.instanceId)") {
            for operation in operations { try await store.submitBatch([operation], in: historyTable) }
        }
        return rows.count
    }

    /// Deletes the history rows of executions other than `record`'s current one.
    func deleteOtherExecutions(of record: InstanceRecord) async throws(DevHostError) {
        try await storage("delete old history of \(record.instanceId)") {
            let rows = try await store.queryAll(
                historyTable,
                filter: .partitionKey(record.instanceId),
                select: ["ExecutionId"]
            )
            let stale = rows.filter { $0["ExecutionId"]?.stringValue != record.executionId }.map(\.key)
            try await deleteIfPresent(stale, from: historyTable)
        }
    }
}
