import Foundation
import LinkTomeCore
import TableStorage

/// Lenient readers for properties that the PowerShell app and the web API wrote with varying types:
/// Booleans as `true` or `"True"`, instants as `Edm.DateTime` or as ISO 8601 / invariant-culture
/// strings, numbers as Int32, Int64, Double or text.
enum BusinessFields {
    /// A non-empty string value (other types give their display text).
    static func text(_ value: TableValue?) -> String? {
        guard let value else { return nil }
        let text = value.stringValue ?? value.displayText
        return text.isEmpty ? nil : text
    }

    /// A Boolean from `Edm.Boolean`, `"true"`/`"false"` in any case, or 1/0.
    static func bool(_ value: TableValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .string(let text)?:
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: return nil
            }
        case .int32(let number)?: return number != 0
        case .int64(let number)?: return number != 0
        default: return nil
        }
    }

    /// An integer from Int32, Int64, a whole Double or decimal text.
    static func int(_ value: TableValue?) -> Int? {
        switch value {
        case .int32(let number)?: return Int(number)
        case .int64(let number)?: return Int(number)
        case .double(let number)? where number.isFinite && number.rounded() == number && abs(number) < 9e15:
            return Int(number)
        case .string(let text)?: return Int(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// An instant from `Edm.DateTime`, ISO 8601 text (with or without offset, date only), Unix
    /// seconds as text or number, or invariant-culture `MM/dd/yyyy HH:mm:ss`; `nil` when unparsable.
    static func instant(_ value: TableValue?) -> Timestamp? {
        switch value {
        case .dateTime(let instant)?: return instant
        case .string(let text)?: return parseInstant(text)
        case .int64(let seconds)?: return Timestamp(seconds: seconds)
        case .int32(let seconds)?: return Timestamp(seconds: Int64(seconds))
        default: return nil
        }
    }

    /// Parses the textual instant forms of ``instant(_:)``.
    static func parseInstant(_ raw: String) -> Timestamp? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let instant = Timestamp(iso8601: text) { return instant }
        if text.count == 10, let instant = Timestamp(iso8601: text + "T00:00:00Z") { return instant }
        if text.count == 16, let instant = Timestamp(iso8601: text + ":00") { return instant }
        if let seconds = Int64(text), seconds > 0, seconds < 100_000_000_000 { return Timestamp(seconds: seconds) }
        return invariantCulture(text)
    }

    /// `MM/dd/yyyy`, `MM/dd/yyyy HH:mm:ss` (UTC), as `[string]` of a .NET DateTime writes it.
    private static func invariantCulture(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "/").compactMap { Int($0) }
        guard date.count == 3, (1...12).contains(date[0]), date[2] >= 1, date[2] <= 9999,
            (1...Timestamp.daysIn(month: date[0], year: date[2])).contains(date[1])
        else { return nil }
        var clock = [0, 0, 0]
        if parts.count == 2 {
            clock = parts[1].split(separator: ":").compactMap { Int($0) }
            guard clock.count == 3, clock[0] < 24, clock[1] < 60, clock[2] < 60 else { return nil }
        }
        return Timestamp.utc(
            year: date[2],
            month: date[0],
            day: date[1],
            hour: clock[0],
            minute: clock[1],
            second: clock[2]
        )
    }

    /// `yyyy-MM-ddTHH:mm:ssZ`, the format the original jobs wrote into string columns.
    static func isoSeconds(_ instant: Timestamp) -> String {
        instant.iso8601(fractionDigits: 0)
    }

    /// `yyyy-MM-dd` of the instant in UTC.
    static func day(_ instant: Timestamp) -> String {
        String(instant.iso8601(fractionDigits: 0).prefix(10))
    }

    /// .NET ticks (100 ns since 0001-01-01) of an instant: the prefix of event and security-event RowKeys.
    static func dotNetTicks(_ instant: Timestamp) -> Int64 {
        instant.ticksSince1970 + 621_355_968_000_000_000
    }
}
