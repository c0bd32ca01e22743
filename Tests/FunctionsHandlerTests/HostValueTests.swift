import LinkTomeCore
import Testing

@testable import FunctionsHandler

@Suite("Host value decoding")
struct HostValueTests {
    @Test("an activity input quoted by the host decodes once to its JSON text and twice to the value")
    func activityInput() throws {
        // What the body parser yields for the wire text "\"\\\"Tokyo\\\"\"".
        let received = try JSONParser.parse(#""\"\\\"Tokyo\\\"\"""#)

        #expect(received == .string(#""\"Tokyo\"""#))
        #expect(received.hostDecoded() == .string(#""Tokyo""#))
        #expect(received.hostDecoded(times: 2) == .string("Tokyo"))
        #expect(received.hostDecoded(times: 5) == .string("Tokyo"))
    }

    @Test("numbers, Booleans and null arrive as their JSON text")
    func scalars() {
        #expect(JSONValue.string("4").hostDecoded() == .integer(4))
        #expect(JSONValue.string("true").hostDecoded() == .bool(true))
        #expect(JSONValue.string("null").hostDecoded() == .null)
        #expect(JSONValue.string(" [1, 2] ").hostDecoded() == [1, 2])
    }

    @Test("text that is not JSON, and values that are not strings, stay as they are")
    func unchanged() {
        let base64 = "CiBiOGYyYzZhN2U0ZDk0YTBmOWMxZTJkM2Y0YTViNmM3ZBIXEhUKCFNheUhlbGxvGgkKByJUb2t5byI="

        #expect(JSONValue.string(base64).hostDecoded() == .string(base64))
        #expect(JSONValue.string("not json").hostDecoded() == .string("not json"))
        #expect(JSONValue.string("{broken").hostDecoded() == .string("{broken"))
        #expect(JSONValue.string("").hostDecoded() == .string(""))
        #expect(JSONValue.object(["a": 1]).hostDecoded() == ["a": 1])
        #expect(JSONValue.integer(7).hostDecoded(times: 3) == .integer(7))
    }

    @Test(
        "host dates parse with 0 to 7 fraction digits and any offset",
        arguments: [
            ("2024-11-05T10:00:00", Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10)),
            ("2024-11-05T10:00:00Z", Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10)),
            ("2024-11-05T10:00:00+00:00", Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10)),
            (
                "2024-11-05T09:55:00.0153279+00:00",
                Timestamp.utc(year: 2024, month: 11, day: 5, hour: 9, minute: 55, nanoseconds: 15_327_900)
            ),
            (
                "2023-10-12T20:13:49.640002Z",
                Timestamp.utc(
                    year: 2023,
                    month: 10,
                    day: 12,
                    hour: 20,
                    minute: 13,
                    second: 49,
                    nanoseconds: 640_002_000
                )
            ),
            ("2018-07-24T23:24:00-07:00", Timestamp.utc(year: 2018, month: 7, day: 25, hour: 6, minute: 24)),
            (
                "2022-10-11T10:52:00.5+02:00",
                Timestamp.utc(year: 2022, month: 10, day: 11, hour: 8, minute: 52, nanoseconds: 500_000_000)
            ),
        ]
    )
    func dates(text: String, expected: Timestamp) throws {
        #expect(try HostDate.parse(text) == expected)
    }

    @Test("DateTime.MinValue means never")
    func never() throws {
        #expect(try HostDate.parse("0001-01-01T00:00:00") == nil)
        #expect(try HostDate.parse("0001-01-01T00:00:00+00:00") == nil)
        #expect(try HostDate.parse("0001-01-01T00:00:00.0000000Z") == nil)
    }

    @Test("a malformed date names the field")
    func malformedDate() {
        #expect(throws: FunctionsHandlerError.invalidDate(field: "ScheduleStatus.Next", value: "tomorrow")) {
            try HostDate.parse("tomorrow", field: "ScheduleStatus.Next")
        }
    }
}
