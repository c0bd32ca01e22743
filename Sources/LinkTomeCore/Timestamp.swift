import Foundation

/// An instant with nanosecond resolution, independent of `Date`'s floating point.
///
/// Azure Table Storage keeps DateTime values to 100 ns and protobuf `Timestamp` to 1 ns; a `Double`
/// of seconds since 2001 cannot round-trip either exactly, so storage and the durable codec use this.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z (may be negative).
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The instant nearest to `date`, rounded to 100 ns.
    public init(_ date: Date) {
        let ticks = (date.timeIntervalSince1970 * 10_000_000).rounded()
        let whole = (ticks / 10_000_000).rounded(.down)
        seconds = Int64(whole)
        nanoseconds = Int32((ticks - whole * 10_000_000) * 100)
    }

    /// The same instant as a `Date` (to `Date`'s precision).
    public var date: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1_000_000_000)
    }

    /// 100 ns ticks since 1970 (the unit of .NET `DateTime` and Azure Tables).
    public var ticksSince1970: Int64 {
        seconds * 10_000_000 + Int64(nanoseconds / 100)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// The UTC calendar fields of this instant.
    public var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Timestamp.civilFromDays(days)
        return (year, month, day, secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60)
    }

    /// Builds an instant from UTC calendar fields.
    public static func utc(
        year: Int,
        month: Int,
        day: Int,
        hour: Int = 0,
        minute: Int = 0,
        second: Int = 0,
        nanoseconds: Int32 = 0
    ) -> Timestamp {
        let days = daysFromCivil(year: year, month: month, day: day)
        return Timestamp(seconds: days * 86_400 + Int64(hour * 3_600 + minute * 60 + second), nanoseconds: nanoseconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = Int64(month <= 2 ? year - 1 : year)
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let monthIndex = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthIndex + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// ISO 8601 in UTC with exactly `fractionDigits` digits (0–9), e.g. `2024-01-01T00:15:00.1234567Z`.
    public func iso8601(fractionDigits: Int = 7) -> String {
        let fields = civil
        var text = pad(fields.year, 4) + "-" + pad(fields.month, 2) + "-" + pad(fields.day, 2)
        text += "T" + pad(fields.hour, 2) + ":" + pad(fields.minute, 2) + ":" + pad(fields.second, 2)
        if fractionDigits > 0 {
            let digits = pad(Int(nanoseconds), 9)
            text += "." + digits.prefix(min(fractionDigits, 9))
        }
        return text + "Z"
    }

    /// ISO 8601 with the fraction trimmed of trailing zeros (as .NET's `FFFFFFF` writes it).
    public var iso8601Trimmed: String {
        var text = iso8601(fractionDigits: 7)
        text.removeLast()
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "Z"
    }

    public var description: String { iso8601Trimmed }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Timestamp {
    /// Parses ISO 8601 as the Functions host and Azure write it: `YYYY-MM-DDTHH:MM:SS`, an optional
    /// fraction of 1–9 digits, and an optional `Z` or `±HH:MM` offset (none means UTC).
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = Timestamp.number(bytes, 0, 4), let month = Timestamp.number(bytes, 5, 2),
            let day = Timestamp.number(bytes, 8, 2), let hour = Timestamp.number(bytes, 11, 2),
            let minute = Timestamp.number(bytes, 14, 2), let second = Timestamp.number(bytes, 17, 2),
            (1...12).contains(month), (1...Timestamp.daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var index = 19
        var nanos = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, let digit = Timestamp.digit(bytes[index]) {
                if digits < 9 { nanos = nanos * 10 + digit }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }

        var offsetSeconds = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard bytes.count == index + 6, bytes[index + 3] == UInt8(ascii: ":"),
                    let hours = Timestamp.number(bytes, index + 1, 2),
                    let minutes = Timestamp.number(bytes, index + 4, 2), hours < 24, minutes < 60
                else { return nil }
                offsetSeconds = (hours * 3_600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
                index += 6
            default:
                return nil
            }
        }
        guard index == bytes.count else { return nil }

        let base = Timestamp.utc(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        self.init(seconds: base.seconds - Int64(offsetSeconds), nanoseconds: Int32(nanos))
    }

    /// Number of days in a month of the proleptic Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            guard index < bytes.count, let digit = digit(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
