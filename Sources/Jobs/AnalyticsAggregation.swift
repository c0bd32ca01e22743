import LinkTomeCore
import TableStorage

/// `Start-AnalyticsAggregation` (03:00): folds raw `Analytics` events into daily user, page and link
/// rows of `AnalyticsAggregated`, exactly once, then applies the aggregate retention.
///
/// **Idempotency.** Raw events of a user are one partition, ordered by RowKey (`<ticks>-<hex>`).
/// A checkpoint row per user (`AnalyticsAggregationState`) holds `AppliedThrough`, the key up to
/// which events are in the aggregates, and `PendingThrough`, the end of the journal being applied.
/// A run reads the next chunk of events after `AppliedThrough`, records `PendingThrough` (ETag-
/// conditional), applies the chunk's deltas to the aggregate rows (each guarded by its own mark, see
/// ``AnalyticsAggregateRow``), advances `AppliedThrough`, and only then deletes the chunk's events.
/// A crash anywhere is completed by the next run: a pending journal is recomputed from its events
/// (still present) and applied to the rows that lack it; nothing is counted twice or lost.
///
/// Differences from the original, on purpose: `ShortLinkRedirect` events stay in the raw table for
/// the short-link analytics screen (they are counted once thanks to the checkpoint, and deleted
/// after the retention period); referrer and user-agent counts are exact maps (top lists are derived
/// from them); visitors are a bounded keyed-hash set or sketch (``VisitorSet``) instead of raw IPs;
/// events newer than the settle margin are left for the next run so that events still being
/// written with a slightly older timestamp are not skipped.
public struct AnalyticsAggregation: BusinessJob {
    public static let command = "Start-AnalyticsAggregation"
    static let rawTable = "Analytics"
    static let stateTable = "AnalyticsAggregationState"

    /// Tuning, from app settings.
    public struct Options: Sendable, Equatable {
        /// `ANALYTICS_AGGREGATED_RETENTION_DAYS` (default 180): aggregates, and kept short-link
        /// events, older than this are deleted.
        public var retentionDays: Int
        /// `ANALYTICS_SETTLE_SECONDS` (default 300): events younger than this wait for the next run.
        public var settleSeconds: Int
        /// `ANALYTICS_CHUNK_EVENTS` (default 10,000): the most events one journal covers (memory bound).
        public var chunkEvents: Int
        /// `ANALYTICS_PARTITIONS_PER_ITEM` (default 25): users per work item.
        public var partitionsPerItem: Int
        /// `ANALYTICS_VISITOR_HASH_KEY`: the key of the visitor hashes; set it to keep them private.
        public var visitorHashKey: String

        public init(
            retentionDays: Int = 180,
            settleSeconds: Int = 300,
            chunkEvents: Int = 10_000,
            partitionsPerItem: Int = 25,
            visitorHashKey: String = "linktome-visitors"
        ) {
            self.retentionDays = retentionDays
            self.settleSeconds = settleSeconds
            self.chunkEvents = chunkEvents
            self.partitionsPerItem = partitionsPerItem
            self.visitorHashKey = visitorHashKey
        }

        public init(settings: Settings) throws {
            self.init(
                retentionDays: try settings.integer("ANALYTICS_AGGREGATED_RETENTION_DAYS", default: 180),
                settleSeconds: try settings.integer("ANALYTICS_SETTLE_SECONDS", default: 300),
                chunkEvents: try settings.integer("ANALYTICS_CHUNK_EVENTS", default: 10_000),
                partitionsPerItem: try settings.integer("ANALYTICS_PARTITIONS_PER_ITEM", default: 25),
                visitorHashKey: settings["ANALYTICS_VISITOR_HASH_KEY"] ?? "linktome-visitors"
            )
            guard retentionDays > 0, settleSeconds >= 0, chunkEvents > 0, partitionsPerItem > 0 else {
                throw BusinessJobsError(
                    .invalidSetting,
                    "analytics settings must be positive (retention \(retentionDays), chunk \(chunkEvents))"
                )
            }
        }
    }

    /// Where a test may stop a run to prove recovery.
    public enum Stage: String, Sendable, CaseIterable {
        /// `PendingThrough` is recorded, no aggregate is written yet.
        case afterJournal
        /// The first aggregate row of the journal is written.
        case afterFirstAggregate
        /// Every aggregate row is written, the events are not marked processed.
        case afterAggregates
        /// `AppliedThrough` is advanced, the events are not deleted yet.
        case afterMark
    }

    public let store: any TableStore
    public let options: Options
    public let logger: Logger
    /// Called at each ``Stage`` with the partition; a thrown error stops the partition there (tests).
    public var faultInjector: (@Sendable (Stage, String) throws -> Void)?

    public init(store: any TableStore, options: Options = Options(), logger: Logger) {
        self.store = store
        self.options = options
        self.logger = logger
    }

    var hasher: SipHasher { SipHasher(secret: options.visitorHashKey) }

    public func workItems(now: Timestamp) async throws -> [JSONValue] {
        let partitions = try await BusinessTables.partitions(store, Self.rawTable)
        let size = options.partitionsPerItem
        var items: [JSONValue] = stride(from: 0, to: partitions.count, by: size).map { start in
            .object(["Partitions": .array(partitions[start..<min(start + size, partitions.count)].map { .string($0) })])
        }
        items.append(.object(["Retention": .bool(true)]))
        return items
    }

    public func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters {
        if item["Retention"]?.boolValue == true { return try await applyRetention(now: now) }
        var counters = BusinessCounters()
        try await BusinessTables.ensureTable(store, Self.stateTable)
        try await BusinessTables.ensureTable(store, AnalyticsAggregateRow.table)
        for partition in try WorkItemKeys.strings(item, "Partitions") {
            do {
                counters.merge(try await aggregate(partition: partition, now: now))
            } catch let error as BusinessJobsError where error.kind == .injectedFault {
                throw error
            } catch {
                counters.add("ErrorCount")
                logger.error("analytics partition failed", metadata: ["partition": partition, "error": "\(error)"])
            }
        }
        return counters
    }

    public func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult {
        var all = BusinessCounters([
            "ProcessedEvents": 0, "UserLevelRecords": 0, "PageLevelRecords": 0, "LinkLevelRecords": 0,
            "RawEventsDeleted": 0, "AggregatedRecordsDeleted": 0, "ErrorCount": 0,
        ])
        all.merge(counters)
        all["AggregatedRetentionDays"] = options.retentionDays
        let message =
            "Analytics aggregation completed: \(all["ProcessedEvents"]) events, \(all["RawEventsDeleted"]) raw "
            + "events deleted, \(all["AggregatedRecordsDeleted"]) expired aggregates deleted"
        return BusinessJobResult(message: message, counters: all)
    }
}
