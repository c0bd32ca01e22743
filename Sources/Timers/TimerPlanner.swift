import Cron
import Foundation

/// What the tick should do with one timer at one instant.
public enum TimerDecision: Sendable, Hashable {
    /// Run this occurrence (attempt 1 for a new occurrence, more for a retry).
    case run(occurrence: Date, attempt: Int, trigger: TimerRunTrigger)
    /// This occurrence was missed by more than the catch-up window: record it as skipped.
    case skip(occurrence: Date, lateness: TimeInterval)
    /// Nothing is due.
    case idle
}

/// Decides, from a timer's schedule and status row, whether an occurrence is due at `now`.
///
/// The due occurrence is the latest one in (last served occurrence, now]: several missed
/// occurrences collapse into one run, and it runs only if it is at most the catch-up window late.
/// Without any history, only occurrences inside the catch-up window count. A failed occurrence is
/// retried with backoff while no newer occurrence is due.
public struct TimerPlanner: Sendable {
    public var policy: TimerPolicy

    public init(policy: TimerPolicy) {
        self.policy = policy
    }

    /// The decision for `timer` whose row is `row` (nil when it has none) at `now`.
    public func decide(_ timer: TimerDefinition, row: TimerStatusRow?, now: Date) -> TimerDecision {
        let window = timer.catchUpWindow ?? policy.catchUpWindow
        let horizon = now.addingTimeInterval(policy.earlyTolerance)
        let zone = timer.zone(default: policy.timeZone)
        let floor = row?.servedFloor ?? now.addingTimeInterval(-window)

        if let latest = timer.schedule.previousOccurrence(atOrBefore: horizon, notBefore: floor, in: zone) {
            let lateness = now.timeIntervalSince(latest)
            if lateness <= window { return .run(occurrence: latest, attempt: 1, trigger: .schedule) }
            return .skip(occurrence: latest, lateness: lateness)
        }
        if let row, let retry = retryDue(row, now: now, window: window) {
            return .run(occurrence: retry.occurrence, attempt: retry.attempt, trigger: .retry)
        }
        return .idle
    }

    /// The next occurrence strictly after the tick's horizon (what `NextOccurrence` shows).
    public func nextOccurrence(_ timer: TimerDefinition, now: Date) -> Date? {
        let horizon = now.addingTimeInterval(policy.earlyTolerance)
        return timer.schedule.nextOccurrence(after: horizon, in: timer.zone(default: policy.timeZone))
    }

    /// The occurrence a PowerShell-era row last served: the latest occurrence at or before the tick
    /// time it stored (within a month), else that time itself.
    public func legacyServedOccurrence(_ timer: TimerDefinition, tickTime: Date) -> Date {
        let zone = timer.zone(default: policy.timeZone)
        let floor = tickTime.addingTimeInterval(-31 * 86_400)
        return timer.schedule.previousOccurrence(atOrBefore: tickTime, notBefore: floor, in: zone) ?? tickTime
    }

    private func retryDue(
        _ row: TimerStatusRow,
        now: Date,
        window: TimeInterval
    ) -> (occurrence: Date, attempt: Int)? {
        guard row.status == .failed, row.trigger != TimerRunTrigger.manual(by: "").label,
            let occurrence = row.lastServedOccurrence, row.attempt >= 1, row.attempt <= policy.maxRetries,
            now.timeIntervalSince(occurrence) <= window
        else { return nil }
        if let retryAt = row.retryAt, retryAt > now { return nil }
        return (occurrence, row.attempt + 1)
    }
}
