import Durable
import Foundation
import FunctionsHandler
import LinkTomeCore
import Testing

@testable import DevHost

/// Parses the body as the handler does.
private func parsed(_ body: JSONValue) throws -> JSONValue {
    try JSONParser.parse(body.jsonBytes)
}

@Suite("Invocation bodies as the Functions host builds them")
struct HostEnvelopeTests {
    @Test("an activity's string input is quoted twice in Data and once in Metadata.data")
    func stringActivityInput() throws {
        let body = try parsed(
            HostEnvelope.activityBody(
                functionName: "SayHello",
                binding: "name",
                input: #""Tokyo""#,
                instanceId: "b8f2",
                now: Date()
            )
        )

        #expect(body["Data"]?["name"] == .string(#""\"Tokyo\"""#))
        #expect(body["Metadata"]?["name"] == .string(#""\"Tokyo\"""#))
        #expect(body["Metadata"]?["data"] == .string(#""Tokyo""#))
        #expect(body["Metadata"]?["instanceId"] == .string(#""b8f2""#))
        #expect(body["Metadata"]?["sys"]?["MethodName"] == "SayHello")
        #expect(body["Data"]?["name"]?.hostDecoded(times: 2) == "Tokyo")
        let input = try ActivityInput(triggerValue: body["Data"]?["name"])
        #expect(input.rawJSON == #""Tokyo""#)
        #expect(ActivityInput.instanceId(metadata: body["Metadata"]?.objectValue ?? [:]) == "b8f2")
    }

    @Test("an object input stays an object in Metadata.data and its members become binding data")
    func objectActivityInput() throws {
        let input = #"{ "FunctionName": "X", "Parameters": {"a": 1}, "Count": 5, "On": true, "List": [1] }"#
        let body = try parsed(
            HostEnvelope.activityBody(
                functionName: "LinkTomeActivity",
                binding: "Item",
                input: input,
                instanceId: "i",
                now: Date()
            )
        )
        let metadata = try #require(body["Metadata"])

        let compact = #"{"FunctionName":"X","Parameters":{"a":1},"Count":5,"On":true,"List":[1]}"#
        #expect(body["Data"]?["Item"] == .string(JSONValue.string(compact).jsonText))
        #expect(metadata["data"]?["Parameters"] == ["a": 1])
        #expect(metadata["FunctionName"] == .string(#""X""#))
        #expect(metadata["Parameters"] == ["a": 1])
        #expect(metadata["Count"] == .string(#""5""#))
        #expect(metadata["On"] == .string(#""True""#))
        #expect(metadata["List"] == nil)
    }

    @Test("a null input is the text null and has no Metadata.data")
    func nullActivityInput() throws {
        let body = try parsed(
            HostEnvelope.activityBody(functionName: "A", binding: "Item", input: nil, instanceId: "i", now: Date())
        )

        #expect(body["Data"]?["Item"] == "null")
        #expect(body["Metadata"]?["data"] == nil)
        #expect(try ActivityInput(triggerValue: body["Data"]?["Item"]).rawJSON == nil)
    }

    @Test("the timer body carries TimerInfo as an object and the client descriptor quoted once more")
    func timerBody() throws {
        let descriptor = OrderedJSON.object([("taskHubName", "Hub"), ("httpBaseUrl", "http://127.0.0.1:1/x")])
        let status = ScheduleStatus(last: nil, next: Timestamp(iso8601: "2026-01-20T02:00:00Z"), lastUpdated: nil)
        let info: JSONValue = ["Schedule": ["AdjustForDST": true], "ScheduleStatus": status.json, "IsPastDue": false]
        let body = try parsed(
            HostEnvelope.timerBody(
                functionName: "LinkTomeTimer",
                timerBinding: "Timer",
                timerInfo: info,
                clientBinding: "starter",
                clientDescriptor: descriptor,
                now: Date()
            )
        )

        #expect(body["Data"]?["starter"] == .string(JSONValue.string(descriptor).jsonText))
        #expect(body["Data"]?["starter"]?.hostDecoded(times: 2)["taskHubName"] == "Hub")
        let timer = try TimerInfo(try #require(body["Data"]?["Timer"]))
        #expect(timer.scheduleStatus?.next == Timestamp(iso8601: "2026-01-20T02:00:00Z"))
        #expect(timer.scheduleStatus?.last == nil)
        #expect(body["Metadata"]?.objectValue?.keys.sorted() == ["sys"])
        let durable = try DurableClientDescriptorProbe.baseURL(body["Data"]?["starter"])
        #expect(durable == "http://127.0.0.1:1/x")
    }

    @Test("the invocation request has the host's headers and path")
    func request() {
        let request = HostEnvelope.request(functionName: "LinkTomeActivity", invocationId: "abc", body: ["Data": [:]])

        #expect(request.method == "POST")
        #expect(request.target == "/LinkTomeActivity")
        #expect(request.headers["X-Azure-Functions-InvocationId"] == "abc")
        #expect(request.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(request.headers["X-Azure-Functions-HostVersion"]?.hasPrefix("4.") == true)
    }

    @Test("host dates have up to seven fraction digits and an offset; never is .NET's minimum")
    func dates() {
        let instant = Timestamp(seconds: 1_730_800_500, nanoseconds: 15_327_900)

        #expect(HostEnvelope.hostDate(instant) == "2024-11-05T09:55:00.0153279+00:00")
        #expect(ScheduleStatus(last: nil, next: nil, lastUpdated: nil).json["Last"] == "0001-01-01T00:00:00")
    }
}

/// Reads the base URL the way a handler reads the binding: decode twice, take `httpBaseUrl`.
private enum DurableClientDescriptorProbe {
    static func baseURL(_ value: JSONValue?) throws -> String? {
        value?.hostDecoded(times: 2)["httpBaseUrl"]?.stringValue
    }
}
