import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

/// 03:00 UTC, when the aggregation is scheduled.
private let aggregationNow = Timestamp.utc(year: 2026, month: 3, day: 10, hour: 3)

@Suite("Analytics aggregation")
struct BusinessAnalyticsAggregationTests {
    private struct InjectedCrash: Error {}

    private func job(_ store: any TableStore, chunk: Int = 10_000) -> AnalyticsAggregation {
        AnalyticsAggregation(store: store, options: .init(chunkEvents: chunk), logger: .silent)
    }

    /// The seeded raw events the run must aggregate: older than the settle margin, younger than the retention.
    private func dueEvents() -> [TableEntity] {
        let cutoff = Timestamp(seconds: aggregationNow.seconds - 300)
        let oldest = Timestamp(seconds: aggregationNow.seconds - 180 * 86_400)
        return (BusinessDemoData.tables(now: businessNow)["Analytics"] ?? []).filter { event in
            guard let instant = event["EventTimestamp"]?.dateTimeValue else { return false }
            return instant < cutoff && instant >= oldest
        }
    }

    /// Counts per user row `user-<id>|day`, recounted naively from the events.
    private func recount(_ events: [TableEntity]) -> [String: (views: Int, clicks: Int, redirects: Int)] {
        var counts: [String: (views: Int, clicks: Int, redirects: Int)] = [:]
        for event in events {
            let day = String(event["EventTimestamp"]!.dateTimeValue!.iso8601(fractionDigits: 0).prefix(10))
            let key = "user-\(event.partitionKey)|\(day)"
            var entry = counts[key] ?? (0, 0, 0)
            switch event["EventType"]?.stringValue {
            case "PageView": entry.views += 1
            case "LinkClick": entry.clicks += 1
            default: entry.redirects += 1
            }
            counts[key] = entry
        }
        return counts
    }

    @Test("changes only analytics rows, counts every due event once, and a second run changes nothing")
    func expectedRowsOnly() async throws {
        let store = try await seededBusinessStore()
        let before = try await StoreSnapshot.take(store)
        let result = try await job(store).runInline(now: aggregationNow, logger: .silent)
        let after = try await StoreSnapshot.take(store)
        #expect(result.status == .success)

        let due = dueEvents()
        #expect(result["ProcessedEvents"] == due.count)
        let changedTables = Set(before.changedRows(to: after).map { String($0.split(separator: "|")[0]) })
        #expect(changedTables == ["Analytics", "AnalyticsAggregated", "AnalyticsAggregationState"])

        let removed = Set(before.rows("Analytics").keys).subtracting(after.rows("Analytics").keys)
        let expectedRemoved = Set(
            (BusinessDemoData.tables(now: businessNow)["Analytics"] ?? []).filter { event in
                event["EventType"] != "ShortLinkRedirect"
                    && event["EventTimestamp"]!.dateTimeValue! < Timestamp(seconds: aggregationNow.seconds - 300)
            }.map(\.key)
        )
        #expect(removed == expectedRemoved)
        #expect(after.rows("Analytics").values.contains { $0["EventType"] == "ShortLinkRedirect" })

        let demo = BusinessDemoData.userId("demo")
        let yesterday = String(Timestamp(seconds: businessNow.seconds - 86_400).iso8601(fractionDigits: 0).prefix(10))
        for (key, expected) in recount(due) {
            let parts = key.split(separator: "|").map(String.init)
            let row = try #require(after.row("AnalyticsAggregated", parts[0], parts[1]), "missing \(key)")
            let legacy = parts[0] == "user-\(demo)" && parts[1] == yesterday
            #expect(row["PageViewCount"]?.intValue == expected.views + (legacy ? 5 : 0), "\(key)")
            #expect(row["LinkClickCount"]?.intValue == expected.clicks + (legacy ? 2 : 0), "\(key)")
            #expect((row["ShortLinkRedirectCount"]?.intValue ?? 0) == expected.redirects, "\(key)")
            #expect(row["UniqueVisitorsJson"] == nil)
        }
        let old = String(Timestamp(seconds: businessNow.seconds - 200 * 86_400).iso8601(fractionDigits: 0).prefix(10))
        #expect(after.row("AnalyticsAggregated", "user-\(demo)", old) == nil)
        #expect(result["AggregatedRecordsDeleted"] == 1)
        #expect(result["ExpiredEvents"] == 1)

        let second = try await job(store).runInline(now: aggregationNow, logger: .silent)
        #expect(try await StoreSnapshot.take(store) == after)
        #expect(second["ProcessedEvents"] == 0)
    }

    @Test("legacy single-element JSON and top lists merge into exact maps")
    func legacyMerge() async throws {
        let store = try await seededBusinessStore()
        _ = try await job(store).runInline(now: aggregationNow, logger: .silent)
        let demo = BusinessDemoData.userId("demo")
        let yesterday = String(Timestamp(seconds: businessNow.seconds - 86_400).iso8601(fractionDigits: 0).prefix(10))
        let row = try #require(
            try await store.get(from: "AnalyticsAggregated", partitionKey: "user-\(demo)", rowKey: yesterday)
        )
        let referrers = try JSONParser.parse(try #require(row["ReferrerCountsJson"]?.stringValue))
        let recounted = dueEvents().filter {
            $0.partitionKey == demo && $0["EventType"] == "PageView" && $0["Referrer"] == "https://google.com"
                && $0["EventTimestamp"]!.dateTimeValue!.iso8601().hasPrefix(yesterday)
        }.count
        #expect(referrers["https://google.com"]?.intValue == 3 + recounted)
        let top = try JSONParser.parse(try #require(row["TopReferrersJson"]?.stringValue))
        #expect(top.arrayValue != nil)
        #expect(row["UniqueVisitorHashes"]?.stringValue?.isEmpty == false)
    }

    @Test(
        "a crash at any stage and a rerun give the totals of a clean run",
        arguments: AnalyticsAggregation.Stage.allCases
    )
    func crashRecovery(stage: AnalyticsAggregation.Stage) async throws {
        let clean = try await seededBusinessStore()
        _ = try await job(clean, chunk: 20).runInline(now: aggregationNow, logger: .silent)
        let expected = try await StoreSnapshot.take(clean)

        let crashed = try await seededBusinessStore()
        var faulty = job(crashed, chunk: 20)
        let alice = BusinessDemoData.userId("alice")
        faulty.faultInjector = { at, partition in
            if at == stage, partition == alice { throw BusinessJobsError(.injectedFault, "crash at \(at)") }
        }
        await #expect(throws: BusinessJobsError.self) {
            _ = try await faulty.process(.object(["Partitions": [.string(alice)]]), now: aggregationNow)
        }
        _ = try await job(crashed, chunk: 20).runInline(now: aggregationNow, logger: .silent)
        let recovered = try await StoreSnapshot.take(crashed)
        #expect(StoreSnapshot.same(recovered.rows("AnalyticsAggregated"), expected.rows("AnalyticsAggregated")))
        #expect(StoreSnapshot.same(recovered.rows("Analytics"), expected.rows("Analytics")))
    }

    @Test("kept short-link events are deleted once older than the retention, never counted twice")
    func shortLinkEventsExpire() async throws {
        let store = try await seededBusinessStore()
        let first = try await job(store).runInline(now: aggregationNow, logger: .silent)
        let kept = try await store.queryAll("Analytics", filter: .equal("EventType", "ShortLinkRedirect")).count
        #expect(kept > 0)
        #expect(first["KeptShortLinkEvents"] == kept)

        let later = Timestamp(seconds: aggregationNow.seconds + 100 * 86_400)
        let second = try await job(store).runInline(now: later, logger: .silent)
        #expect(second["ExpiredShortLinkEventsDeleted"] == 0)
        #expect(second["ProcessedEvents"] == 0)

        let muchLater = Timestamp(seconds: aggregationNow.seconds + 190 * 86_400)
        let third = try await job(store).runInline(now: muchLater, logger: .silent)
        #expect(third["ExpiredShortLinkEventsDeleted"] == kept)
        #expect(try await store.queryAll("Analytics").isEmpty)
    }

    @Test("small chunks give the same counts as one big chunk")
    func chunkingIsInvisible() async throws {
        let small = try await seededBusinessStore()
        let large = try await seededBusinessStore()
        _ = try await job(small, chunk: 3).runInline(now: aggregationNow, logger: .silent)
        _ = try await job(large).runInline(now: aggregationNow, logger: .silent)
        let names = ["PageViewCount", "LinkClickCount", "ClickCount", "UniqueVisitorCount", "ReferrerCountsJson"]
        func counts(_ snapshot: StoreSnapshot) -> [TableEntityKey: [String: TableValue]] {
            snapshot.rows("AnalyticsAggregated").mapValues { $0.filter { names.contains($0.key) } }
        }
        #expect(counts(try await StoreSnapshot.take(small)) == counts(try await StoreSnapshot.take(large)))
    }
}

@Suite("Analytics building blocks")
struct BusinessAnalyticsPartsTests {
    @Test("SipHash-2-4 matches the reference vector")
    func sipHashVector() {
        let hasher = SipHasher(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
        let message = String(decoding: (0..<15).map { UInt8($0) }, as: UTF8.self)
        #expect(hasher.hash(message) == 0xa129_ca61_49be_45e5)
        #expect(hasher.hash("") == 0x726f_db47_dd0e_0e31)
    }

    @Test("visitor sets are exact up to the cap and estimate within a few percent beyond")
    func visitorSet() {
        let hasher = SipHasher(secret: "test")
        var small = VisitorSet()
        for index in 0..<500 { small.insert(hasher.hash("10.0.\(index / 256).\(index % 256)")) }
        small.merge(small)
        #expect(small.count == 500)
        #expect(!small.isApproximate)
        let reread = VisitorSet(hashes: small.storedHashes, sketch: small.storedSketch)
        #expect(reread == small)

        var large = VisitorSet()
        for key in ["a", "b", "c"] {
            let keyed = SipHasher(secret: key)
            var sketch = VisitorSet()
            for index in 0..<50_000 { sketch.insert(keyed.hash("visitor-\(index)")) }
            #expect(sketch.isApproximate)
            #expect(abs(sketch.count - 50_000) < 3_000, "key \(key): \(sketch.count)")
            large = sketch
        }
        let copy = large
        large.merge(copy)
        #expect(large == copy)
        #expect(VisitorSet(hashes: nil, sketch: large.storedSketch).count == large.count)
    }

    @Test("count maps split over numbered properties and read back exactly")
    func countMapParts() {
        var map = CountMap()
        for index in 0..<2_000 { map.add("https://referrer-\(index).example.com/some/long/path", index % 7 + 1) }
        let properties = map.properties("ReferrerCountsJson")
        #expect(properties.count >= 3)
        #expect(properties.values.allSatisfy { ($0.stringValue?.utf16.count ?? 0) <= CountMap.partCharacters })
        let entity = TableEntity(partitionKey: "p", rowKey: "r", properties: properties)
        let reread = CountMap(entity: entity, name: "ReferrerCountsJson", legacy: "TopReferrersJson", label: "referrer")
        #expect(reread.counts == map.counts)
        #expect(!reread.truncated)
    }
}
