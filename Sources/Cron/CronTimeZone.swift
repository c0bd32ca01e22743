import Foundation
import LinkTomeCore

/// The time zone schedules are read in, and ISO 8601 text for instants in it.
///
/// The Azure host reads schedules in its process's local zone, which is UTC unless the platform
/// sets `WEBSITE_TIME_ZONE` (or `TZ` on Linux). This program never uses the machine's zone: it
/// reads the same settings explicitly, so a developer's laptop computes what production computes.
public enum CronTimeZone {
    /// The settings consulted, in order.
    public static let settingNames = ["WEBSITE_TIME_ZONE", "TZ"]

    /// UTC, the default.
    public static let utc: TimeZone = .gmt

    /// The schedule zone from `WEBSITE_TIME_ZONE`, then `TZ`, else UTC.
    ///
    /// - Throws: `CronError.unknownTimeZone` naming the setting when its value is no known zone.
    public static func resolve(settings: Settings) throws(CronError) -> TimeZone {
        for name in settingNames {
            if let value = settings[name] { return try named(value, source: name) }
        }
        return utc
    }

    /// The zone with an IANA id (`Europe/Berlin`, `UTC`; case-insensitive, a POSIX-style leading `:`
    /// allowed) or, for settings carried over from Windows plans, a Windows id (`W. Europe Standard
    /// Time`).
    ///
    /// Offsets written after `GMT`, `UTC` or `UT` (`GMT+5`, `UTC-03:30`) are refused with
    /// `CronError.ambiguousTimeZone`, because POSIX and IANA (`Etc/GMT+5` is UTC-5) read their sign
    /// the other way round from everyone else; a zero offset (`GMT+0`) means UTC.
    ///
    /// - Throws: `CronError.unknownTimeZone` when the id is not known.
    public static func named(
        _ identifier: String,
        source: String = "the time-zone option"
    ) throws(CronError)
        -> TimeZone
    {
        var id = identifier.trimmingCharacters(in: .whitespaces)
        if id.hasPrefix(":") { id.removeFirst() }
        if let offset = writtenOffset(id) {
            guard offset.hours == 0 && offset.minutes == 0 else {
                throw .ambiguousTimeZone(source: source, identifier: identifier)
            }
            return utc
        }
        if id.lowercased().hasPrefix("etc/gmt") { id = "Etc/GMT" + id.dropFirst(7) }

        if !id.isEmpty, let zone = TimeZone(identifier: id) { return zone }
        let lowered = id.lowercased()
        if let match = TimeZone.knownTimeZoneIdentifiers.first(where: { $0.lowercased() == lowered }),
            let zone = TimeZone(identifier: match)
        {
            return zone
        }
        if let iana = windowsZones[lowered], let zone = TimeZone(identifier: iana) { return zone }
        throw .unknownTimeZone(source: source, identifier: identifier)
    }

    /// The offset written in `GMT+5`, `utc-03:30` or `UT+0530` (hours and minutes, without the sign),
    /// or `nil` when `id` is not of that form.
    static func writtenOffset(_ id: String) -> (hours: Int, minutes: Int)? {
        let lowered = id.lowercased()
        guard let prefix = ["gmt", "utc", "ut"].first(where: { lowered.hasPrefix($0) }) else { return nil }
        var rest = Substring(lowered.dropFirst(prefix.count))
        guard rest.first == "+" || rest.first == "-" else { return nil }
        rest = rest.dropFirst()

        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts.map { $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !rest.isEmpty, digits.allSatisfy({ $0 }), parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 }) else {
            return nil
        }
        if parts.count == 2 { return (Int(parts[0]) ?? 0, Int(parts[1]) ?? 0) }
        let number = parts[0]
        guard number.count > 2 else { return (Int(number) ?? 0, 0) }
        return (Int(number.dropLast(2)) ?? 0, Int(number.suffix(2)) ?? 0)
    }

    /// `2026-03-08T03:00:00-04:00`: the wall-clock time in `zone` and its offset, `+00:00` in UTC.
    ///
    /// Offsets that are not whole minutes (local mean time before 1900) print as `±HH:MM:SS`.
    public static func iso8601(_ date: Date, in zone: TimeZone) -> String {
        let instant = ZoneClock.seconds(date)
        let offset = zone.secondsFromGMT(for: ZoneClock.date(instant))
        let wall = Timestamp(seconds: instant + Int64(offset)).civil

        var text = pad(wall.year, 4) + "-" + pad(wall.month, 2) + "-" + pad(wall.day, 2)
        text += "T" + pad(wall.hour, 2) + ":" + pad(wall.minute, 2) + ":" + pad(wall.second, 2)
        text += offset < 0 ? "-" : "+"
        text += pad(abs(offset) / 3_600, 2) + ":" + pad(abs(offset) % 3_600 / 60, 2)
        if abs(offset) % 60 != 0 { text += ":" + pad(abs(offset) % 60, 2) }
        return text
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension CronTimeZone {
    /// Parses an ISO 8601 instant. With `Z` or an offset (`2026-03-08T03:00:00-04:00`) the text names
    /// one instant; without one it is a wall-clock time in `zone`, read as .NET reads an unspecified
    /// local time (a skipped time moves forward by the gap, a repeated one takes the second pass).
    /// Seconds may be left out (`2026-03-08T03:00`), and so may the time (`2026-03-08`, midnight).
    public static func date(iso8601 text: String, in zone: TimeZone) -> Date? {
        var bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        if bytes.count == 10 { bytes += Array("T00:00".utf8) }
        if bytes.count >= 16, bytes.count == 16 || bytes[16] != UInt8(ascii: ":") {
            bytes.insert(contentsOf: Array(":00".utf8), at: 16)
        }
        guard let parsed = Timestamp(iso8601: String(decoding: bytes, as: UTF8.self)) else { return nil }

        let designator = bytes.dropFirst(19).contains {
            $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "z") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
        }
        if designator { return parsed.date }

        var clock = ZoneClock(zone)
        let instant = clock.resolve(wall: parsed.seconds).standard
        return Date(timeIntervalSince1970: Double(instant) + Double(parsed.nanoseconds) / 1_000_000_000)
    }
}
