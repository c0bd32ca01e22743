import Foundation
import LinkTomeCore
import TableStorage

#if canImport(Glibc)
    import Glibc
#endif

/// Measures the aggregation on a generated load: `events` raw events over `users` users and the
/// last `days` days (a nightly run sees one day): 70 % page views, 25 % link clicks, 5 % short-link
/// redirects; 3 pages and 10 links per user; 5,000 visitors, 50 referrers, 30 user agents. The events
/// are written in batches, then aggregated once.
public enum AnalyticsAggregationBenchmark {
    /// The figures of one benchmark run.
    public struct Report: Sendable {
        public var events: Int
        public var users: Int
        public var seedSeconds: Double
        public var aggregateSeconds: Double
        /// Processor time (user + system) of the aggregation, in seconds.
        public var aggregateCPUSeconds: Double
        /// The process's peak resident set size (`ru_maxrss`), in MiB.
        public var peakMemoryMiB: Double
        public var result: BusinessJobResult

        /// A few lines for the terminal.
        public var text: String {
            let rate = Double(events) / max(aggregateSeconds, 0.001)
            return """
                events: \(events) over \(users) users
                seed: \(String(format: "%.1f", seedSeconds)) s
                aggregate: \(String(format: "%.1f", aggregateSeconds)) s (\(Int(rate)) events/s), \
                CPU \(String(format: "%.1f", aggregateCPUSeconds)) s
                peak memory: \(String(format: "%.0f", peakMemoryMiB)) MiB
                result: \(result.json.jsonText)
                """
        }
    }

    /// Seeds `store` and aggregates; `clock` times the two phases (wall time).
    public static func run(
        store: any TableStore,
        events: Int = 1_000_000,
        users: Int = 2_000,
        days: Int = 1,
        now: Timestamp,
        concurrency: Int = 2,
        clock: any TimeSource = SystemTimeSource(),
        logger: Logger
    ) async throws -> Report {
        let seedStart = clock.now()
        try await seed(store: store, events: events, users: max(1, users), days: max(1, days), now: now)
        let aggregateStart = clock.now()
        let cpuStart = cpuSeconds()
        let job = AnalyticsAggregation(store: store, logger: logger)
        let result = try await job.runInline(now: now, concurrency: concurrency, logger: logger)
        let end = clock.now()
        let cpu = cpuSeconds() - cpuStart
        return Report(
            events: events,
            users: max(1, users),
            seedSeconds: aggregateStart.timeIntervalSince(seedStart),
            aggregateSeconds: end.timeIntervalSince(aggregateStart),
            aggregateCPUSeconds: cpu,
            peakMemoryMiB: peakMemoryMiB(),
            result: result
        )
    }

    /// Writes the generated events, one partition at a time, 100 per batch.
    static func seed(store: any TableStore, events: Int, users: Int, days: Int, now: Timestamp) async throws {
        try await store.createTableIfNotExists(AnalyticsAggregation.rawTable)
        var random = DemoRandom(seed: 7)
        let perUser = events / users
        let agents = (0..<30).map {
            "Mozilla/5.0 (Benchmark \($0); rv:\($0 + 100).0) Gecko/20100101 Firefox/\($0 + 100).0"
        }
        let referrers = (0..<50).map { "https://ref\($0).example.com/" }
        let span = Int64(days) * 86_400
        let start = now.seconds - span
        for user in 0..<users {
            let userId = "user-bench-\(user)"
            let count = perUser + (user < events % users ? 1 : 0)
            var writer = PartitionBatchWriter(store: store, table: AnalyticsAggregation.rawTable)
            for index in 0..<count {
                let offset = Int64(index) * (span - 600) / Int64(max(count, 1))
                let instant = Timestamp(seconds: start + offset, nanoseconds: Int32(index % 1_000) * 1_000)
                var event = TableEntity(
                    partitionKey: userId,
                    rowKey: "\(BusinessFields.dotNetTicks(instant))-\(BusinessHash.hex8("\(user)-\(index)"))"
                )
                event["EventTimestamp"] = .dateTime(instant)
                event["Username"] = .string("bench\(user)")
                event["IpAddress"] = .string("198.18.\(random.next(20)).\(random.next(250))")
                event["UserAgent"] = .string(random.pick(agents))
                event["Referrer"] = .string(random.pick(referrers))
                let kind = random.next(100)
                if kind < 70 {
                    event["EventType"] = .string("PageView")
                    event["PageId"] = .string("page-bench-\(user)-\(random.next(3))")
                } else if kind < 95 {
                    let link = random.next(10)
                    event["EventType"] = .string("LinkClick")
                    event["PageId"] = .string("page-bench-\(user)-0")
                    event["LinkId"] = .string("link-bench-\(user)-\(link)")
                    event["LinkTitle"] = .string("Link \(link)")
                    event["LinkUrl"] = .string("https://example.com/\(link)")
                } else {
                    event["EventType"] = .string("ShortLinkRedirect")
                    event["LinkId"] = .string("s\(user)x\(random.next(3))")
                }
                await writer.add(.insert(event))
            }
            await writer.flush()
            guard writer.failed == 0 else {
                throw BusinessJobsError(.invalidRow, "benchmark seeding failed: \(writer.failures.first ?? "")")
            }
        }
    }

    /// User plus system processor time of this process so far, in seconds.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1_000_000
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1_000_000
    }

    /// Peak resident memory of this process in MiB (Linux reports `ru_maxrss` in KiB).
    public static func peakMemoryMiB() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1_024
    }
}
