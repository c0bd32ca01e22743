import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

/// A `SecurityEvents` row as `Write-SecurityEvent` writes it, with `EventTimestamp` = `value`.
private func event(_ type: String, at instant: Timestamp, _ suffix: String, value: TableValue?) -> TableEntity {
    var row = TableEntity(partitionKey: type, rowKey: RetentionTime.tickKey(instant) + "-" + suffix)
    row["EventTimestamp"] = value
    row["UserId"] = "unknown"
    row["IpAddress"] = "203.0.113.9"
    return row
}

private func event(_ type: String, at instant: Timestamp, _ suffix: String) -> TableEntity {
    event(type, at: instant, suffix, value: .dateTime(instant))
}

@Suite("Security event cleanup")
struct RetentionSecurityEventTests {
    let cutoff = retentionAt(-90 * 86_400)

    @Test("deletes events older than 90 days and keeps the one exactly at the cutoff and younger")
    func boundaries() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "SecurityEvents",
            [
                event("LoginSuccess", at: RetentionTime.adding(-1, to: cutoff), "aaaaaaaa"),
                event("LoginSuccess", at: cutoff, "bbbbbbbb"),
                event("AuthFailed", at: RetentionTime.adding(1, to: cutoff), "cccccccc"),
                event("AuthFailed", at: retentionAt(-3_600), "dddddddd"),
                event("BotBlocked", at: retentionAt(-400 * 86_400), "eeeeeeee"),
            ]
        )

        let summary = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let remaining = try await rowKeys(store, "SecurityEvents").map { String($0.suffix(8)) }
        #expect(remaining == ["bbbbbbbb", "cccccccc", "dddddddd"])
        #expect(summary.deleted == 2)
        #expect(summary.deletedBy == ["expired": 2])
        #expect(summary.failed == 0)
        #expect(summary.status == .success)
        #expect(summary.json["RetentionDays"] == 90)
        #expect(summary.json["DeletedCount"] == 2)
        #expect(summary.json["Status"] == "Success")
    }

    @Test("rows without the date column or with an unparsable date are kept; old ISO strings are deleted")
    func missingAndUnparsableDates() async throws {
        let store = try makeRetentionStore()
        let old = RetentionTime.adding(-86_400, to: cutoff)
        try await seed(
            store,
            "SecurityEvents",
            [
                event("AuthFailed", at: old, "00000001", value: nil),
                event("AuthFailed", at: old, "00000002", value: "not a date"),
                event("AuthFailed", at: old, "00000003", value: .string(old.iso8601(fractionDigits: 7))),
                event("AuthFailed", at: old, "00000004", value: "2025-01-01T10:00:00+02:00"),
                event("AuthFailed", at: old, "00000005", value: .int32(7)),
            ]
        )

        let summary = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let remaining = try await rowKeys(store, "SecurityEvents").map { String($0.suffix(8)) }
        #expect(remaining == ["00000001", "00000002", "00000005"])
        #expect(summary.deletedBy == ["expired": 2])
        #expect(summary.keptBy["unparsableDate"] == 1)
    }

    @Test("a second run right after the first deletes nothing and says so")
    func secondRunIsANoOp() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "SecurityEvents",
            [
                event("LoginSuccess", at: RetentionTime.adding(-1, to: cutoff), "aaaaaaaa"),
                event("LoginSuccess", at: retentionAt(-60), "bbbbbbbb"),
            ]
        )
        let first = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        let second = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(first.deleted == 1)
        #expect(!first.nothingToDo)
        #expect(second.deleted == 0)
        #expect(second.nothingToDo)
        #expect(second.json["NothingToDo"] == true)
        #expect(second.message.hasPrefix("Nothing to delete"))
    }

    @Test("a missing table is an empty one")
    func missingTable() async throws {
        let store = try makeRetentionStore()
        let summary = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(summary.nothingToDo)
        #expect(summary.message.contains("does not exist"))
    }

    @Test("the retention comes from its setting, and a retention of zero days is refused")
    func retentionSetting() throws {
        let configured = try SecurityEventCleanup.Configuration(
            settings: Settings(["LINKTOME_SECURITY_EVENT_RETENTION_DAYS": "30"])
        )
        #expect(configured.retentionDays == 30)
        #expect(try SecurityEventCleanup.Configuration(settings: Settings([:])).retentionDays == 90)
        #expect(throws: RetentionError.self) {
            try SecurityEventCleanup.Configuration(settings: Settings(["LINKTOME_SECURITY_EVENT_RETENTION_DAYS": "0"]))
        }
        #expect(throws: RetentionError.self) {
            try SecurityEventCleanup.Configuration(settings: Settings(["LINKTOME_SECURITY_EVENT_RETENTION_DAYS": "x"]))
        }
    }
}

@Suite("Batched deletes")
struct RetentionBatchingTests {
    /// 250 expired events over three partitions (120, 80, 50).
    private func expiredEvents() -> [TableEntity] {
        let old = retentionAt(-200 * 86_400)
        let sizes = [("AuthFailed", 120), ("BotBlocked", 80), ("LoginSuccess", 50)]
        return sizes.flatMap { type, count in
            (0..<count).map { index in
                event(type, at: RetentionTime.adding(Int64(index), to: old), String(format: "%08x", index))
            }
        }
    }

    @Test("250 expired rows over 3 partitions are deleted in partition batches of at most 100")
    func batchesPerPartition() async throws {
        let store = CountingTableStore(try makeRetentionStore())
        try await seed(store, "SecurityEvents", expiredEvents())
        store.reset()

        let summary = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let counts = store.counts
        #expect(summary.deleted == 250)
        #expect(try await store.queryAll("SecurityEvents").isEmpty)
        #expect(counts.batchSizes == [100, 20, 80, 50])
        #expect(counts.deletes == 0)
        #expect(counts.batches + counts.deletes <= 3 * 3)
        #expect(summary.json["StoreRequests"] == .integer(Int64(counts.queries + counts.batches + counts.deletes)))
    }

    @Test("one row failing in a batch is counted and logged; the rest of the batch is deleted")
    func perRowFailureIsolated() async throws {
        let poisoned = TableEntityKey(partitionKey: "BotBlocked", rowKey: expiredEvents()[130].rowKey)
        let inner = try makeRetentionStore()
        let store = CountingTableStore(inner) { key in
            key == poisoned ? TableStorageError(.badRequest, code: "InvalidInput", message: "rejected") : nil
        }
        try await seed(store, "SecurityEvents", expiredEvents())
        let (logger, sink) = retentionCollectingLogger()

        let summary = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: logger)

        #expect(summary.deleted == 249)
        #expect(summary.failedBy == ["badRequest": 1])
        #expect(summary.status == .completedWithErrors)
        #expect(summary.message.contains("1 failed"))
        #expect(try await store.queryAll("SecurityEvents").map(\.key) == [poisoned])
        #expect(sink.collected.contains { $0.level == .warning && $0.metadata["rowKey"] == poisoned.rowKey })
    }

    @Test("a store-wide failure fails its batch's rows without retrying each; the next run finishes")
    func storeWideFailure() async throws {
        let inner = try makeRetentionStore()
        let failing = CountingTableStore(inner) { key in
            key.partitionKey == "BotBlocked"
                ? TableStorageError(.throttled, code: "ServerBusy", message: "busy", status: 503) : nil
        }
        try await seed(inner, "SecurityEvents", expiredEvents())

        let first = try await SecurityEventCleanup.run(store: failing, now: retentionNow.date, logger: .silent)
        let second = try await SecurityEventCleanup.run(store: inner, now: retentionNow.date, logger: .silent)

        #expect(first.deleted == 170)
        #expect(first.failedBy == ["throttled": 80])
        #expect(failing.counts.deletes == 0)
        #expect(second.deleted == 80)
        #expect(try await inner.queryAll("SecurityEvents").isEmpty)
    }

    @Test("a row changed after it was read is kept, not deleted")
    func changedRowKept() async throws {
        let store = try makeRetentionStore()
        let rows = expiredEvents().prefix(3)
        try await seed(store, "SecurityEvents", Array(rows))
        var read = try await store.queryAll("SecurityEvents")
        var changed = read[1]
        changed["Reason"] = "touched"
        try await store.replace(changed, in: "SecurityEvents")

        var deleter = BatchDeleter(store: store, table: "SecurityEvents", logger: .silent)
        for row in read { try await deleter.delete(row, reason: "expired") }
        try await deleter.flush()
        read = try await store.queryAll("SecurityEvents")

        #expect(deleter.outcome.deleted == 2)
        #expect(deleter.outcome.keptBy == ["changedSinceRead": 1])
        #expect(read.map(\.rowKey) == [changed.rowKey])
    }
}
