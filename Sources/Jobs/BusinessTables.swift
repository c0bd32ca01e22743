import LinkTomeCore
import TableStorage

/// Table access the business commands share: queries that treat a missing table as empty, a
/// partition enumerator that seeks instead of scanning, and conditional merges.
enum BusinessTables {
    /// Calls `body` for every entity the query returns, page by page; a missing table has no rows.
    static func forEach(
        _ store: any TableStore,
        _ table: String,
        filter: TableFilter? = nil,
        select: [String]? = nil,
        _ body: (TableEntity) async throws -> Void
    ) async throws {
        do {
            for try await page in store.query(table, filter: filter, select: select) {
                for entity in page.entities { try await body(entity) }
            }
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            return
        }
    }

    /// Every entity the query returns; a missing table has no rows. For small result sets only
    /// (one user's pages, links, keys).
    static func all(
        _ store: any TableStore,
        _ table: String,
        filter: TableFilter? = nil,
        select: [String]? = nil,
        top: Int? = nil
    ) async throws -> [TableEntity] {
        do {
            return try await store.queryAll(table, filter: filter, select: select, top: top)
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            return []
        }
    }

    /// One entity, or `nil` when it or its table does not exist.
    static func get(
        _ store: any TableStore,
        _ table: String,
        _ partitionKey: String,
        _ rowKey: String
    ) async throws
        -> TableEntity?
    {
        do {
            return try await store.get(from: table, partitionKey: partitionKey, rowKey: rowKey)
        } catch let error as TableStorageError where error.kind == .notFound {
            return nil
        }
    }

    /// The first PartitionKey after `previous` (or the first of the table when `nil`), found with
    /// one seek: the smallest valid key above `previous` is `previous + " "`, because keys cannot
    /// contain control characters.
    static func nextPartition(
        _ store: any TableStore,
        _ table: String,
        after previous: String?
    ) async throws
        -> String?
    {
        let filter = previous.map { TableFilter.greaterThanOrEqual("PartitionKey", .string($0 + " ")) }
        do {
            for try await page in store.query(table, filter: filter, select: ["PartitionKey"], top: 1) {
                if let first = page.entities.first { return first.partitionKey }
            }
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            return nil
        }
        return nil
    }

    /// Every distinct PartitionKey of the table, in key order, one seek per partition.
    static func partitions(_ store: any TableStore, _ table: String) async throws -> [String] {
        var keys: [String] = []
        var previous: String?
        while let next = try await nextPartition(store, table, after: previous) {
            keys.append(next)
            previous = next
        }
        return keys
    }

    /// Merges `changes` into the row read as `original`, only if nobody changed it since.
    ///
    /// - Returns: `true` when applied, `false` when the row changed or disappeared meanwhile (the
    ///   next run sees the new version and decides again).
    static func mergeIfUnchanged(
        _ store: any TableStore,
        _ table: String,
        original: TableEntity,
        changes: [String: TableValue]
    ) async throws -> Bool {
        guard !changes.isEmpty else { return true }
        let patch = TableEntity(partitionKey: original.partitionKey, rowKey: original.rowKey, properties: changes)
        let condition: ETagCondition = original.etag.map { .matching($0) } ?? .any
        do {
            try await store.merge(patch, in: table, ifMatch: condition)
            return true
        } catch let error as TableStorageError where error.kind == .preconditionFailed || error.kind == .notFound {
            return false
        }
    }

    /// Creates the table unless it exists.
    static func ensureTable(_ store: any TableStore, _ table: String) async throws {
        try await store.createTableIfNotExists(table)
    }
}

/// Writes operations in batches of at most 100 per partition; when a batch is refused, its
/// operations are retried one by one so that one bad row fails alone. A delete of a row that is
/// already gone counts as done.
struct PartitionBatchWriter {
    let store: any TableStore
    let table: String
    private(set) var applied = 0
    private(set) var failed = 0
    private(set) var failures: [String] = []
    private var pending: [TableBatchOperation] = []
    private var pendingPartition: String?

    init(store: any TableStore, table: String) {
        self.store = store
        self.table = table
    }

    /// Queues one operation; sends the queued batch first when it is full or for another partition.
    mutating func add(_ operation: TableBatchOperation) async {
        if let partition = pendingPartition,
            !TableKeyOrder.same(partition, operation.key.partitionKey)
                || pending.count >= TableValidation.maximumBatchOperations
        {
            await flush()
        }
        pendingPartition = operation.key.partitionKey
        pending.append(operation)
    }

    /// Sends whatever is queued.
    mutating func flush() async {
        guard !pending.isEmpty else { return }
        let operations = pending
        pending = []
        pendingPartition = nil
        do {
            _ = try await store.submitBatch(operations, in: table)
            applied += operations.count
        } catch {
            for operation in operations { await applyAlone(operation) }
        }
    }

    private mutating func applyAlone(_ operation: TableBatchOperation) async {
        do {
            switch operation {
            case .insert(let entity): try await store.insert(entity, into: table)
            case .replace(let entity, let condition): try await store.replace(entity, in: table, ifMatch: condition)
            case .merge(let entity, let condition): try await store.merge(entity, in: table, ifMatch: condition)
            case .upsert(let entity, let mode): try await store.upsert(entity, in: table, mode: mode)
            case .delete(let partitionKey, let rowKey, let condition):
                try await store.delete(from: table, partitionKey: partitionKey, rowKey: rowKey, ifMatch: condition)
            }
            applied += 1
        } catch let error as TableStorageError where error.kind == .notFound && error.code != "TableNotFound" {
            if case .delete = operation { applied += 1 } else { record(operation, error) }
        } catch {
            record(operation, error)
        }
    }

    private mutating func record(_ operation: TableBatchOperation, _ error: any Error) {
        failed += 1
        if failures.count < 20 {
            failures.append("\(table) \(operation.key.partitionKey)/\(operation.key.rowKey): \(error)")
        }
    }
}
