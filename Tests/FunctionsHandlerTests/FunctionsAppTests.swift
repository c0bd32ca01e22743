import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization
import Testing

@testable import FunctionsHandler

/// What the test entrypoints saw, for assertions after the HTTP exchange.
private final class Seen: Sendable {
    let invocations = Mutex<[Invocation]>([])
    /// Holds invocations whose input is "held" until opened.
    let release = Latch()
    let heldStarted = Latch()

    func record(_ invocation: Invocation) {
        invocations.withLock { $0.append(invocation) }
    }

    var last: Invocation? { invocations.withLock { $0.last } }
}

/// An app with a timer, an activity and a failing function, served on port 0.
private func withApp(
    logger: Logger = .silent,
    _ body: (Int, Seen) async throws -> Void
) async throws {
    let seen = Seen()
    let app = FunctionsApp(logger: logger)
    app.register("LinkTomeTimer") { invocation in
        seen.record(invocation)
        let timer = try invocation.input("Timer").map(TimerInfo.init)
        invocation.logger.info("timer fired", metadata: ["past_due": "\(timer?.isPastDue ?? false)"])
        return InvocationResult()
    }
    app.register("LinkTomeActivity") { invocation in
        seen.record(invocation)
        if invocation.decodedInput("Item", times: 2) == .string("held") {
            seen.heldStarted.open()
            await seen.release.wait()
        }
        return InvocationResult(returnValue: invocation.decodedInput("Item", times: 2) ?? .null)
    }
    app.register("Failing") { invocation in
        invocation.logger.info("about to fail")
        throw FunctionsHandlerError.invalidTriggerValue("the test entrypoint always fails")
    }
    let server = HTTPServer(logger: .silent) { await app.handle($0) }
    let port = try server.start()
    do {
        try await body(port, seen)
    } catch {
        await server.stop(gracePeriod: 1)
        throw error
    }
    await server.stop(gracePeriod: 1)
}

@Suite("Functions app over HTTP")
struct FunctionsAppTests {
    @Test("a timer envelope with ScheduleStatus null, sent chunked, gets a JSON envelope answer")
    func timerStatusNull() async throws {
        try await withApp { port, seen in
            let response = try await onThread {
                try HandlerClient(port: port).invoke(
                    "/LinkTomeTimer",
                    HostPayloads.timer(scheduleStatus: nil),
                    invocationId: "0f6e1b7c-2a3d-4e5f-8a9b-0c1d2e3f4a5b"
                )
            }

            #expect(response?.status == 200)
            #expect(response?.headers["Content-Type"] == "application/json; charset=utf-8")
            #expect(response?.json["ReturnValue"] == .null)
            #expect(response?.json["Outputs"] == .object([:]))
            #expect(response?.json["Logs"] == ["info timer fired past_due=false"])
            let invocation = try #require(seen.last)
            #expect(invocation.invocationId == "0f6e1b7c-2a3d-4e5f-8a9b-0c1d2e3f4a5b")
            #expect(try invocation.input("Timer").map(TimerInfo.init)?.scheduleStatus == nil)
        }
    }

    @Test("a first-run timer envelope: Last is never, 7-digit fractions keep their precision")
    func timerFirstRun() async throws {
        let status: JSONValue = [
            "Last": "0001-01-01T00:00:00", "Next": "2024-11-05T10:00:00.0153279+00:00",
            "LastUpdated": "0001-01-01T00:00:00",
        ]

        try await withApp { port, seen in
            let response = try await onThread {
                try HandlerClient(port: port).invoke(
                    "/linktometimer",
                    HostPayloads.timer(scheduleStatus: status, isPastDue: true)
                )
            }

            #expect(response?.status == 200)
            let invocation = try #require(seen.last)
            let timer = try TimerInfo(try #require(invocation.input("Timer")))
            #expect(timer.isPastDue)
            #expect(timer.scheduleStatus?.last == nil)
            #expect(
                timer.scheduleStatus?.next
                    == Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10, nanoseconds: 15_327_900)
            )
            #expect(invocation.functionName == "LinkTomeTimer")
        }
    }

    @Test("quoted strings in Data and Metadata decode to the values the host started from")
    func quotedValues() async throws {
        try await withApp { port, seen in
            let timerResponse = try await onThread {
                try HandlerClient(port: port).invoke("/LinkTomeTimer", HostPayloads.timer(scheduleStatus: nil))
            }
            let timer = try #require(seen.last)
            let descriptor = timer.decodedInput("starter", times: 2)
            let activityResponse = try await onThread {
                try HandlerClient(port: port).invoke(
                    "/LinkTomeActivity",
                    HostPayloads.activity(["city": "Tokyo", "n": 1])
                )
            }
            let activity = try #require(seen.last)

            #expect(timerResponse?.status == 200)
            #expect(timer.input("starter")?.stringValue?.hasPrefix("\"{") == true)
            #expect(descriptor?["taskHubName"] == "LinkTomeTimers")
            #expect(descriptor?["requiredQueryStringParameters"] == "code=c2VjcmV0/a+b==")
            #expect(activityResponse?.json["ReturnValue"] == ["city": "Tokyo", "n": 1])
            #expect(activity.decodedInput("Item") == .string(#"{"city":"Tokyo","n":1}"#))
            #expect(activity.decodedMetadata("instanceId") == "b4d2e0c1f3a54e6b8c7d9e0f1a2b3c4d")
            #expect(activity.decodedMetadata("city") == "Tokyo")
            #expect(activity.decodedMetadata("n") == "1")
            #expect(activity.metadata["sys"]?["MethodName"] == "LinkTomeActivity")
        }
    }

    @Test("a string input keeps its quotes through one decode, as the protocol's table says")
    func stringActivityInput() async throws {
        try await withApp { port, seen in
            let response = try await onThread {
                try HandlerClient(port: port).invoke(
                    "/LinkTomeActivity",
                    HostPayloads.activity("Tokyo"),
                    chunked: false
                )
            }
            let invocation = try #require(seen.last)

            #expect(response?.json["ReturnValue"] == "Tokyo")
            #expect(invocation.decodedInput("Item") == .string(#""Tokyo""#))
            #expect(invocation.decodedMetadata("data") == "Tokyo")
        }
    }

    @Test("several invocations share one kept-alive connection, chunked and by length")
    func keepAlive() async throws {
        try await withApp { port, _ in
            let answers = try await onThread { () -> [JSONValue] in
                let client = try HandlerClient(port: port)
                return try (0..<8).map { round in
                    let response = try client.invoke(
                        "/LinkTomeActivity",
                        HostPayloads.activity(["round": .integer(Int64(round))]),
                        chunked: round % 2 == 0
                    )
                    return response?.json["ReturnValue"] ?? .null
                }
            }

            #expect(answers == (0..<8).map { ["round": .integer(Int64($0))] })
        }
    }

    @Test("50 concurrent connections each get their own answer")
    func concurrent() async throws {
        try await withApp { port, _ in
            let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
                for client in 0..<50 {
                    group.addTask {
                        try await onThread {
                            let connection = try HandlerClient(port: port)
                            return try (0..<4).allSatisfy { round in
                                let input: JSONValue = [
                                    "client": .integer(Int64(client)), "round": .integer(Int64(round)),
                                ]
                                let response = try connection.invoke("/LinkTomeActivity", HostPayloads.activity(input))
                                return response?.json["ReturnValue"] == input
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }

            #expect(answers.count == 50)
            #expect(answers.allSatisfy { $0 })
        }
    }

    @Test("GET / answers at once while an invocation is running")
    func probeDuringInvocation() async throws {
        try await withApp { port, seen in
            async let held = onThread {
                try HandlerClient(port: port).invoke("/LinkTomeActivity", HostPayloads.activity("held"))
            }
            await seen.heldStarted.wait()
            let probe = try await onThread { try HandlerClient(port: port).send("GET", "/") }
            seen.release.open()

            #expect(probe?.status == 200)
            #expect(probe?.body.isEmpty == false)
            #expect(try await held?.status == 200)
        }
    }

    @Test("malformed envelopes get 400s on a connection that keeps serving")
    func malformedOverHTTP() async throws {
        // A body as it travels on the wire, with the host's quoting written out by hand.
        let wire = #"{"Data":{"Item":"\"\\\"Osaka\\\"\""},"Metadata":{"instanceId":"\"4c3b2a19\"","sys":{}}}"#

        try await withApp { port, seen in
            let statuses = try await onThread { () -> [HTTPResponse?] in
                let client = try HandlerClient(port: port)
                return [
                    try client.send("POST", "/LinkTomeActivity", body: Array(#"["not","an","object"]"#.utf8)),
                    try client.send("POST", "/LinkTomeActivity", body: Array(#"{"Metadata":{}}"#.utf8), chunked: false),
                    try client.send("POST", "/NoSuchFunction", body: Array("{}".utf8)),
                    try client.send("POST", "/LinkTomeActivity", body: Array(wire.utf8)),
                ]
            }

            #expect(statuses.map { $0?.status } == [400, 400, 404, 200])
            #expect(statuses[0]?.json["Error"]?["Message"]?.stringValue?.contains("found an array") == true)
            #expect(statuses[1]?.json["Error"]?["Message"]?.stringValue?.contains("'Data'") == true)
            #expect(statuses[3]?.json["ReturnValue"] == "Osaka")
            #expect(seen.last?.decodedMetadata("instanceId") == "4c3b2a19")
        }
    }
}
