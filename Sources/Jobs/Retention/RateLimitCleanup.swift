import Foundation
import LinkTomeCore
import TableStorage

/// `Start-RateLimitCleanup` (every 30 minutes): deletes `RateLimits` rows whose own window has passed.
///
/// The original deleted every row idle for an hour, which reset the API's daily quota (`v1-daily`
/// counts over 86,400 s). Here a row is deleted only when `WindowStart + window < now`, with the
/// window of its partition from ``RateLimitWindows``: exactly then the limiter would start a new
/// window anyway, so deleting the row changes nothing for the caller. A row without `WindowStart` is
/// judged by `LastRequest` (never earlier than the window start), and so is one whose `WindowStart`
/// is not a date (kept as `unparsableWindowStart` while its `LastRequest` window is open); a row
/// with neither is kept. A row the store cannot decode is counted as failed (`unreadableRow`).
///
/// Returns the original's `TotalEntries` (rows examined) besides the common counts.
public enum RateLimitCleanup {
    public static let command = "Start-RateLimitCleanup"
    public static let table = "RateLimits"

    /// Runs the cleanup once at `now`.
    public static func run(
        store: any TableStore,
        now: Date,
        windows: RateLimitWindows = .linkTome,
        logger: Logger
    ) async throws -> RetentionSummary {
        let instant = Timestamp(now)
        let earliestExpiry = RetentionTime.adding(-Int64(windows.shortest), to: instant)
        let sweep = RetentionSweep(
            store: store,
            table: table,
            filter: RetentionTime.candidates("WindowStart", before: earliestExpiry)
                || RetentionTime.candidates("LastRequest", before: earliestExpiry),
            select: ["WindowStart", "LastRequest"],
            logger: logger
        )
        let result = try await sweep.run { entity in verdict(for: entity, now: instant, windows: windows) }

        var summary = result.counts
        summary.command = command
        let subject = "\(table) rows whose window has passed"
        summary.message = RetentionMessage.compose(summary, subject: subject, tableMissing: result.tableMissing)
        summary.payload = ["TotalEntries": .integer(Int64(summary.examined))]
        summary.payload["StoreRequests"] = .integer(Int64(result.requests))
        RetentionMessage.log(summary, logger: logger)
        return summary
    }

    /// The rule for one counter row.
    static func verdict(for entity: TableEntity, now: Timestamp, windows: RateLimitWindows) -> RowVerdict {
        let windowStart = RetentionTime.read(entity["WindowStart"])
        var reading = windowStart
        if reading.instant == nil, case .instant = RetentionTime.read(entity["LastRequest"]) {
            reading = RetentionTime.read(entity["LastRequest"])
        }
        guard let start = reading.instant else { return .keep(reading.problem ?? "unparsableDate") }
        let window = Int64(windows.window(forPartition: entity.partitionKey))
        let end = RetentionTime.adding(window, to: start)
        if end < now { return .delete("windowExpired") }
        // A WindowStart that is there but not a date: kept by LastRequest, and said so.
        return windowStart == .unparsable ? .keep("unparsableWindowStart") : .keep("windowOpen")
    }
}
