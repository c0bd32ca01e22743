import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

@Suite("Scheduled tasks and links")
struct BusinessScheduledTaskTests {
    private let alice = BusinessDemoData.userId("alice")
    private let niaj = BusinessDemoData.userId("niaj")

    private func job(_ store: any TableStore) -> ScheduledTaskOrchestrator {
        ScheduledTaskOrchestrator(store: store, logger: .silent)
    }

    private func taskKey(_ name: String) -> String { "task-" + DemoIds.guid("task:" + name) }

    private func task(_ store: any TableStore, _ name: String) async throws -> TableEntity {
        try #require(try await store.get(from: "ScheduledTasks", partitionKey: alice, rowKey: taskKey(name)))
    }

    @Test("changes exactly the due tasks and scheduled links, and a second run changes nothing")
    func expectedRowsOnly() async throws {
        let store = try await seededBusinessStore()
        let before = try await StoreSnapshot.take(store)
        let result = try await job(store).runInline(now: businessNow, logger: .silent)
        let after = try await StoreSnapshot.take(store)

        var expected = Set(
            ["hide-link", "daily-short", "retry-due", "unknown-type", "stale-lease", "missing-link"].map {
                rowRef("ScheduledTasks", alice, taskKey($0))
            }
        )
        expected.insert(rowRef("Links", alice, DemoBuilder.linkId("alice", 3)))
        expected.formUnion((0..<3).map { rowRef("Links", niaj, DemoBuilder.linkId("niaj", $0)) })
        expected.insert(rowRef("ShortLinks", alice, "alice1"))
        #expect(before.changedRows(to: after) == expected)
        #expect(result["TasksRun"] == 6)
        #expect(result["LinksActivated"] == 1)
        #expect(result["LinksDeactivated"] == 2)

        _ = try await job(store).runInline(now: businessNow, logger: .silent)
        #expect(try await StoreSnapshot.take(store) == after)
    }

    @Test("task outcomes: completed once, recurring replanned, unknown type failed, failure retried later")
    func outcomes() async throws {
        let store = try await seededBusinessStore()
        _ = try await job(store).runInline(now: businessNow, logger: .silent)

        #expect(try await task(store, "hide-link")["TaskState"] == "Completed")
        #expect(try await task(store, "done-once")["TaskState"] == "Completed")
        let daily = try await task(store, "daily-short")
        #expect(daily["TaskState"] == "Planned")
        #expect(daily["NextRunAt"]?.dateTimeValue == Timestamp(seconds: businessNow.seconds + 21 * 3_600))
        #expect(try await task(store, "unknown-type")["TaskState"] == "Failed")
        let missing = try await task(store, "missing-link")
        #expect(missing["TaskState"] == "Retrying")
        #expect(missing["NextRunAt"]?.dateTimeValue == Timestamp(seconds: businessNow.seconds + 60))
        #expect(missing["LastError"]?.stringValue?.contains("does not exist") == true)
        #expect(try await task(store, "held-lease")["TaskState"] == "Running")
        #expect(try await task(store, "future")["TaskState"] == "Planned")

        let link = try await store.get(from: "Links", partitionKey: alice, rowKey: DemoBuilder.linkId("alice", 3))
        #expect(link?["Active"] == .bool(false))
    }

    @Test("a failing task backs off, doubling, and fails for good after the last attempt")
    func backoffUntilFailed() async throws {
        let store = try await seededBusinessStore()
        var now = businessNow
        var waits: [Int64] = []
        for _ in 0..<5 {
            _ = try await job(store).process(
                .object([
                    "Tasks": WorkItemKeys.encode([TableEntityKey(partitionKey: alice, rowKey: taskKey("missing-link"))])
                ]),
                now: now
            )
            let row = try await task(store, "missing-link")
            guard let next = row["NextRunAt"]?.dateTimeValue, row["TaskState"] == "Retrying" else { break }
            waits.append(next.seconds - now.seconds)
            now = next
        }
        #expect(waits == [60, 120, 240, 480])
        let row = try await task(store, "missing-link")
        #expect(row["TaskState"] == "Failed")
        #expect(row["Attempts"]?.intValue == 5)
    }

    @Test("two runners claiming the same tasks run each task once")
    func claimsAreExclusive() async throws {
        let store = try await seededBusinessStore()
        let items = try await job(store).workItems(now: businessNow).filter { $0["Tasks"] != nil }
        let scheduler = job(store)
        async let first = scheduler.process(items[0], now: businessNow)
        async let second = scheduler.process(items[0], now: businessNow)
        let runs = try await first["TasksRun"] + second["TasksRun"]
        #expect(runs == 6)
    }

    @Test("a cron recurrence is planned in the owner's time zone")
    func cronInOwnerZone() async throws {
        let store = try await seededBusinessStore()
        var row = TableEntity(partitionKey: niaj, rowKey: "task-cron")
        row["TaskType"] = "SetLinkActive"
        row["TaskState"] = "Planned"
        row["Recurrence"] = "0 9 * * *"
        row["ScheduledTime"] = .dateTime(Timestamp(seconds: businessNow.seconds - 60))
        row["Parameters"] = .string("{\"linkId\":\"\(DemoBuilder.linkId("niaj", 0))\",\"active\":true}")
        try await store.insert(row, into: "ScheduledTasks")
        _ = try await job(store).runInline(now: businessNow, logger: .silent)
        let after = try #require(try await store.get(from: "ScheduledTasks", partitionKey: niaj, rowKey: "task-cron"))
        // 2026-03-10 02:00 UTC is 22:00 on 03-09 in New York (EDT from 03-08): next 09:00 EDT = 13:00 UTC.
        #expect(after["NextRunAt"]?.dateTimeValue == Timestamp.utc(year: 2026, month: 3, day: 10, hour: 13))
    }

    @Test("a task with an unreadable recurrence fails without running")
    func badRecurrence() async throws {
        let store = try await seededBusinessStore()
        var row = TableEntity(partitionKey: alice, rowKey: "task-bad")
        row["TaskType"] = "SetShortLinkActive"
        row["TaskState"] = "Planned"
        row["Recurrence"] = "every other tuesday"
        row["ScheduledTime"] = .string("1773100000")
        row["Parameters"] = "{\"slug\":\"alice2\",\"active\":false}"
        try await store.insert(row, into: "ScheduledTasks")
        _ = try await job(store).runInline(now: businessNow, logger: .silent)
        let after = try #require(try await store.get(from: "ScheduledTasks", partitionKey: alice, rowKey: "task-bad"))
        #expect(after["TaskState"] == "Failed")
        #expect(after["LastError"]?.stringValue?.contains("Recurrence") == true)
        #expect(
            try await store.get(from: "ShortLinks", partitionKey: alice, rowKey: "alice2")?["Active"] == .bool(true)
        )
    }

    @Test("link schedules read wall-clock times in the owner's zone")
    func linkPhases() {
        let zone = TimeZone(identifier: "America/New_York")!
        let start = ScheduledLinks.bound(.string("2026-03-10T09:00:00"), zone: zone)
        #expect(start == Timestamp.utc(year: 2026, month: 3, day: 10, hour: 13))
        let utc = ScheduledLinks.bound(.string("2026-03-10T09:00:00Z"), zone: zone)
        #expect(utc == Timestamp.utc(year: 2026, month: 3, day: 10, hour: 9))
        let now = Timestamp.utc(year: 2026, month: 3, day: 10, hour: 12)
        #expect(ScheduledLinks.phase(start: start, end: nil, now: now) == .pending)
        #expect(ScheduledLinks.phase(start: utc, end: start, now: now) == .live)
        #expect(ScheduledLinks.phase(start: nil, end: utc, now: now) == .ended)
        #expect(ScheduledLinks.phase(start: nil, end: nil, now: now) == nil)
    }
}
