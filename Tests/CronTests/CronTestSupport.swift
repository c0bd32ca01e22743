import Cron
import Foundation
import LinkTomeCore
import Testing

/// An instant from ISO 8601 text; without an offset the text is UTC.
func instant(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Date {
    guard let timestamp = Timestamp(iso8601: text) else {
        Issue.record("bad test instant \(text)", sourceLocation: sourceLocation)
        return Date(timeIntervalSince1970: 0)
    }
    return timestamp.date
}

func zone(_ identifier: String) -> TimeZone {
    (try? CronTimeZone.named(identifier)) ?? CronTimeZone.utc
}

func schedule(_ expression: String, sourceLocation: SourceLocation = #_sourceLocation) -> CronSchedule? {
    do {
        return try CronSchedule(parsing: expression)
    } catch {
        Issue.record("'\(expression)' did not parse: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// `count` occurrences chained from `start`, formatted in `timeZone`.
func chain(_ expression: String, from start: String, count: Int, in timeZone: TimeZone = CronTimeZone.utc) -> [String] {
    guard let parsed = schedule(expression) else { return [] }
    var results: [String] = []
    var cursor = instant(start)
    while results.count < count, let next = parsed.nextOccurrence(after: cursor, in: timeZone) {
        results.append(CronTimeZone.iso8601(next, in: timeZone))
        cursor = next
    }
    return results
}

/// A small deterministic generator (SplitMix64), so random tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
