import Foundation
import LinkTomeCore
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test("7 fraction digits survive a round trip")
    func sevenDigits() throws {
        let stamp = try #require(Timestamp(iso8601: "2024-01-01T00:15:00.1234567Z"))
        #expect(stamp.nanoseconds == 123_456_700)
        #expect(stamp.iso8601(fractionDigits: 7) == "2024-01-01T00:15:00.1234567Z")
    }

    @Test("offsets, no offset, no fraction and the .NET minimum value")
    func forms() throws {
        #expect(Timestamp(iso8601: "2024-01-01T02:00:00+02:00") == Timestamp.utc(year: 2024, month: 1, day: 1))
        #expect(Timestamp(iso8601: "2024-01-01T00:00:00") == Timestamp.utc(year: 2024, month: 1, day: 1))
        let never = try #require(Timestamp(iso8601: "0001-01-01T00:00:00"))
        #expect(never.civil.year == 1)
        #expect(Timestamp(iso8601: "2024-02-30T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2024-01-01T00:00:00.Z") == nil)
        #expect(Timestamp(iso8601: "yesterday") == nil)
    }

    @Test("civil conversion agrees with Foundation's Gregorian calendar")
    func civil() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for seconds in stride(from: Int64(-5_000_000_000), to: 5_000_000_000, by: 86_400 * 37 + 3_601) {
            let stamp = Timestamp(seconds: seconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour], from: stamp.date)
            #expect(stamp.civil.year == parts.year && stamp.civil.month == parts.month)
            #expect(stamp.civil.day == parts.day && stamp.civil.hour == parts.hour)
        }
    }
}
