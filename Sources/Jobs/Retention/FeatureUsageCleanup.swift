import Foundation
import LinkTomeCore
import TableStorage

/// `Start-FeatureUsageCleanup` (daily at 23:00; a stub in the original): folds `FeatureUsage` rows
/// older than the retention window (default 90 days) into daily counts per user and feature in
/// `FeatureUsageSummary` (see ``FeatureUsageSummaryRows``), then deletes them.
///
/// Raw rows are keyed `<.NET ticks>-<hex>` within the user's partition, so the candidates are a
/// key range (`RowKey` below the cutoff's ticks). Each user's rows are folded in key order in chunks
/// of up to 100; a chunk's counts and the user's fold marker are written in one batch before its raw
/// rows are deleted, so a crash or a failed delete never counts a row twice: the next run sees the row
/// behind the marker and only deletes it. A row whose `EventTimestamp` is missing or unparsable is
/// dated by its row key. A user's folding stops at the first row not yet past the cutoff (or with no
/// date at all), so the marker never passes a row that was not counted.
public enum FeatureUsageCleanup {
    public static let command = "Start-FeatureUsageCleanup"
    public static let table = "FeatureUsage"
    /// Days to keep raw feature-usage rows (default 90).
    public static let retentionDaysSetting = "LINKTOME_FEATURE_USAGE_RETENTION_DAYS"

    /// The job's settings.
    public struct Configuration: Sendable, Equatable {
        /// Raw rows older than this many days are folded and deleted (1...36500).
        public var retentionDays: Int

        public init(retentionDays: Int = 90) {
            self.retentionDays = retentionDays
        }

        /// Reads ``FeatureUsageCleanup/retentionDaysSetting``.
        public init(settings: Settings) throws(RetentionError) {
            let reader = RetentionSettingsReader(settings: settings)
            retentionDays = try reader.integer(retentionDaysSetting, default: 90, in: 1...36_500)
        }
    }

    /// Runs the cleanup once at `now`.
    public static func run(
        store: any TableStore,
        now: Date,
        configuration: Configuration = Configuration(),
        logger: Logger
    ) async throws -> RetentionSummary {
        let instant = Timestamp(now)
        let cutoff = RetentionTime.adding(-Int64(configuration.retentionDays) * RetentionTime.day, to: instant)
        var folder = FeatureUsageFolder(store: store, now: instant, cutoff: cutoff, logger: logger)
        let tableMissing = try await folder.run()

        var summary = folder.counts
        summary.command = command
        let subject =
            "\(table) rows older than \(configuration.retentionDays) days (before \(RetentionTime.text(cutoff)))"
        summary.message = RetentionMessage.compose(summary, subject: subject, tableMissing: tableMissing)
        if folder.summaryRowsWritten > 0 {
            summary.message +=
                "; \(folder.summaryRowsWritten) daily summary rows updated in \(FeatureUsageSummaryRows.table)"
        }
        summary.payload = [
            "SummarizedCount": .integer(Int64(summary.deletedBy["summarized"] ?? 0)),
            "SummaryRowsWritten": .integer(Int64(folder.summaryRowsWritten)),
            "UsersProcessed": .integer(Int64(folder.usersProcessed)),
            "RetentionDays": .integer(Int64(configuration.retentionDays)),
            "Cutoff": .string(RetentionTime.text(cutoff)),
        ]
        RetentionMessage.log(summary, logger: logger)
        return summary
    }
}

/// The state of one fold run: the current user, the open chunk, the deleter and the counts.
struct FeatureUsageFolder {
    /// At most this many distinct summary rows per chunk, leaving room for the marker in one batch.
    static let maximumSummaryRows = BatchDeleter.maximumBatchSize - 1

    let store: any TableStore
    let now: Timestamp
    let cutoff: Timestamp
    let logger: Logger

    private(set) var counts = RetentionSummary(command: FeatureUsageCleanup.command, target: FeatureUsageCleanup.table)
    private(set) var summaryRowsWritten = 0
    private(set) var usersProcessed = 0
    private var deleter: BatchDeleter
    private var summaryTableReady = false

    private var user: String?
    private var watermark: String?
    private var markerETag: String?
    private var stopped = false
    private var chunkRows: [TableEntity] = []
    private var chunkDeltas: [String: FeatureUsageDelta] = [:]

    init(store: any TableStore, now: Timestamp, cutoff: Timestamp, logger: Logger) {
        self.store = store
        self.now = now
        self.cutoff = cutoff
        self.logger = logger
        self.deleter = BatchDeleter(store: store, table: FeatureUsageCleanup.table, logger: logger)
    }

    /// Streams the candidates and folds them; returns whether the raw table was missing.
    mutating func run() async throws -> Bool {
        let filter = TableFilter.lessThan("RowKey", .string(RetentionTime.tickKey(cutoff)))
        do {
            let table = FeatureUsageCleanup.table
            let select = ["EventTimestamp", "Feature", "Allowed"]
            try await RetentionSweep.forEachPage(store, table, filter: filter, select: select) { page in
                try Task.checkCancellation()
                RetentionSweep.countUnreadable(page.unreadable, table: table, in: &counts, logger: logger)
                for entity in page.entities { try await consider(entity) }
            }
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            return true
        }
        try await finishUser()
        try await deleter.flush()
        counts.absorb(deleter.outcome)
        return false
    }

    private mutating func consider(_ entity: TableEntity) async throws {
        counts.examined += 1
        if user.map({ !TableKeyOrder.same($0, entity.partitionKey) }) ?? true {
            try await finishUser()
            try await startUser(entity.partitionKey)
        }
        if let watermark, !TableKeyOrder.less(watermark, entity.rowKey) {
            try await deleter.delete(entity, reason: "alreadySummarized")
            return
        }
        guard !stopped else {
            counts.countKept("waitingForOlderRows")
            return
        }
        guard let instant = eventInstant(of: entity) else {
            counts.countKept("unparsableDate")
            try await stop()
            return
        }
        guard instant < cutoff else {
            counts.countKept("withinRetention")
            try await stop()
            return
        }
        add(entity, at: instant)
        if chunkRows.count >= BatchDeleter.maximumBatchSize || chunkDeltas.count >= Self.maximumSummaryRows {
            try await flushChunk()
        }
    }

    /// `EventTimestamp`, or the instant in the row key when the column is missing or unparsable.
    private func eventInstant(of entity: TableEntity) -> Timestamp? {
        RetentionTime.read(entity["EventTimestamp"]).instant ?? RetentionTime.instant(fromTickKey: entity.rowKey)
    }

    private mutating func add(_ entity: TableEntity, at instant: Timestamp) {
        let feature = entity["Feature"]?.stringValue ?? "unknown"
        let day = FeatureUsageSummaryRows.day(of: instant)
        let key = FeatureUsageSummaryRows.rowKey(day: day, feature: feature)
        var delta = chunkDeltas[key] ?? FeatureUsageDelta(day: day, feature: feature, first: instant, last: instant)
        delta.add(allowed: entity["Allowed"]?.boolValue, at: instant)
        chunkDeltas[key] = delta
        chunkRows.append(entity)
    }

    private mutating func startUser(_ partition: String) async throws {
        user = partition
        stopped = false
        usersProcessed += 1
        let marker = try await readMarker(partition)
        watermark = marker?[FeatureUsageSummaryRows.markerColumn]?.stringValue
        markerETag = marker?.etag
    }

    private mutating func finishUser() async throws {
        try await flushChunk()
        user = nil
        watermark = nil
        markerETag = nil
    }

    private mutating func stop() async throws {
        try await flushChunk()
        stopped = true
    }

    private func readMarker(_ partition: String) async throws -> TableEntity? {
        do {
            return try await store.get(
                from: FeatureUsageSummaryRows.table,
                partitionKey: partition,
                rowKey: FeatureUsageSummaryRows.markerRowKey
            )
        } catch let error as TableStorageError where error.kind == .notFound {
            return nil
        }
    }
}

extension FeatureUsageFolder {
    /// Writes the open chunk's counts and the moved marker in one batch, then queues its raw rows for
    /// deletion. If the write fails the rows stay, are counted as failed, and the user is stopped.
    private mutating func flushChunk() async throws {
        guard let user, !chunkRows.isEmpty else { return }
        let rows = chunkRows
        let deltas = chunkDeltas
        chunkRows = []
        chunkDeltas = [:]
        guard let lastRowKey = rows.last?.rowKey else { return }

        do {
            try await ensureSummaryTable()
            let existing = try await existingSummaries(user: user, keys: Array(deltas.keys))
            var operations: [TableBatchOperation] = deltas.values.map { delta in
                let key = FeatureUsageSummaryRows.rowKey(day: delta.day, feature: delta.feature)
                let merged = FeatureUsageSummaryRows.merged(delta, userId: user, into: existing[key], now: now)
                guard let etag = existing[key]?.etag else { return .insert(merged) }
                return .replace(merged, ifMatch: .matching(etag))
            }
            let marker = FeatureUsageSummaryRows.marker(userId: user, foldedThrough: lastRowKey, now: now)
            operations.append(markerETag.map { .replace(marker, ifMatch: .matching($0)) } ?? .insert(marker))
            let etags = try await store.submitBatch(operations, in: FeatureUsageSummaryRows.table)
            markerETag = etags.last ?? nil
        } catch {
            let failure = try BatchDeleter.storageError(error)
            counts.countFailed("summaryWrite:" + failure.kind.rawValue, rows.count)
            logger.warning(
                "feature usage summary write failed; the rows stay for the next run",
                metadata: ["userId": user, "rows": String(rows.count), "error": failure.description]
            )
            stopped = true
            return
        }

        summaryRowsWritten += deltas.count
        watermark = lastRowKey
        for row in rows { try await deleter.delete(row, reason: "summarized") }
    }

    /// The summary rows of `user` among `keys`, read with one range query.
    private func existingSummaries(user: String, keys: [String]) async throws -> [String: TableEntity] {
        guard let lowest = keys.min(by: TableKeyOrder.less), let highest = keys.max(by: TableKeyOrder.less) else {
            return [:]
        }
        let filter =
            TableFilter.partitionKey(user)
            && .greaterThanOrEqual("RowKey", .string(lowest))
            && .lessThanOrEqual("RowKey", .string(highest))
        var found: [String: TableEntity] = [:]
        let wanted = Set(keys)
        for try await row in store.query(FeatureUsageSummaryRows.table, filter: filter).entities
        where wanted.contains(row.rowKey) {
            found[row.rowKey] = row
        }
        return found
    }

    private mutating func ensureSummaryTable() async throws {
        guard !summaryTableReady else { return }
        try await store.createTableIfNotExists(FeatureUsageSummaryRows.table)
        summaryTableReady = true
    }
}
