import Foundation

extension CronSchedule {
    /// The next occurrence strictly after `instant`, as the Azure timer trigger computes it.
    ///
    /// The instant's fraction of a second is ignored (so a match at the same whole second is not
    /// returned). The schedule is matched against the wall clock of `timeZone`, then the result is
    /// mapped back to an instant with the host's rules (Azure WebJobs `CronSchedule`, after its
    /// 2024 DST fix):
    /// - a wall time skipped by spring-forward reads with the standard offset, i.e. moves forward by
    ///   the gap (`02:30` becomes `03:30` daylight time);
    /// - a wall time repeated by fall-back reads with the standard offset (the second pass), except:
    ///   a point-in-time schedule (`isIntervalSchedule == false`) runs in the first pass when the
    ///   offset changes between `instant` and the result, and skips the repeated hour when both are
    ///   already in standard time (assuming the first pass ran); an interval schedule whose instant
    ///   or result is in the repeated hour moves the result by the change of offset, so it runs
    ///   through both passes.
    ///
    /// The search is bounded: `nil` means no occurrence up to 9999-12-31 (NCrontab's limit), which
    /// includes every schedule whose `neverFires` is true.
    public func nextOccurrence(after instant: Date, in timeZone: TimeZone = .gmt) -> Date? {
        var clock = ZoneClock(timeZone)
        return nextInstant(after: ZoneClock.seconds(instant), clock: &clock).map(ZoneClock.date)
    }

    /// The occurrences strictly between `start` and `end`, each found from the previous one with
    /// `nextOccurrence(after:in:)`, computed lazily.
    public func occurrences(after start: Date, before end: Date, in timeZone: TimeZone = .gmt) -> some Sequence<Date> {
        CronOccurrenceSequence(schedule: self, start: ZoneClock.seconds(start), end: end, zone: timeZone)
    }

    /// Azure's `CronSchedule.GetNextOccurrence` on whole seconds since 1970.
    func nextInstant(after now: Int64, clock: inout ZoneClock) -> Int64? {
        let nowOffset = clock.offset(at: now)
        let nowWall = now + Int64(nowOffset)
        guard let nextWall = nextWall(after: nowWall) else { return nil }

        let resolved = clock.resolve(wall: nextWall)
        let next = resolved.standard
        guard clock.fixedOffset == nil else { return next }

        let nowRepeated = clock.resolve(wall: nowWall).isRepeated
        guard nowRepeated || resolved.isRepeated else { return next }

        let shift = Int64(clock.offset(at: next) - nowOffset)
        let adjusted: Int64
        if !isIntervalSchedule && resolved.isRepeated && shift == 0 {
            guard let later = firstUnrepeatedWall(from: nextWall, clock: &clock) else { return nil }
            adjusted = clock.resolve(wall: later).standard
        } else if shift != 0 && (resolved.isRepeated || isIntervalSchedule) {
            adjusted = next + shift
        } else {
            adjusted = next
        }
        return adjusted > now ? adjusted : next
    }

    /// Steps the wall-clock search until the reading is no longer in a repeated hour.
    private func firstUnrepeatedWall(from wall: Int64, clock: inout ZoneClock) -> Int64? {
        var current = wall
        while clock.resolve(wall: current).isRepeated {
            guard let next = nextWall(after: current) else { return nil }
            current = next
        }
        return current
    }
}

/// The lazy sequence behind `CronSchedule.occurrences(after:before:in:)`.
struct CronOccurrenceSequence: Sequence, IteratorProtocol {
    let schedule: CronSchedule
    var cursor: Int64?
    let end: Double
    var clock: ZoneClock

    init(schedule: CronSchedule, start: Int64, end: Date, zone: TimeZone) {
        self.schedule = schedule
        cursor = schedule.neverFires ? nil : start
        self.end = end.timeIntervalSince1970
        clock = ZoneClock(zone)
    }

    mutating func next() -> Date? {
        guard let current = cursor, let next = schedule.nextInstant(after: current, clock: &clock),
            Double(next) < end
        else {
            cursor = nil
            return nil
        }
        cursor = next
        return ZoneClock.date(next)
    }
}
