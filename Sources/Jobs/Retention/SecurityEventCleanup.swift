import Foundation
import LinkTomeCore
import TableStorage

/// `Start-SecurityEventCleanup` (daily at 01:00): deletes `SecurityEvents` rows whose
/// `EventTimestamp` is older than the retention window (default 90 days).
///
/// A row exactly at the cutoff is kept. Rows whose `EventTimestamp` is missing are never candidates
/// (the server-side filter cannot see them); string values are examined and unparsable ones are kept
/// and reported as `unparsableDate`. Returns the original's `TotalEvents` (rows examined) and
/// `RetentionDays` besides the common counts.
public enum SecurityEventCleanup {
    public static let command = "Start-SecurityEventCleanup"
    public static let table = "SecurityEvents"
    /// Days to keep security events (default 90).
    public static let retentionDaysSetting = "LINKTOME_SECURITY_EVENT_RETENTION_DAYS"

    /// The job's settings.
    public struct Configuration: Sendable, Equatable {
        /// Rows older than this many days are deleted (1...36500).
        public var retentionDays: Int

        public init(retentionDays: Int = 90) {
            self.retentionDays = retentionDays
        }

        /// Reads ``SecurityEventCleanup/retentionDaysSetting``.
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
        let cutoff = RetentionTime.adding(-Int64(configuration.retentionDays) * RetentionTime.day, to: Timestamp(now))
        let sweep = RetentionSweep(
            store: store,
            table: table,
            filter: RetentionTime.candidates("EventTimestamp", before: cutoff),
            select: ["EventTimestamp"],
            logger: logger
        )
        let result = try await sweep.run { entity in
            let reading = RetentionTime.read(entity["EventTimestamp"])
            guard let instant = reading.instant else { return .keep(reading.problem ?? "unparsableDate") }
            return instant < cutoff ? .delete("expired") : .keep("withinRetention")
        }

        var summary = result.counts
        summary.command = command
        let subject =
            "\(table) rows older than \(configuration.retentionDays) days (before \(RetentionTime.text(cutoff)))"
        summary.message = RetentionMessage.compose(summary, subject: subject, tableMissing: result.tableMissing)
        summary.payload = [
            "TotalEvents": .integer(Int64(summary.examined)),
            "RetentionDays": .integer(Int64(configuration.retentionDays)),
            "Cutoff": .string(RetentionTime.text(cutoff)),
        ]
        summary.payload["StoreRequests"] = .integer(Int64(result.requests))
        RetentionMessage.log(summary, logger: logger)
        return summary
    }
}
