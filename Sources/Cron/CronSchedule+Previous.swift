import Foundation

extension CronSchedule {
    /// The latest occurrence in `(floor, instant]`: the last of the occurrences that chaining
    /// `nextOccurrence(after:in:)` from `floor` reaches without passing `instant`, or `nil`.
    ///
    /// This is what a periodic tick needs ("the latest occurrence since the one last served"),
    /// and it agrees with walking the chain, DST rules included. It does not walk it, though:
    /// away from offset changes the chain is simply every wall-clock match, so the latest one is
    /// found by a backward search; only the few hours around an offset change inside the window
    /// are stepped through one occurrence at a time.
    public func previousOccurrence(
        atOrBefore instant: Date,
        notBefore floor: Date,
        in timeZone: TimeZone = .gmt
    )
        -> Date?
    {
        let limit = ZoneClock.seconds(instant)
        var cursor = ZoneClock.seconds(floor)
        guard limit > cursor, !neverFires else { return nil }

        var clock = ZoneClock(timeZone)
        var latest: Int64?
        while cursor < limit {
            let region = disturbance(after: cursor, clock: clock)
            let safeEnd = min(limit, region?.start ?? Int64.max)
            if cursor < safeEnd {
                // No offset change nearby: the chain is every wall-clock match, read with one offset.
                let offset = Int64(clock.offset(at: cursor))
                if let wall = previousWall(atOrBefore: safeEnd + offset, after: cursor + offset) {
                    latest = wall - offset
                    cursor = wall - offset
                }
                if safeEnd == limit { break }
            }
            guard let region else { break }

            // Near the change, follow the chain exactly until it has left the disturbed hours.
            while true {
                guard let next = nextInstant(after: cursor, clock: &clock), next > cursor, next <= limit else {
                    return latest.map(ZoneClock.date)
                }
                latest = next
                cursor = next
                if next >= region.end { break }
            }
        }
        return latest.map(ZoneClock.date)
    }

    /// The instants around the first offset change that can bend the chain at or after `instant`:
    /// the change plus or minus its size (the repeated or skipped readings) and a minute.
    private func disturbance(after instant: Int64, clock: ZoneClock) -> (start: Int64, end: Int64)? {
        var from = instant - ZoneClock.widestChange
        while let change = clock.transition(after: from) {
            let reach = Int64(abs(change.after - change.before)) + 60
            if change.instant + reach > instant {
                return (change.instant - reach, change.instant + reach)
            }
            from = change.instant
        }
        return nil
    }
}
