import LinkTomeCore
import Testing

@testable import FunctionsHandler

@Suite("Timer trigger value")
struct TimerInfoTests {
    @Test("ScheduleStatus null means monitoring is off")
    func statusNull() throws {
        let timer = try TimerInfo(["Schedule": ["AdjustForDST": true], "ScheduleStatus": nil, "IsPastDue": false])

        #expect(timer.scheduleStatus == nil)
        #expect(!timer.isPastDue)
    }

    @Test("the first run has Last 0001-01-01T00:00:00, read as never, and 7-digit fractions elsewhere")
    func firstRun() throws {
        let timer = try TimerInfo([
            "ScheduleStatus": [
                "Last": "0001-01-01T00:00:00", "Next": "2024-11-05T10:00:00.1234567+00:00",
                "LastUpdated": "0001-01-01T00:00:00",
            ],
            "IsPastDue": true,
        ])

        let status = try #require(timer.scheduleStatus)
        #expect(status.last == nil)
        #expect(status.lastUpdated == nil)
        #expect(status.next == Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10, nanoseconds: 123_456_700))
        #expect(timer.isPastDue)
    }

    @Test("a timer value that arrives quoted, with other member case, still decodes")
    func quotedValue() throws {
        let object: JSONValue = ["scheduleStatus": ["next": "2024-11-05T10:00:00Z"], "isPastDue": false]

        let timer = try TimerInfo(.string(object.jsonText))

        #expect(timer.scheduleStatus?.next == Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10))
    }

    @Test("values of the wrong shape are rejected with the field named")
    func wrongShape() {
        #expect(throws: FunctionsHandlerError.self) { try TimerInfo([1, 2]) }
        #expect(throws: FunctionsHandlerError.invalidDate(field: "ScheduleStatus.Last", value: "soon")) {
            try TimerInfo(["ScheduleStatus": ["Last": "soon"]])
        }
        #expect(throws: FunctionsHandlerError.invalidTriggerValue("IsPastDue must be true or false, found \"yes\"")) {
            try TimerInfo(["IsPastDue": "yes"])
        }
    }
}
