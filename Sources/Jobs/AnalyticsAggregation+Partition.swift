import LinkTomeCore
import TableStorage

extension AnalyticsAggregation {
    /// The checkpoint of one user partition.
    struct Checkpoint {
        var row: TableEntity
        var appliedThrough: String { BusinessFields.text(row["AppliedThrough"]) ?? "" }
        var pendingThrough: String { BusinessFields.text(row["PendingThrough"]) ?? "" }
    }

    /// Aggregates one user's events: finishes a pending journal, then journals chunk after chunk.
    func aggregate(partition: String, now: Timestamp) async throws -> BusinessCounters {
        var counters = BusinessCounters(["Partitions": 1])
        var checkpoint = try await loadCheckpoint(partition)
        let hadCheckpoint = checkpoint.row.etag != nil
        let cutoff = cutoffKey(now: now)

        if TableKeyOrder.less(checkpoint.appliedThrough, checkpoint.pendingThrough) {
            let events = try await readEvents(
                partition,
                after: checkpoint.appliedThrough,
                through: checkpoint.pendingThrough
            )
            counters.add("RecoveredJournals")
            try await applyJournal(events, through: checkpoint.pendingThrough, &checkpoint, now: now, &counters)
        }
        try await deleteProcessed(partition, through: checkpoint.appliedThrough, now: now, &counters)

        while true {
            let events = try await readEvents(partition, after: checkpoint.appliedThrough, before: cutoff)
            guard let last = events.last?.rowKey else { break }
            checkpoint.row["PendingThrough"] = .string(last)
            checkpoint.row = try await saveCheckpoint(checkpoint.row)
            try inject(.afterJournal, partition)
            try await applyJournal(events, through: last, &checkpoint, now: now, &counters)
            await deleteEvents(events, now: now, &counters)
            if events.count < options.chunkEvents { break }
        }
        // Short-link events kept by earlier runs expire here; this run keeps only unexpired ones.
        if hadCheckpoint { try await deleteExpiredShortLinkEvents(partition, now: now, &counters) }
        return counters
    }

    /// Applies the deltas of `events` (the journal ending at `through`), then advances `AppliedThrough`.
    private func applyJournal(
        _ events: [TableEntity],
        through: String,
        _ checkpoint: inout Checkpoint,
        now: Timestamp,
        _ counters: inout BusinessCounters
    ) async throws {
        var fold = AnalyticsFold(hasher: hasher)
        let oldest = retentionThreshold(now: now)
        for event in events {
            guard let instant = AnalyticsFold.instant(of: event) else {
                counters.add("MalformedEvents")
                continue
            }
            if instant < oldest {
                counters.add("ExpiredEvents")
                continue
            }
            fold.add(event, at: instant)
        }
        counters.add("ProcessedEvents", fold.events)

        var first = true
        for (key, delta) in fold.deltas.sorted(by: { $0.key < $1.key }) {
            let written = try await AnalyticsAggregateRow.apply(
                store,
                key: key,
                delta: delta,
                through: through,
                now: now,
                hasher: hasher
            )
            if written { counters.add(key.level.rawValue + "LevelRecords") }
            if first {
                first = false
                try inject(.afterFirstAggregate, checkpoint.row.partitionKey)
            }
        }
        try inject(.afterAggregates, checkpoint.row.partitionKey)
        checkpoint.row["AppliedThrough"] = .string(through)
        checkpoint.row["LastAggregatedAt"] = .dateTime(now)
        checkpoint.row = try await saveCheckpoint(checkpoint.row)
        try inject(.afterMark, checkpoint.row.partitionKey)
    }

    /// Events of the partition with RowKey in `(after, through]` or `(after, before)`, in key order,
    /// at most one chunk.
    private func readEvents(
        _ partition: String,
        after: String,
        through: String? = nil,
        before: String? = nil
    )
        async throws -> [TableEntity]
    {
        var filter = TableFilter.partitionKey(partition) && .greaterThan("RowKey", .string(after))
        if let through { filter = filter && .lessThanOrEqual("RowKey", .string(through)) }
        if let before { filter = filter && .lessThan("RowKey", .string(before)) }
        return try await BusinessTables.all(
            store,
            Self.rawTable,
            filter: filter,
            top: through == nil ? options.chunkEvents : nil
        )
    }

    /// Deletes the events of a journal that is applied, except `ShortLinkRedirect` events (the
    /// short-link screen reads them) and events whose instant cannot be read (nothing is lost).
    private func deleteEvents(_ events: [TableEntity], now: Timestamp, _ counters: inout BusinessCounters) async {
        var writer = PartitionBatchWriter(store: store, table: Self.rawTable)
        let oldest = retentionThreshold(now: now)
        for event in events {
            guard let instant = AnalyticsFold.instant(of: event) else { continue }
            if BusinessFields.text(event["EventType"]) == "ShortLinkRedirect", instant >= oldest {
                counters.add("KeptShortLinkEvents")
                continue
            }
            await writer.add(.delete(partitionKey: event.partitionKey, rowKey: event.rowKey, ifMatch: .any))
        }
        await writer.flush()
        counters.add("RawEventsDeleted", writer.applied)
        counters.add("ErrorCount", writer.failed)
    }

    /// Deletes events at or before `AppliedThrough` left behind by a run that stopped before its deletes.
    private func deleteProcessed(
        _ partition: String,
        through: String,
        now: Timestamp,
        _ counters: inout BusinessCounters
    )
        async throws
    {
        guard !through.isEmpty else { return }
        let filter =
            TableFilter.partitionKey(partition) && .lessThanOrEqual("RowKey", .string(through))
            && .notEqual("EventType", .string("ShortLinkRedirect"))
        let leftovers = try await BusinessTables.all(store, Self.rawTable, filter: filter)
        guard !leftovers.isEmpty else { return }
        var ignored = BusinessCounters()
        await deleteEvents(leftovers, now: now, &ignored)
        counters.add("RawEventsDeleted", ignored["RawEventsDeleted"])
        counters.add("ErrorCount", ignored["ErrorCount"])
    }

    /// Deletes kept `ShortLinkRedirect` events older than the retention period.
    private func deleteExpiredShortLinkEvents(
        _ partition: String,
        now: Timestamp,
        _ counters: inout BusinessCounters
    )
        async throws
    {
        let oldestKey = "\(BusinessFields.dotNetTicks(retentionThreshold(now: now)))"
        let filter =
            TableFilter.partitionKey(partition) && .lessThan("RowKey", .string(oldestKey))
            && .equal("EventType", .string("ShortLinkRedirect"))
        var writer = PartitionBatchWriter(store: store, table: Self.rawTable)
        for event in try await BusinessTables.all(store, Self.rawTable, filter: filter, select: ["EventType"]) {
            await writer.add(.delete(partitionKey: event.partitionKey, rowKey: event.rowKey, ifMatch: .any))
        }
        await writer.flush()
        counters.add("ExpiredShortLinkEventsDeleted", writer.applied)
        counters.add("ErrorCount", writer.failed)
    }

    private func loadCheckpoint(_ partition: String) async throws -> Checkpoint {
        let row = try await store.get(from: Self.stateTable, partitionKey: partition, rowKey: "checkpoint")
        return Checkpoint(row: row ?? TableEntity(partitionKey: partition, rowKey: "checkpoint"))
    }

    /// Writes the checkpoint only if nobody else did since it was read; returns it with its new ETag.
    private func saveCheckpoint(_ row: TableEntity) async throws -> TableEntity {
        var written = row
        written.etag = nil
        written.timestamp = nil
        let etag: String
        if let current = row.etag {
            etag = try await store.replace(written, in: Self.stateTable, ifMatch: .matching(current))
        } else {
            etag = try await store.insert(written, into: Self.stateTable)
        }
        written.etag = etag
        return written
    }

    /// Raw events at or after this RowKey are too recent: `<ticks of now − settle>`.
    func cutoffKey(now: Timestamp) -> String {
        let settled = Timestamp(seconds: now.seconds - Int64(options.settleSeconds), nanoseconds: now.nanoseconds)
        return "\(BusinessFields.dotNetTicks(settled))"
    }

    /// Aggregates (and kept events) older than this instant are deleted.
    func retentionThreshold(now: Timestamp) -> Timestamp {
        Timestamp(seconds: now.seconds - Int64(options.retentionDays) * 86_400, nanoseconds: now.nanoseconds)
    }

    private func inject(_ stage: Stage, _ partition: String) throws {
        try faultInjector?(stage, partition)
    }
}
