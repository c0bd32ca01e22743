import Foundation
import LinkTomeCore

/// An NCRONTAB schedule as the Azure Functions timer trigger reads it (NCrontab 3.3.3).
///
/// Six fields are `second minute hour day month day-of-week`; exactly five fields are
/// `minute hour day month day-of-week` with the second fixed at 0. Fields are separated by ASCII
/// spaces only. Day-of-month and day-of-week must both match (NCrontab's AND, not Vixie cron's OR),
/// and days 29–31 skip months that lack them.
///
/// Occurrences are computed on the wall clock of a time zone with the Azure host's rules for
/// daylight-saving changes; see `nextOccurrence(after:in:)`.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// Whether the expression had a seconds field (6 fields) rather than 5.
    public let includesSeconds: Bool

    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let days: UInt64
    let months: UInt64
    let daysOfWeek: UInt64

    /// True when no calendar date matches (`0 0 0 30 2 *`, `0 0 0 31 4,6 *`): the schedule is legal
    /// for Azure but never fires. Every day of the week falls on every possible date within the
    /// 400-year Gregorian cycle, so only the day and month fields decide this.
    public let neverFires: Bool
    /// The first and last matching second of a matching day.
    let firstTime: Int
    let lastTime: Int

    /// Parses an expression, counting fields as Azure does.
    ///
    /// - Throws: `CronError` naming the field and the offending token.
    public init(parsing expression: String) throws(CronError) {
        let bytes = Array(expression.utf8)
        var tokens: [Range<Int>] = []
        var start: Int?
        for index in 0...bytes.count {
            let isSpace = index == bytes.count || bytes[index] == UInt8(ascii: " ")
            if isSpace, let begin = start {
                tokens.append(begin..<index)
                start = nil
            } else if !isSpace, start == nil {
                start = index
            }
        }

        if tokens.first.map({ bytes[$0.lowerBound] == UInt8(ascii: "@") }) == true {
            throw .macro(expression: expression)
        }
        guard tokens.count == 5 || tokens.count == 6 else {
            throw .fieldCount(expression: expression, found: tokens.count)
        }

        includesSeconds = tokens.count == 6
        let fields = includesSeconds ? CronField.allCases : Array(CronField.allCases.dropFirst())
        var masks: [UInt64] = includesSeconds ? [] : [1]
        for (field, range) in zip(fields, tokens) {
            let token = bytes[range]
            let parser = CronFieldParser(field: field, token: String(decoding: token, as: UTF8.self))
            masks.append(try parser.parse(token))
        }
        (seconds, minutes, hours, days, months, daysOfWeek) = (
            masks[0], masks[1], masks[2], masks[3], masks[4], masks[5]
        )
        neverFires = !CronSchedule.someDateMatches(days: masks[3], months: masks[4])
        firstTime = CronSchedule.secondOfDay(masks[0...2].map { $0.lowestBit(atOrAbove: 0) ?? 0 })
        lastTime = CronSchedule.secondOfDay(masks[0...2].map { $0.highestBit(atOrBelow: 63) ?? 0 })
    }

    /// NCrontab's canonical form (`ToString()`): numbers only, ascending, runs as `a-b`, a full
    /// field as `*`, never a step. Five-field schedules print five fields.
    public var canonical: String {
        let fields = includesSeconds ? CronField.allCases : Array(CronField.allCases.dropFirst())
        return fields.map { CronSchedule.format(mask($0), $0) }.joined(separator: " ")
    }

    public var description: String { canonical }

    /// Azure's "interval schedule" test, which decides how the fall-back hour is handled: true when
    /// the canonical second, minute or hour field contains `*`, `-` or `/` (only minute and hour for
    /// five fields). In bit terms: one of those fields holds two consecutive values.
    public var isIntervalSchedule: Bool {
        let fields = includesSeconds ? [seconds, minutes, hours] : [minutes, hours]
        return fields.contains { $0 & ($0 >> 1) != 0 }
    }

    private static func someDateMatches(days: UInt64, months: UInt64) -> Bool {
        for month in 1...12 where months.contains(month) {
            let longest = month == 2 ? 29 : Timestamp.daysIn(month: month, year: 2001)
            if days.lowestBit(atOrAbove: 1).map({ $0 <= longest }) == true { return true }
        }
        return false
    }

    /// Seconds since midnight of `[second, minute, hour]`.
    private static func secondOfDay(_ fields: [Int]) -> Int {
        fields[2] * 3_600 + fields[1] * 60 + fields[0]
    }

    /// The values one field selects, ascending.
    public func values(of field: CronField) -> [Int] {
        let bits = mask(field)
        return (field.minimum...field.maximum).filter { bits.contains($0) }
    }

    func mask(_ field: CronField) -> UInt64 {
        switch field {
        case .second: return seconds
        case .minute: return minutes
        case .hour: return hours
        case .day: return days
        case .month: return months
        case .dayOfWeek: return daysOfWeek
        }
    }

    private static func format(_ mask: UInt64, _ field: CronField) -> String {
        if mask == field.fullMask { return "*" }

        var parts: [String] = []
        var next = mask.lowestBit(atOrAbove: 0)
        while let first = next {
            var last = first
            while mask.contains(last + 1) { last += 1 }
            parts.append(first == last ? String(first) : "\(first)-\(last)")
            next = mask.lowestBit(atOrAbove: last + 1)
        }
        return parts.joined(separator: ",")
    }
}
