import Cron
import Foundation
import LinkTomeCore
import TableStorage

/// Applies link schedules: `ScheduleStart` / `ScheduleEnd` (ISO 8601; without an offset they are
/// wall-clock times in the owner's zone) decide a phase, and a link is written only when its phase
/// differs from the stored `ScheduleAppliedPhase`: `pending` (before the start) and `ended` make
/// it inactive, `live` makes it active.
struct ScheduledLinks {
    enum Phase: String {
        case pending, live, ended
    }

    let store: any TableStore
    let logger: Logger

    /// The phase of a window at `now`; `nil` when the link has neither start nor end.
    static func phase(start: Timestamp?, end: Timestamp?, now: Timestamp) -> Phase? {
        guard start != nil || end != nil else { return nil }
        if let start, now < start { return .pending }
        if let end, now >= end { return .ended }
        return .live
    }

    /// Reads a schedule bound in the owner's zone.
    static func bound(_ value: TableValue?, zone: TimeZone) -> Timestamp? {
        switch value {
        case .dateTime(let instant)?: return instant
        case .string(let text)?: return CronTimeZone.date(iso8601: text, in: zone).map(Timestamp.init)
        default: return nil
        }
    }

    func apply(now: Timestamp) async throws -> BusinessCounters {
        var counters = BusinessCounters(["LinksActivated": 0, "LinksDeactivated": 0])
        var zones = OwnerZones()
        var changes: [RowChange] = []
        let filter =
            TableFilter.equal("ScheduleEnabled", .bool(true)) || .equal("ScheduleEnabled", .string("true"))
            || .equal("ScheduleEnabled", .string("True"))
        try await BusinessTables.forEach(store, "Links", filter: filter) { link in
            counters.add("ScheduledLinks")
            if BusinessFields.bool(link["ScheduleExceedsTier"]) == true
                || BusinessFields.bool(link["ExceedsTierLimit"]) == true
            {
                counters.add("LinksSkippedForTier")
                return
            }
            let zone = try await zones.zone(owner: link.partitionKey, store: store)
            let start = Self.bound(link["ScheduleStart"], zone: zone)
            let end = Self.bound(link["ScheduleEnd"], zone: zone)
            guard let phase = Self.phase(start: start, end: end, now: now),
                BusinessFields.text(link["ScheduleAppliedPhase"]) != phase.rawValue
            else { return }
            var change = RowChange(link)
            change.assign("Active", .bool(phase == .live))
            change.assign("ScheduleAppliedPhase", .string(phase.rawValue))
            change.assign("ScheduleAppliedAt", .dateTime(now))
            if BusinessFields.bool(link["Active"]) != (phase == .live) {
                counters.add(phase == .live ? "LinksActivated" : "LinksDeactivated")
            }
            changes.append(change)
        }
        let outcome = await RowChangeWriter.apply(changes, store: store, table: "Links")
        counters.add("LinkScheduleWrites", outcome.applied)
        counters.add("ErrorCount", outcome.failed)
        for failure in outcome.failures { logger.warning("scheduled link not updated", metadata: ["error": failure]) }
        return counters
    }
}
