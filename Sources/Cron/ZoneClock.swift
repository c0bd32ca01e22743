import Foundation

/// A time zone's offsets as the schedule search needs them: instant to wall clock, and wall clock
/// back to instants, with spring-forward gaps and fall-back repeats made explicit.
///
/// The offset changes of a window of time are read from Foundation once and kept, so walking
/// through occurrences (even second by second across a change) is arithmetic. The window moves
/// when a question falls well outside it.
struct ZoneClock {
    let zone: TimeZone
    /// The zone's only offset when it never changes (UTC, `Etc/GMT+5`); all DST handling is skipped.
    let fixedOffset: Int?

    /// Every change in `(windowStart, windowEnd]` is in `changes`, ascending.
    private var isCovering = false
    private var windowStart: Int64 = 0
    private var windowEnd: Int64 = 0
    private var startOffset = 0
    private var changes: [Transition] = []
    private var hint = 0

    /// A change of offset at `instant`.
    struct Transition {
        var instant: Int64
        var before: Int
        var after: Int
    }

    /// The widest offset change any zone has made (Samoa skipped a day), with room to spare.
    static let widestChange: Int64 = 26 * 3_600
    /// A question further than this past the window starts a new window instead of extending it.
    private static let longestExtension: Int64 = 2 * 366 * 86_400

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

        cover(instant, instant)
        return offset(atCovered: instant)
    }

    /// The next change of offset strictly after `instant`, or `nil` if the zone makes no more.
    func transition(after instant: Int64) -> Transition? {
        guard fixedOffset == nil else { return nil }
        return Self.transition(of: zone, after: instant)
    }

    /// The instants whose wall-clock reading is `wall`.
    mutating func resolve(wall: Int64) -> WallTime {
        if let fixedOffset { return .unique(wall - Int64(fixedOffset)) }

        let low = wall - Self.widestChange
        let high = wall + Self.widestChange
        cover(low, high)
        var index = lastChange(atOrBefore: low)
        var offset = index < 0 ? startOffset : changes[index].after
        if index + 1 >= changes.count || changes[index + 1].instant > high {
            return .unique(wall - Int64(offset))
        }

        // Offsets of the periods that could read `wall`, checked against each period's bounds.
        var first: Int64?
        var last: Int64?
        var skipped: Int64?
        var periodStart = Int64.min
        while true {
            let next = index + 1 < changes.count && changes[index + 1].instant <= high ? changes[index + 1] : nil
            let candidate = wall - Int64(offset)
            if candidate >= periodStart && candidate < (next?.instant ?? Int64.max) {
                first = min(first ?? candidate, candidate)
                last = max(last ?? candidate, candidate)
            }
            guard let change = next else { break }
            if change.after > change.before, wall >= change.instant + Int64(change.before),
                wall < change.instant + Int64(change.after)
            {
                skipped = wall - Int64(change.before)
            }
            (index, offset, periodStart) = (index + 1, change.after, change.instant)
        }

        if let first, let last {
            return first == last ? .unique(first) : .repeated(first: first, second: last)
        }
        return .skipped(skipped ?? wall - Int64(offset))
    }

    // MARK: The window of known changes

    /// Makes sure every change in `[low, high]` is known.
    private mutating func cover(_ low: Int64, _ high: Int64) {
        let farAhead = windowEnd < Int64.max - Self.longestExtension && low > windowEnd + Self.longestExtension
        if !isCovering || low < windowStart || farAhead {
            isCovering = true
            windowStart = low - 2 * 86_400
            windowEnd = windowStart
            startOffset = zone.secondsFromGMT(for: Self.date(windowStart))
            changes.removeAll(keepingCapacity: true)
            hint = 0
        }
        while windowEnd < high {
            guard let change = Self.transition(of: zone, after: windowEnd), change.instant > windowEnd else {
                windowEnd = Int64.max
                return
            }
            changes.append(change)
            windowEnd = change.instant
        }
    }

    private mutating func offset(atCovered instant: Int64) -> Int {
        let index = lastChange(atOrBefore: instant)
        return index < 0 ? startOffset : changes[index].after
    }

    /// The index of the last known change at or before `instant`, or -1.
    private mutating func lastChange(atOrBefore instant: Int64) -> Int {
        let probe = min(hint, changes.count - 1)
        if probe >= 0, changes[probe].instant <= instant,
            probe + 1 == changes.count || changes[probe + 1].instant > instant
        {
            return probe
        }

        var (low, high) = (0, changes.count)
        while low < high {
            let middle = (low + high) / 2
            if changes[middle].instant <= instant { low = middle + 1 } else { high = middle }
        }
        hint = max(low - 1, 0)
        return low - 1
    }

    private static func transition(of zone: TimeZone, after instant: Int64) -> Transition? {
        guard let date = zone.nextDaylightSavingTimeTransition(after: date(instant)) else { return nil }
        let at = seconds(date)
        return Transition(
            instant: at,
            before: zone.secondsFromGMT(for: Self.date(at - 1)),
            after: zone.secondsFromGMT(for: Self.date(at))
        )
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
