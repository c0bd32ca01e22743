import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

/// A `FeatureUsage` row written at `instant` (row key ticks), with `EventTimestamp` = `value`.
private func usage(
    _ user: String,
    at instant: Timestamp,
    _ suffix: String,
    feature: String = "customThemes",
    allowed: Bool? = true,
    value: TableValue?? = .none
) -> TableEntity {
    var row = TableEntity(partitionKey: user, rowKey: RetentionTime.tickKey(instant) + "-" + suffix)
    switch value {
    case .none: row["EventTimestamp"] = .dateTime(instant)
    case .some(let explicit): row["EventTimestamp"] = explicit
    }
    row["Feature"] = .string(feature)
    row["Allowed"] = allowed.map(TableValue.bool)
    row["Tier"] = "free"
    return row
}

private func summaryRow(
    _ store: any TableStore,
    _ user: String,
    _ day: String,
    _ feature: String
) async throws
    -> TableEntity?
{
    try await store.get(from: "FeatureUsageSummary", partitionKey: user, rowKey: day + "_" + feature)
}

@Suite("Feature usage cleanup")
struct RetentionFeatureUsageTests {
    let cutoff = retentionAt(-90 * 86_400)
    /// A day well before the cutoff: 2025-10-01.
    let oldDay = Timestamp.utc(year: 2025, month: 10, day: 1, hour: 9)

    @Test("old rows are folded into daily counts per user and feature, then deleted; the boundary is exact")
    func foldsAndDeletes() async throws {
        let store = try makeRetentionStore()
        let at = { (minutes: Int64) in RetentionTime.adding(minutes * 60, to: self.oldDay) }
        try await seed(
            store,
            "FeatureUsage",
            [
                usage("user-1", at: at(0), "00000001"),
                usage("user-1", at: at(1), "00000002"),
                usage("user-1", at: at(2), "00000003", allowed: false),
                usage("user-1", at: at(3), "00000004", feature: "apiAccess", allowed: false),
                usage("user-1", at: at(4), "00000005", value: .some(nil)),
                usage("user-1", at: at(5), "00000006", value: "garbage"),
                usage("user-1", at: RetentionTime.adding(-1, to: cutoff), "00000007"),
                usage("user-1", at: cutoff, "00000008"),
                usage("user-1", at: RetentionTime.adding(1, to: cutoff), "00000009"),
                usage("user-2", at: at(10), "0000000a", allowed: nil),
            ]
        )

        let summary = try await FeatureUsageCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let remaining = try await rowKeys(store, "FeatureUsage").map { String($0.suffix(8)) }
        #expect(remaining == ["00000008", "00000009"])
        #expect(summary.deletedBy == ["summarized": 8])
        #expect(summary.json["SummarizedCount"] == 8)
        #expect(summary.json["UsersProcessed"] == 2)

        let themes = try #require(try await summaryRow(store, "user-1", "2025-10-01", "customThemes"))
        #expect(themes["AllowedCount"] == .int64(4))
        #expect(themes["DeniedCount"] == .int64(1))
        #expect(themes["TotalCount"] == .int64(5))
        #expect(themes["FirstEventAt"] == .dateTime(oldDay))
        let api = try #require(try await summaryRow(store, "user-1", "2025-10-01", "apiAccess"))
        #expect(api["DeniedCount"] == .int64(1))
        let late = try #require(try await summaryRow(store, "user-1", "2025-12-15", "customThemes"))
        #expect(late["TotalCount"] == .int64(1))
        let unknown = try #require(try await summaryRow(store, "user-2", "2025-10-01", "customThemes"))
        #expect(unknown["TotalCount"] == .int64(1))
        #expect(unknown["AllowedCount"] == .int64(0))
        #expect(unknown["DeniedCount"] == .int64(0))

        let second = try await FeatureUsageCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
        #expect(second.message.hasPrefix("Nothing to delete"))
        let again = try #require(try await summaryRow(store, "user-1", "2025-10-01", "customThemes"))
        #expect(again["TotalCount"] == .int64(5))
    }

    @Test("rows folded but not deleted (a failed delete or a crash) are deleted next run and not counted twice")
    func foldIsCountedOnce() async throws {
        let inner = try makeRetentionStore()
        let failing = CountingTableStore(inner) { _ in
            TableStorageError(.unavailable, code: "ConnectionReset", message: "connection reset")
        }
        let rows = (0..<5).map { usage("user-1", at: RetentionTime.adding(Int64($0), to: oldDay), "0000000\($0)") }
        try await seed(inner, "FeatureUsage", rows)

        let first = try await FeatureUsageCleanup.run(store: failing, now: retentionNow.date, logger: .silent)
        let second = try await FeatureUsageCleanup.run(store: inner, now: retentionNow.date, logger: .silent)

        #expect(first.failedBy == ["unavailable": 5])
        #expect(first.status == .completedWithErrors)
        #expect(second.deletedBy == ["alreadySummarized": 5])
        #expect(try await inner.queryAll("FeatureUsage").isEmpty)
        let row = try #require(try await summaryRow(inner, "user-1", "2025-10-01", "customThemes"))
        #expect(row["TotalCount"] == .int64(5))
    }

    @Test("a day folded over two runs adds up in one summary row")
    func foldAcrossRuns() async throws {
        let store = try makeRetentionStore()
        let day = Timestamp.utc(year: 2025, month: 12, day: 14)
        let morning = RetentionTime.adding(10 * 3_600, to: day)
        let evening = RetentionTime.adding(20 * 3_600, to: day)
        try await seed(
            store,
            "FeatureUsage",
            [usage("user-1", at: morning, "00000001"), usage("user-1", at: evening, "00000002", allowed: false)]
        )
        let firstNow = RetentionTime.adding(90 * 86_400 + 15 * 3_600, to: day)
        let secondNow = RetentionTime.adding(86_400, to: firstNow)

        let first = try await FeatureUsageCleanup.run(store: store, now: firstNow.date, logger: .silent)
        let second = try await FeatureUsageCleanup.run(store: store, now: secondNow.date, logger: .silent)

        #expect(first.deleted == 1)
        #expect(second.deleted == 1)
        let row = try #require(try await summaryRow(store, "user-1", "2025-12-14", "customThemes"))
        #expect(row["AllowedCount"] == .int64(1))
        #expect(row["DeniedCount"] == .int64(1))
        #expect(row["FirstEventAt"] == .dateTime(morning))
        #expect(row["LastEventAt"] == .dateTime(evening))
    }

    @Test("many rows fold in chunks of at most 100 with exact totals")
    func chunks() async throws {
        let store = CountingTableStore(try makeRetentionStore())
        let features = ["customThemes", "apiAccess", "videoBackgrounds"]
        let rows = (0..<250).map { index in
            usage(
                "user-9",
                at: RetentionTime.adding(Int64(index) * 3_600, to: oldDay),
                String(format: "%08x", index),
                feature: features[index % 3],
                allowed: index % 5 != 0
            )
        }
        try await seed(store, "FeatureUsage", rows)
        store.reset()

        let summary = try await FeatureUsageCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(summary.deleted == 250)
        let summaries = try await store.queryAll("FeatureUsageSummary").filter { $0["RecordType"] == "Daily" }
        #expect(summaries.reduce(0) { $0 + ($1["TotalCount"]?.int64Value ?? 0) } == 250)
        #expect(summaries.reduce(0) { $0 + ($1["DeniedCount"]?.int64Value ?? 0) } == 50)
        #expect(store.counts.batchSizes.allSatisfy { $0 <= 100 })
        #expect(store.counts.batches <= 6)
    }

    @Test("folding stops at a row not yet past the cutoff, so the marker never passes an uncounted row")
    func stopsAtYoungRow() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "FeatureUsage",
            [
                usage("user-1", at: oldDay, "00000001"),
                usage("user-1", at: RetentionTime.adding(60, to: oldDay), "00000002", value: .dateTime(retentionNow)),
                usage("user-1", at: RetentionTime.adding(120, to: oldDay), "00000003"),
            ]
        )

        let summary = try await FeatureUsageCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(summary.deleted == 1)
        #expect(summary.keptBy == ["withinRetention": 1, "waitingForOlderRows": 1])
        #expect(try await rowKeys(store, "FeatureUsage").map { String($0.suffix(8)) } == ["00000002", "00000003"])
    }
}
