import LinkTomeCore
import TableStorage

/// Deletes rows of one table in entity-group transactions of up to 100 rows of one partition, and
/// counts what happened to each row.
///
/// Feed it rows in query order (PartitionKey, RowKey): it keeps at most one partition's pending rows
/// and sends them when 100 are waiting or the stream moves to another partition, so 250 rows over 3
/// partitions cost at most 3 requests per 100 rows. A lone row goes as a plain delete.
///
/// Every delete is conditional on the ETag the row was read with, so a row that changed since (a rate
/// limit counter that just moved) is kept, not deleted. When a batch fails on one row the service
/// names it; that row is counted and the rest is sent again, so one bad row never blocks the others.
/// A batch that fails without naming a row is retried row by row, unless the failure is the store's
/// (throttled, unavailable), in which case its rows are counted as failed for the next run to retry.
struct BatchDeleter {
    /// The most operations the service accepts in one batch.
    static let maximumBatchSize = 100

    private struct Pending {
        var key: TableEntityKey
        var etag: ETagCondition
        var reason: String
    }

    let store: any TableStore
    let table: String
    let logger: Logger
    /// Rows per batch (at most 100).
    let batchSize: Int
    /// How many per-row failures are logged one by one before only the total is reported.
    let loggedFailureLimit: Int

    private var pending: [Pending] = []
    private var loggedFailures = 0
    /// What happened so far: `deletedBy`, `keptBy` (`changedSinceRead`), `failedBy`, `vanished`.
    private(set) var outcome: RetentionSummary
    /// Requests sent (batches and single deletes).
    private(set) var requests = 0

    init(
        store: any TableStore,
        table: String,
        logger: Logger,
        batchSize: Int = BatchDeleter.maximumBatchSize,
        loggedFailureLimit: Int = 20
    ) {
        self.store = store
        self.table = table
        self.logger = logger
        self.batchSize = max(1, min(batchSize, BatchDeleter.maximumBatchSize))
        self.loggedFailureLimit = loggedFailureLimit
        self.outcome = RetentionSummary(command: "", target: table)
    }

    /// Queues `entity` for deletion, counted under `reason` once deleted. Sends the pending batch first
    /// when `entity` is in another partition, and after adding it when the batch is full.
    mutating func delete(_ entity: TableEntity, reason: String) async throws {
        if let first = pending.first, !TableKeyOrder.same(first.key.partitionKey, entity.partitionKey) {
            try await flush()
        }
        let etag: ETagCondition = entity.etag.map { .matching($0) } ?? .any
        pending.append(Pending(key: entity.key, etag: etag, reason: reason))
        if pending.count >= batchSize { try await flush() }
    }

    /// Sends whatever is pending. Call once after the last row.
    mutating func flush() async throws {
        var remaining = pending
        pending = []
        while !remaining.isEmpty {
            try Task.checkCancellation()
            if remaining.count == 1 {
                try await deleteOne(remaining[0])
                return
            }
            do {
                requests += 1
                let operations = remaining.map {
                    TableBatchOperation.delete(
                        partitionKey: $0.key.partitionKey,
                        rowKey: $0.key.rowKey,
                        ifMatch: $0.etag
                    )
                }
                try await store.submitBatch(operations, in: table)
                for row in remaining { outcome.countDeleted(row.reason) }
                return
            } catch {
                let error = try BatchDeleter.storageError(error)
                guard let index = error.failedOperationIndex, remaining.indices.contains(index) else {
                    try await deleteSeparately(remaining, after: error)
                    return
                }
                record(error, for: remaining.remove(at: index))
            }
        }
    }

    /// Deletes rows one at a time after a batch failed without naming a row.
    private mutating func deleteSeparately(_ rows: [Pending], after error: TableStorageError) async throws {
        if BatchDeleter.isStoreWide(error) {
            for row in rows { record(error, for: row) }
            return
        }
        for (position, row) in rows.enumerated() {
            try Task.checkCancellation()
            if let storeWide = try await deleteOne(row), BatchDeleter.isStoreWide(storeWide) {
                for rest in rows[(position + 1)...] { record(storeWide, for: rest) }
                return
            }
        }
    }

    /// Deletes one row; returns the error it hit, if any (already counted).
    @discardableResult
    private mutating func deleteOne(_ row: Pending) async throws -> TableStorageError? {
        requests += 1
        do {
            try await store.delete(
                from: table,
                partitionKey: row.key.partitionKey,
                rowKey: row.key.rowKey,
                ifMatch: row.etag
            )
            outcome.countDeleted(row.reason)
            return nil
        } catch {
            let error = try BatchDeleter.storageError(error)
            record(error, for: row)
            return error
        }
    }

    /// Counts a row's failure: gone is `vanished`, changed is kept, anything else failed by error kind.
    private mutating func record(_ error: TableStorageError, for row: Pending) {
        switch error.kind {
        case .notFound where error.code != "TableNotFound":
            outcome.vanished += 1
        case .preconditionFailed:
            outcome.countKept("changedSinceRead")
        default:
            outcome.countFailed(error.kind.rawValue)
            logFailure(error, row)
        }
    }

    private mutating func logFailure(_ error: TableStorageError, _ row: Pending) {
        loggedFailures += 1
        if loggedFailures <= loggedFailureLimit {
            logger.warning(
                "delete failed; the next run retries it",
                metadata: [
                    "table": table, "partitionKey": row.key.partitionKey, "rowKey": row.key.rowKey,
                    "reason": error.kind.rawValue, "error": error.description,
                ]
            )
        } else if loggedFailures == loggedFailureLimit + 1 {
            logger.warning("more deletes failed; only the totals are reported", metadata: ["table": table])
        }
    }

    /// The error as a ``TableStorageError``; cancellation is rethrown, anything else becomes an
    /// `unavailable` error so it is counted like a store failure.
    static func storageError(_ error: any Error) throws -> TableStorageError {
        if let storage = error as? TableStorageError { return storage }
        if error is CancellationError { throw error }
        return TableStorageError(.unavailable, code: "UnexpectedError", message: String(describing: error))
    }

    /// Whether an error is about the store as a whole rather than one row.
    static func isStoreWide(_ error: TableStorageError) -> Bool {
        switch error.kind {
        case .throttled, .unavailable, .unauthorized, .storage, .configuration, .invalidResponse: return true
        case .notFound: return error.code == "TableNotFound"
        default: return false
        }
    }
}
