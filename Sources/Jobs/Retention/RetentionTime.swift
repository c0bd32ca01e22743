import Foundation
import LinkTomeCore
import TableStorage

/// What a row's date column holds, as a housekeeping job judges it.
enum DateReading: Equatable {
    /// The column is absent.
    case missing
    /// The column is present but holds no instant (garbage text or a non-date type).
    case unparsable
    /// The instant the column names.
    case instant(Timestamp)

    /// The instant, if there is one.
    var instant: Timestamp? {
        if case .instant(let value) = self { return value }
        return nil
    }

    /// `missingDate` or `unparsableDate`; `nil` for an instant.
    var problem: String? {
        switch self {
        case .missing: return "missingDate"
        case .unparsable: return "unparsableDate"
        case .instant: return nil
        }
    }
}

/// Date handling shared by the housekeeping jobs: reading date columns leniently (the PowerShell
/// app wrote `Edm.DateTime` values and ISO strings), instant arithmetic, .NET ticks in row keys, and
/// the server-side candidate filter for "older than".
enum RetentionTime {
    /// Seconds in a day.
    static let day: Int64 = 86_400
    /// The widest UTC offset a date string may carry (+14:00).
    static let widestOffset: Int64 = 14 * 3_600
    /// .NET ticks (100 ns since 0001-01-01) at the Unix epoch.
    static let ticksAtUnixEpoch: Int64 = 621_355_968_000_000_000

    /// Reads a date column: `Edm.DateTime` directly; strings as ISO 8601 (with or without offset or
    /// fraction), a bare `yyyy-MM-dd` (midnight UTC), or the invariant `MM/dd/yyyy HH:mm:ss` that
    /// PowerShell writes when a date is turned into text.
    static func read(_ value: TableValue?) -> DateReading {
        guard let value else { return .missing }
        switch value {
        case .dateTime(let instant): return .instant(instant)
        case .string(let text): return parse(text).map(DateReading.instant) ?? .unparsable
        default: return .unparsable
        }
    }

    /// Parses a date string in one of the forms ``read(_:)`` accepts.
    static func parse(_ raw: String) -> Timestamp? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let instant = Timestamp(iso8601: text) { return instant }
        if text.utf8.count == 10, let instant = Timestamp(iso8601: text + "T00:00:00Z") { return instant }
        return parseInvariant(text)
    }

    /// `MM/dd/yyyy HH:mm:ss` (UTC), as `[string]` of a PowerShell `DateTime` gives it.
    private static func parseInvariant(_ text: String) -> Timestamp? {
        let halves = text.split(separator: " ", omittingEmptySubsequences: true)
        guard halves.count == 2 else { return nil }
        let date = halves[0].split(separator: "/", omittingEmptySubsequences: false)
        guard date.count == 3, date[0].count == 2, date[1].count == 2, date[2].count == 4 else { return nil }
        let iso = "\(date[2])-\(date[0])-\(date[1])T\(halves[1])Z"
        return Timestamp(iso8601: iso)
    }

    /// `instant` moved by `seconds` (negative to go back).
    static func adding(_ seconds: Int64, to instant: Timestamp) -> Timestamp {
        Timestamp(seconds: instant.seconds + seconds, nanoseconds: instant.nanoseconds)
    }

    /// `instant` moved back by `months` calendar months, keeping the time of day; the day is clamped
    /// to the target month's length (31 March minus one month is 28 or 29 February).
    static func subtractingMonths(_ months: Int, from instant: Timestamp) -> Timestamp {
        let fields = instant.civil
        let monthIndex = fields.year * 12 + (fields.month - 1) - months
        let year = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
        let month = monthIndex - year * 12 + 1
        let day = min(fields.day, Timestamp.daysIn(month: month, year: year))
        return Timestamp.utc(
            year: year,
            month: month,
            day: day,
            hour: fields.hour,
            minute: fields.minute,
            second: fields.second,
            nanoseconds: instant.nanoseconds
        )
    }

    /// .NET ticks of an instant (the number the PowerShell app puts at the front of row keys).
    static func dotNetTicks(_ instant: Timestamp) -> Int64 {
        instant.ticksSince1970 + ticksAtUnixEpoch
    }

    /// The instant of .NET ticks.
    static func instant(dotNetTicks ticks: Int64) -> Timestamp {
        let sinceEpoch = ticks - ticksAtUnixEpoch
        let seconds = sinceEpoch >= 0 ? sinceEpoch / 10_000_000 : (sinceEpoch - 9_999_999) / 10_000_000
        let remainder = sinceEpoch - seconds * 10_000_000
        return Timestamp(seconds: seconds, nanoseconds: Int32(remainder * 100))
    }

    /// The instant encoded in a `<ticks>-<suffix>` row key, if it has that shape.
    static func instant(fromTickKey rowKey: String) -> Timestamp? {
        let digits = rowKey.prefix { $0.isASCII && $0.isNumber }
        guard digits.count >= 15, digits.count <= 19, let ticks = Int64(digits) else { return nil }
        return instant(dotNetTicks: ticks)
    }

    /// The row-key text of an instant's ticks, zero-padded to the 18 digits keys have between the
    /// years 318 and 3169, so that text order is time order.
    static func tickKey(_ instant: Timestamp) -> String {
        let digits = String(dotNetTicks(instant))
        return digits.count >= 18 ? digits : String(repeating: "0", count: 18 - digits.count) + digits
    }

    /// A server-side filter that returns every row whose `column` may hold an instant before
    /// `cutoff`: `Edm.DateTime` values before it, and every string value that could be a date before
    /// it (strings sorting below the cutoff's ISO text plus 14 hours, the widest offset, and strings
    /// that do not start with a digit at all, which are examined and reported as unparsable). With
    /// `otherTypes`, values of any other type (numbers, booleans) match too, for a job that treats a
    /// value that is not a date as expired (the service allows 15 comparisons per filter, so only
    /// where needed). Rows without the column never match. The caller re-checks each row exactly.
    static func candidates(_ column: String, before cutoff: Timestamp, otherTypes: Bool = false) -> TableFilter {
        let widened = adding(widestOffset, to: cutoff).iso8601(fractionDigits: 7)
        let dates: TableFilter =
            .lessThan(column, .dateTime(cutoff))
            || .lessThan(column, .string(widened))
            || .greaterThanOrEqual(column, .string(":"))
        guard otherTypes else { return dates }
        return dates
            || .greaterThanOrEqual(column, .int32(.min))
            || .greaterThanOrEqual(column, .int64(.min))
            || .greaterThanOrEqual(column, .double(-.greatestFiniteMagnitude))
            || .equal(column, .bool(true)) || .equal(column, .bool(false))
    }

    /// Round-trip ISO text of an instant for messages and payloads.
    static func text(_ instant: Timestamp) -> String { instant.iso8601(fractionDigits: 7) }
}
