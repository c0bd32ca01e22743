import Foundation
import LinkTomeCore
import TableStorage

/// `Start-TwoFactorSessionCleanup` (every 15 minutes): deletes `TwoFactorSessions` rows whose
/// `ExpiresAt` has passed (no grace, as in the original; a session expiring exactly now is kept).
///
/// Rows without `ExpiresAt` are never candidates; unparsable values are kept and reported. Returns the
/// original's `TotalSessions` (rows examined) besides the common counts.
public enum TwoFactorSessionCleanup {
    public static let command = "Start-TwoFactorSessionCleanup"
    public static let table = "TwoFactorSessions"

    /// Runs the cleanup once at `now`.
    public static func run(store: any TableStore, now: Date, logger: Logger) async throws -> RetentionSummary {
        let cutoff = Timestamp(now)
        let sweep = RetentionSweep(
            store: store,
            table: table,
            filter: RetentionTime.candidates("ExpiresAt", before: cutoff),
            select: ["ExpiresAt"],
            logger: logger
        )
        let result = try await sweep.run { entity in
            let reading = RetentionTime.read(entity["ExpiresAt"])
            guard let expiry = reading.instant else { return .keep(reading.problem ?? "unparsableDate") }
            return expiry < cutoff ? .delete("expired") : .keep("live")
        }

        var summary = result.counts
        summary.command = command
        let subject = "expired \(table) rows (ExpiresAt before \(RetentionTime.text(cutoff)))"
        summary.message = RetentionMessage.compose(summary, subject: subject, tableMissing: result.tableMissing)
        summary.payload = ["TotalSessions": .integer(Int64(summary.examined))]
        summary.payload["StoreRequests"] = .integer(Int64(result.requests))
        RetentionMessage.log(summary, logger: logger)
        return summary
    }
}
