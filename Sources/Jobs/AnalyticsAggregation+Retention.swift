import LinkTomeCore
import TableStorage

extension AnalyticsAggregation {
    /// Deletes aggregate rows whose `Date` (else RowKey) is a day earlier than now − retention days
    /// (`Clear-OldAggregatedAnalytics`). Rows whose date cannot be read are kept. Rows are found with a
    /// RowKey range (the day is the RowKey) and deleted in batches per partition.
    func applyRetention(now: Timestamp) async throws -> BusinessCounters {
        let threshold = retentionThreshold(now: now)
        let lastDay = BusinessFields.day(threshold)
        var writer = PartitionBatchWriter(store: store, table: AnalyticsAggregateRow.table)
        let filter = TableFilter.lessThanOrEqual("RowKey", .string(lastDay))
        try await BusinessTables.forEach(store, AnalyticsAggregateRow.table, filter: filter, select: ["Date"]) { row in
            let text = BusinessFields.text(row["Date"]) ?? row.rowKey
            guard let day = BusinessFields.parseInstant(text), day < threshold else { return }
            await writer.add(.delete(partitionKey: row.partitionKey, rowKey: row.rowKey, ifMatch: .any))
        }
        await writer.flush()
        return BusinessCounters(["AggregatedRecordsDeleted": writer.applied, "ErrorCount": writer.failed])
    }
}
