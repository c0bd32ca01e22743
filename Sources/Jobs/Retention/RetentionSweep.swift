import LinkTomeCore
import TableStorage

/// How a job judges one row.
enum RowVerdict: Equatable {
    /// Delete the row; the reason names the rule (`expired`, `invalidated`, …).
    case delete(String)
    /// Leave the row; the reason says why (`windowOpen`, `unparsableDate`, …).
    case keep(String)
}

/// The counts of one sweep, and whether its table existed.
struct SweepResult {
    var counts: RetentionSummary
    var tableMissing: Bool
    var requests: Int
}

/// One streamed pass over a table: pages of candidates from a server-side filter, a verdict per row,
/// and deletes in partition batches through ``BatchDeleter``. Memory holds one page and one batch.
struct RetentionSweep {
    let store: any TableStore
    let table: String
    /// The server-side filter choosing candidates; `nil` streams every row.
    let filter: TableFilter?
    /// The custom columns the verdict reads (keys and ETag always come); `nil` for all.
    let select: [String]?
    let logger: Logger

    /// Streams the candidates and deletes those `judge` condemns. A missing table is an empty one.
    func run(judge: (TableEntity) -> RowVerdict) async throws -> SweepResult {
        var deleter = BatchDeleter(store: store, table: table, logger: logger)
        var counts = RetentionSummary(command: "", target: table)
        var requests = 0
        do {
            try await Self.forEachPage(store, table, filter: filter, select: select) { page in
                requests += 1
                try Task.checkCancellation()
                Self.countUnreadable(page.unreadable, table: table, in: &counts, logger: logger)
                for entity in page.entities {
                    counts.examined += 1
                    switch judge(entity) {
                    case .delete(let reason): try await deleter.delete(entity, reason: reason)
                    case .keep(let reason): counts.countKept(reason)
                    }
                }
            }
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            logger.info("table does not exist; nothing to clean", metadata: ["table": table])
            return SweepResult(counts: counts, tableMissing: true, requests: requests + 1)
        }
        try await deleter.flush()
        counts.absorb(deleter.outcome)
        return SweepResult(counts: counts, tableMissing: false, requests: requests + deleter.requests)
    }

    /// The pages of a query, each with the rows the store could not decode (which the store's
    /// `query` stream would stop at instead).
    static func forEachPage(
        _ store: any TableStore,
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        _ body: (TableQueryPage) async throws -> Void
    ) async throws {
        var continuation: TableContinuation?
        repeat {
            let page = try await store.queryPage(
                table,
                filter: filter,
                select: select,
                maxCount: TableValidation.maximumPageSize,
                continuation: continuation
            )
            continuation = page.continuation
            try await body(page)
        } while continuation != nil
    }

    /// Rows the store cannot decode (a malformed stored value) are examined and failed
    /// (`unreadableRow`), each logged with its keys; the job goes on with the others.
    static func countUnreadable(
        _ rows: [TableUnreadableEntity],
        table: String,
        in counts: inout RetentionSummary,
        logger: Logger
    ) {
        for row in rows {
            counts.examined += 1
            counts.countFailed(unreadableReason)
            logger.warning(
                "row cannot be read; left in place",
                metadata: [
                    "table": table, "partition.key": row.key.partitionKey, "row.key": row.key.rowKey,
                    "error": row.error.description,
                ]
            )
        }
    }

    /// The failure reason counted for a row the store cannot decode.
    static let unreadableReason = "unreadableRow"
}
