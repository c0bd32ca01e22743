import Foundation
import LinkTomeCore
import TableStorage

/// `Start-RefreshTokenCleanup` (hourly): deletes `RefreshTokens` rows that are invalidated
/// (`IsValid` false) or expired (`ExpiresAt` before now). As in the original, an `ExpiresAt` that is
/// present but unparsable (text that is not a date, a number) counts as expired, and a row without
/// `ExpiresAt` is kept. A row the store cannot decode is counted as failed (`unreadableRow`).
///
/// Each reason is counted (`invalidated`, `expired`, `unparsableExpiry`). Returns the original's
/// `ExpiredCount` (expired plus unparsable), `InvalidCount`, `TotalTokens` (rows examined) and
/// `RemainingTokens` (examined and not deleted).
public enum RefreshTokenCleanup {
    public static let command = "Start-RefreshTokenCleanup"
    public static let table = "RefreshTokens"

    /// Runs the cleanup once at `now`.
    public static func run(store: any TableStore, now: Date, logger: Logger) async throws -> RetentionSummary {
        let cutoff = Timestamp(now)
        let sweep = RetentionSweep(
            store: store,
            table: table,
            filter: .equal("IsValid", .bool(false))
                || RetentionTime.candidates("ExpiresAt", before: cutoff, otherTypes: true),
            select: ["IsValid", "ExpiresAt"],
            logger: logger
        )
        let result = try await sweep.run { entity in verdict(for: entity, cutoff: cutoff) }

        var summary = result.counts
        summary.command = command
        let subject = "invalidated or expired \(table) rows (ExpiresAt before \(RetentionTime.text(cutoff)))"
        summary.message = RetentionMessage.compose(summary, subject: subject, tableMissing: result.tableMissing)
        let expired = (summary.deletedBy["expired"] ?? 0) + (summary.deletedBy["unparsableExpiry"] ?? 0)
        summary.payload = [
            "ExpiredCount": .integer(Int64(expired)),
            "InvalidCount": .integer(Int64(summary.deletedBy["invalidated"] ?? 0)),
            "TotalTokens": .integer(Int64(summary.examined)),
            "RemainingTokens": .integer(Int64(summary.examined - summary.deleted)),
        ]
        summary.payload["StoreRequests"] = .integer(Int64(result.requests))
        RetentionMessage.log(summary, logger: logger)
        return summary
    }

    /// The rule for one token row.
    static func verdict(for entity: TableEntity, cutoff: Timestamp) -> RowVerdict {
        if entity["IsValid"]?.boolValue == false { return .delete("invalidated") }
        switch RetentionTime.read(entity["ExpiresAt"]) {
        case .missing: return .keep("missingDate")
        case .unparsable: return .delete("unparsableExpiry")
        case .instant(let expiry): return expiry < cutoff ? .delete("expired") : .keep("valid")
        }
    }
}
