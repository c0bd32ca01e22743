import Foundation
import LinkTomeCore
import TableStorage

#if canImport(Glibc)
    import Glibc
#endif

/// Measures two housekeeping jobs on a generated load: `rows` expired security events over 20
/// event types (plus a tenth as many young ones that must stay), and `rows` feature-usage rows older
/// than the retention over `users` users and 4 features, folded into daily summaries. The rows are
/// written in partition batches, then each job runs once, and once more to show the second run is
/// a no-op.
public enum RetentionBenchmark {
    /// The figures of one benchmark run.
    public struct Report: Sendable {
        public var rows: Int
        public var users: Int
        public var seedSeconds: Double
        public var securityEventSeconds: Double
        public var featureUsageSeconds: Double
        public var secondRunSeconds: Double
        /// The process's peak resident set size (`ru_maxrss`), in MiB.
        public var peakMemoryMiB: Double
        public var securityEvents: RetentionSummary
        public var featureUsage: RetentionSummary
        public var secondRunsIdle: Bool

        /// A few lines for the terminal.
        public var text: String {
            func rate(_ count: Int, _ seconds: Double) -> String { String(Int(Double(count) / max(seconds, 0.001))) }
            let seconds = { (value: Double) in String(format: "%.2f", value) }
            return """
                seed: \(rows + rows / 10) security events, \(rows) feature-usage rows over \(users) users in \
                \(seconds(seedSeconds)) s
                security event cleanup: \(securityEvents.deleted) deleted in \(seconds(securityEventSeconds)) s \
                (\(rate(securityEvents.deleted, securityEventSeconds)) rows/s); \
                the \(rows / 10) younger rows are not candidates
                feature usage cleanup: \(featureUsage.deleted) folded and deleted in \(seconds(featureUsageSeconds)) s \
                (\(rate(featureUsage.deleted, featureUsageSeconds)) rows/s), \
                \(featureUsage.payload["SummaryRowsWritten"]?.intValue ?? 0) summary rows
                second runs: \(secondRunsIdle ? "nothing to do" : "NOT idle") in \(seconds(secondRunSeconds)) s
                peak memory: \(String(format: "%.0f", peakMemoryMiB)) MiB
                """
        }
    }

    /// Seeds `store`, runs the jobs at `now` and times them with `clock` (wall time).
    public static func run(
        store: any TableStore,
        rows: Int = 100_000,
        users: Int = 500,
        now: Timestamp,
        clock: any TimeSource = SystemTimeSource(),
        logger: Logger
    ) async throws -> Report {
        let rows = max(1, rows)
        let users = max(1, users)
        let start = clock.now()
        try await seedSecurityEvents(store, rows: rows, now: now)
        try await seedFeatureUsage(store, rows: rows, users: users, now: now)
        let seeded = clock.now()
        let security = try await SecurityEventCleanup.run(store: store, now: now.date, logger: logger)
        let secured = clock.now()
        let usage = try await FeatureUsageCleanup.run(store: store, now: now.date, logger: logger)
        let folded = clock.now()
        let again = [
            try await SecurityEventCleanup.run(store: store, now: now.date, logger: logger),
            try await FeatureUsageCleanup.run(store: store, now: now.date, logger: logger),
        ]
        let end = clock.now()
        return Report(
            rows: rows,
            users: users,
            seedSeconds: seeded.timeIntervalSince(start),
            securityEventSeconds: secured.timeIntervalSince(seeded),
            featureUsageSeconds: folded.timeIntervalSince(secured),
            secondRunSeconds: end.timeIntervalSince(folded),
            peakMemoryMiB: peakMemoryMiB(),
            securityEvents: security,
            featureUsage: usage,
            secondRunsIdle: again.allSatisfy(\.nothingToDo)
        )
    }

    private static func seedSecurityEvents(_ store: any TableStore, rows: Int, now: Timestamp) async throws {
        try await store.createTableIfNotExists(SecurityEventCleanup.table)
        let types = (0..<20).map { "BenchEvent\($0)" }
        let young = rows / 10
        for (typeIndex, type) in types.enumerated() {
            let indices = Array(stride(from: typeIndex, to: rows + young, by: types.count))
            try await writeBatches(
                store,
                SecurityEventCleanup.table,
                indices.map { index in
                    let age = index < rows ? Int64(100 * 86_400 + index) : Int64(index % 86_400)
                    let instant = RetentionTime.adding(-age, to: now)
                    return TableEntity(
                        partitionKey: type,
                        rowKey: RetentionTime.tickKey(instant) + "-" + String(format: "%08x", index),
                        properties: [
                            "EventTimestamp": .dateTime(instant), "IpAddress": "203.0.113.7", "UserId": "unknown",
                        ]
                    )
                }
            )
        }
    }

    private static func seedFeatureUsage(_ store: any TableStore, rows: Int, users: Int, now: Timestamp) async throws {
        try await store.createTableIfNotExists(FeatureUsageCleanup.table)
        let features = ["customThemes", "apiAccess", "videoBackgrounds", "linkScheduling"]
        for user in 0..<users {
            let indices = Array(stride(from: user, to: rows, by: users))
            try await writeBatches(
                store,
                FeatureUsageCleanup.table,
                indices.map { index in
                    let instant = RetentionTime.adding(-Int64(95 * 86_400 + index * 37), to: now)
                    return TableEntity(
                        partitionKey: "bench-user-\(user)",
                        rowKey: RetentionTime.tickKey(instant) + "-" + String(format: "%08x", index),
                        properties: [
                            "EventTimestamp": .dateTime(instant), "Feature": .string(features[index % features.count]),
                            "Allowed": .bool(index % 4 != 0), "Tier": "free",
                        ]
                    )
                }
            )
        }
    }

    /// Writes rows of one partition in batches of 100.
    private static func writeBatches(_ store: any TableStore, _ table: String, _ rows: [TableEntity]) async throws {
        for start in stride(from: 0, to: rows.count, by: BatchDeleter.maximumBatchSize) {
            let slice = rows[start..<min(start + BatchDeleter.maximumBatchSize, rows.count)]
            try await store.submitBatch(slice.map { .upsert($0, mode: .replace) }, in: table)
        }
    }

    private static func peakMemoryMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1_024
    }
}
