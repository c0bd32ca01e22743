import Foundation

/// A time zone's offsets as the schedule search needs them: instant to wall clock, and wall clock
/// back to instants, with spring-forward gaps and fall-back repeats made explicit.
///
/// Foundation answers each question quickly; this value caches the period (between two offset
/// changes) last looked at, so walking forward through occurrences rarely asks it at all.
struct ZoneClock {
    let zone: TimeZone
    /// The zone's only offset when it never changes (UTC, `Etc/GMT+5`); all DST handling is skipped.
    let fixedOffset: Int?
    private var period = Period(start: 1, end: 0, offset: 0)

    /// An instant range `[start, end)` with one offset; `start` may be later than the real change.
    struct Period {
        var start: Int64
        var end: Int64
        var offset: Int
    }

    /// A change of offset at `instant`.
    struct Transition {
        var instant: Int64
        var before: Int
        var after: Int
    }

    /// The widest offset change any zone has made (Samoa skipped a day), with room to spare.
    static let widestChange: Int64 = 26 * 3_600

    init(_ zone: TimeZone) {
        self.zone = zone
        if zone.nextDaylightSavingTimeTransition(after: .distantPast) == nil {
            fixedOffset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0))
        } else {
            fixedOffset = nil
        }
    }

    /// The offset from UTC in force at `instant`.
    mutating func offset(at instant: Int64) -> Int {
        if let fixedOffset { return fixedOffset }
        return period(containing: instant).offset
    }

    /// The next change of offset strictly after `instant`, or `nil` if the zone makes no more.
    func transition(after instant: Int64) -> Transition? {
        guard fixedOffset == nil, let date = zone.nextDaylightSavingTimeTransition(after: Self.date(instant)) else {
            return nil
        }
        let at = Self.seconds(date)
        let before = zone.secondsFromGMT(for: Self.date(at - 1))
        return Transition(instant: at, before: before, after: zone.secondsFromGMT(for: Self.date(at)))
    }

    /// The instants whose wall-clock reading is `wall`.
    mutating func resolve(wall: Int64) -> WallTime {
        if let fixedOffset { return .unique(wall - Int64(fixedOffset)) }

        let guess = wall - Int64(period.offset)
        if guess - Self.widestChange >= period.start && guess + Self.widestChange < period.end {
            return .unique(guess)
        }
        return resolveNearChange(wall: wall)
    }

    /// Looks at every period whose instants could read `wall` (offsets lie within ±26 h).
    private mutating func resolveNearChange(wall: Int64) -> WallTime {
        var instants: [Int64] = []
        var skipped: Int64?
        var previous: Period?
        var instant = wall - Self.widestChange
        while instant <= wall + Self.widestChange {
            let current = period(containing: instant)
            let candidate = wall - Int64(current.offset)
            if candidate >= current.start && candidate < current.end { instants.append(candidate) }
            if let before = previous, current.offset > before.offset, wall >= current.start + Int64(before.offset),
                wall < current.start + Int64(current.offset)
            {
                skipped = wall - Int64(before.offset)
            }
            guard current.end != Int64.max else { break }
            previous = current
            instant = current.end
        }

        if let first = instants.min(), let last = instants.max() {
            return first == last ? .unique(first) : .repeated(first: first, second: last)
        }
        return .skipped(skipped ?? wall - Int64(offset(at: wall - Self.widestChange)))
    }

    /// The period holding `instant`, from the cache or from Foundation.
    private mutating func period(containing instant: Int64) -> Period {
        if instant >= period.start && instant < period.end { return period }

        let date = Self.date(instant)
        let end = zone.nextDaylightSavingTimeTransition(after: date).map(Self.seconds) ?? Int64.max
        var start = instant - 2 * 86_400
        if var change = zone.nextDaylightSavingTimeTransition(after: Self.date(start)).map(Self.seconds),
            change <= instant
        {
            while let later = zone.nextDaylightSavingTimeTransition(after: Self.date(change)).map(Self.seconds),
                later <= instant, later > change
            {
                change = later
            }
            start = change
        }
        period = Period(start: start, end: end, offset: zone.secondsFromGMT(for: date))
        return period
    }

    static func date(_ seconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(seconds))
    }

    /// Whole seconds since 1970, rounded down; absurd dates are clamped far outside .NET's calendar.
    static func seconds(_ date: Date) -> Int64 {
        let value = date.timeIntervalSince1970.rounded(.down)
        guard value.isFinite else { return value > 0 ? 400_000_000_000 : -400_000_000_000 }
        return Int64(min(max(value, -400_000_000_000), 400_000_000_000))
    }
}

/// How a wall-clock reading maps to instants in a zone.
enum WallTime {
    /// The usual case: exactly one instant.
    case unique(Int64)
    /// Fall back: the reading occurs twice, in the first (earlier) and second pass.
    case repeated(first: Int64, second: Int64)
    /// Spring forward: the reading never occurs. The value is the instant .NET gives it, reading it
    /// with the offset in force before the change, i.e. moved forward by the gap.
    case skipped(Int64)

    /// The instant .NET's `new DateTimeOffset(localTime)` picks: the standard (second) pass of a
    /// repeated reading, and a skipped reading moved forward by the gap.
    var standard: Int64 {
        switch self {
        case .unique(let instant), .skipped(let instant): return instant
        case .repeated(_, let second): return second
        }
    }

    var isRepeated: Bool {
        if case .repeated = self { return true }
        return false
    }
}
