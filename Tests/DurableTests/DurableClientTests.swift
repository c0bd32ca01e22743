import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import Durable

/// The `starter` value of a timer invocation body, after the body was parsed.
private let starterValue = JSONValue.string(
    JSONValue.string(
        #"{"taskHubName":"LinkTomeTimers","connectionName":null,"creationUrls":null,"managementUrls":null,"#
            + #""baseUrl":null,"requiredQueryStringParameters":"code=s3cr3t/key+==","#
            + #""rpcBaseUrl":"http://localhost:4001","#
            + #""httpBaseUrl":"http://localhost:7071/runtime/webhooks/durabletask"}"#
    ).jsonText
)

@Suite("Durable client descriptor")
struct DurableClientDescriptorTests {
    @Test("the binding value is decoded twice and httpBaseUrl wins")
    func decodesTwice() throws {
        let descriptor = try DurableClientDescriptor(bindingValue: starterValue, settings: Settings([:]))

        #expect(descriptor.taskHubName == "LinkTomeTimers")
        #expect(descriptor.connectionName == nil)
        #expect(descriptor.baseURL == "http://localhost:7071/runtime/webhooks/durabletask")
        #expect(descriptor.requiredQueryStringParameters == "code=s3cr3t/key+==")
        #expect(descriptor.rpcBaseURL == "http://localhost:4001")
    }

    @Test("absent fields fall back to baseUrl, then WEBSITE_HOSTNAME, then localhost:7071")
    func fallbacks() throws {
        let empty = JSONValue.string(JSONValue.string("{}").jsonText)
        let withBase = JSONValue.string(#"{"baseUrl":"https://app.example.net/runtime/webhooks/durabletask/"}"#)

        let local = try DurableClientDescriptor(bindingValue: empty, settings: Settings([:]))
        let azure = try DurableClientDescriptor(
            bindingValue: empty,
            settings: Settings(["WEBSITE_HOSTNAME": "linktome.azurewebsites.net"])
        )
        let based = try DurableClientDescriptor(bindingValue: withBase, settings: Settings([:]))

        #expect(local.baseURL == "http://localhost:7071/runtime/webhooks/durabletask")
        #expect(azure.baseURL == "https://linktome.azurewebsites.net/runtime/webhooks/durabletask")
        #expect(based.baseURL == "https://app.example.net/runtime/webhooks/durabletask")
        #expect(local.requiredQueryStringParameters == "" && local.taskHubName == nil)
    }

    @Test("values that are not a descriptor are refused with a clear error")
    func refusals() {
        #expect(throws: DurableError.invalidClientBinding("the durableClient binding is missing from Data")) {
            try DurableClientDescriptor(bindingValue: nil, settings: Settings([:]))
        }
        #expect(throws: DurableError.self) {
            try DurableClientDescriptor(bindingValue: "not json", settings: Settings([:]))
        }
        #expect(throws: DurableError.self) {
            try DurableClientDescriptor(bindingValue: [1, 2], settings: Settings([:]))
        }
        #expect(throws: DurableError.self) {
            try DurableClientDescriptor(bindingValue: .string(#"{"httpBaseUrl":"ftp://x"}"#), settings: Settings([:]))
        }
    }
}

@Suite("Durable client against the webhook stand-in")
struct DurableClientTests {
    let standIn = WebhookStandIn()

    private func client() throws -> DurableClient {
        let descriptor = try DurableClientDescriptor(bindingValue: starterValue, settings: Settings([:]))
        return try DurableClient(descriptor: descriptor, transport: InMemoryTransport(standIn: standIn))
    }

    private func seed(_ count: Int, status: RuntimeStatus = .completed, hour: Int = 9) {
        for index in 0..<count {
            let created = Timestamp.utc(year: 2024, month: 11, day: 5, hour: hour, minute: index)
            standIn.seed(
                InstanceStatus(
                    name: "TimerOrchestrator",
                    instanceId: "seed-\(hour)-\(index)",
                    runtimeStatus: status,
                    createdTime: created
                )
            )
        }
    }

    @Test("start uses the chosen instance id, the input as body and the system key verbatim")
    func start() async throws {
        let id = try await client().startNew(
            "TimerOrchestrator",
            instanceId: "timer:2024-11-05T10:00",
            input: ["id": "a"]
        )

        let request = try #require(standIn.requests.last)
        #expect(id == "timer:2024-11-05T10:00")
        #expect(request.method == "POST")
        #expect(
            request.target
                == "/runtime/webhooks/durabletask/orchestrators/TimerOrchestrator/timer:2024-11-05T10:00"
                + "?taskHub=LinkTomeTimers&code=s3cr3t/key+=="
        )
        #expect(request.body == Array(#"{"id":"a"}"#.utf8))
    }

    @Test("start reports the service's refusals")
    func startRefused() async throws {
        let client = try client()
        _ = try await client.startNew("TimerOrchestrator", instanceId: "dup")

        await #expect(throws: DurableError.self) { try await client.startNew("Nope") }
        do {
            _ = try await client.startNew("TimerOrchestrator", instanceId: "dup")
            Issue.record("a duplicate running instance must fail")
        } catch {
            guard case .unexpectedStatus(_, let status, _) = error else { throw error }
            #expect(status == 500)
        }
    }

    @Test("status reads a running instance and answers nil for an unknown one")
    func status() async throws {
        let client = try client()
        _ = try await client.startNew("TimerOrchestrator", instanceId: "abc", input: 5)

        let known = try await client.status(of: "abc")
        let unknown = try await client.status(of: "zzz")

        #expect(known?.runtimeStatus == .pending)
        #expect(known?.input == 5)
        #expect(known?.createdTime == Events.start)
        #expect(unknown == nil)
    }

    @Test("a listing follows continuation tokens and ends at the bnVsbA== token")
    func listPages() async throws {
        seed(7)
        seed(2, status: .failed)
        let filter = InstanceFilter(runtimeStatus: [.completed], createdTimeFrom: Events.start.plus(-3_600))

        let all = try await client().listInstances(filter, pageSize: 3)

        let lists = standIn.requests.filter { $0.method == "GET" }
        #expect(all.map(\.instanceId) == (0..<7).map { "seed-9-\($0)" })
        #expect(lists.count == 3)
        #expect(lists[0].headers[DurableClient.continuationHeader] == nil)
        #expect(lists[1].headers[DurableClient.continuationHeader] == "Mw==")
        #expect(lists[2].target.contains("runtimeStatus=Completed&createdTimeFrom=") == false)
        #expect(lists[2].target.contains("createdTimeFrom=2024-11-05T09:00:00Z&runtimeStatus=Completed"))
    }

    @Test("list filters by creation time on the service side")
    func listByTime() async throws {
        seed(3, hour: 8)
        seed(2, hour: 11)
        let filter = InstanceFilter(
            createdTimeFrom: Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10),
            createdTimeTo: Timestamp.utc(year: 2024, month: 11, day: 5, hour: 12)
        )

        let found = try await client().listInstances(filter)

        #expect(found.map(\.instanceId) == ["seed-11-0", "seed-11-1"])
    }

    @Test("terminate distinguishes running, finished and unknown instances")
    func terminate() async throws {
        let client = try client()
        _ = try await client.startNew("TimerOrchestrator", instanceId: "victim")

        let first = try await client.terminate("victim", reason: "stopped by operator")
        let second = try await client.terminate("victim", reason: "again")
        let unknown = try await client.terminate("ghost", reason: "x")

        #expect([first, second, unknown] == [.terminated, .alreadyFinished, .notFound])
        #expect(standIn.requests[1].target.contains("/instances/victim/terminate?reason=stopped%20by%20operator&"))
        #expect(try await client.status(of: "victim")?.output == "stopped by operator")
    }

    @Test("purge one instance, and an unknown one deletes nothing")
    func purgeOne() async throws {
        seed(2)

        let deleted = try await client().purge("seed-9-0")
        let none = try await client().purge("seed-9-0")

        #expect(deleted == 1 && none == 0)
        #expect(standIn.instanceIds == ["seed-9-1"])
    }

    @Test("a purge by filter without createdTimeFrom is refused locally with a clear message")
    func purgeNeedsFrom() async throws {
        seed(2)

        await #expect(throws: DurableError.purgeNeedsCreatedTimeFrom) {
            try await client().purge(InstanceFilter(runtimeStatus: [.completed]))
        }
        #expect(standIn.requests.isEmpty)
        #expect(
            DurableError.purgeNeedsCreatedTimeFrom.description
                == "a purge by filter needs createdTimeFrom (the Durable webhook API refuses it with 400 otherwise)"
        )
    }

    @Test("a purge by filter deletes the matching instances")
    func purgeMany() async throws {
        seed(3)
        seed(1, status: .running, hour: 10)
        let filter = InstanceFilter(runtimeStatus: [.completed, .failed], createdTimeFrom: Timestamp(seconds: 0))

        let deleted = try await client().purge(filter)
        let again = try await client().purge(filter)

        #expect(deleted == 3 && again == 0)
        #expect(standIn.instanceIds == ["seed-10-0"])
        #expect(standIn.requests[0].target.hasPrefix("/runtime/webhooks/durabletask/instances/?createdTimeFrom=1970"))
    }

    @Test("transport failures and repeated tokens become DurableErrors")
    func failures() async throws {
        struct Refused: HTTPTransport {
            func send(_ request: HTTPRequest, to url: HTTPURL) async throws -> HTTPResponse {
                throw DurableError.invalidArgument("connection refused")
            }
        }
        struct Looping: HTTPTransport {
            func send(_ request: HTTPRequest, to url: HTTPURL) async throws -> HTTPResponse {
                HTTPResponse(
                    status: 200,
                    headers: HTTPHeaders([(DurableClient.continuationHeader, "same")]),
                    body: Array("[]".utf8)
                )
            }
        }
        let descriptor = DurableClientDescriptor(baseURL: "http://127.0.0.1:9/runtime/webhooks/durabletask")

        await #expect(throws: DurableError.self) {
            try await DurableClient(descriptor: descriptor, transport: Refused()).status(of: "x")
        }
        await #expect(
            throws: DurableError.invalidResponse(
                operation: "list instances",
                reason: "continuation token same repeated"
            )
        ) {
            try await DurableClient(descriptor: descriptor, transport: Looping()).listInstances()
        }
    }

    @Test("path segments and query values are percent-encoded; the system key is not")
    func encoding() throws {
        let client = try client()

        let target = client.target("/instances/" + DurableClient.segment("a b/c?#"), [("reason", "x&y=z+1")])

        #expect(
            target
                == "/runtime/webhooks/durabletask/instances/a%20b%2Fc%3F%23?reason=x%26y%3Dz%2B1"
                + "&taskHub=LinkTomeTimers&code=s3cr3t/key+=="
        )
    }
}

@Suite("Base64 decoding of orchestration payloads")
struct Base64BytesTests {
    @Test("decodes like Foundation, with or without padding and with whitespace")
    func agreesWithFoundation() {
        var generator = SplitMix(seed: 7)
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let text = Data(bytes).base64EncodedString()

            #expect(Base64Bytes.decode(text) == bytes)
            #expect(Base64Bytes.decode(text.replacingOccurrences(of: "=", with: "")) == bytes)
            #expect(Base64Bytes.decode(" " + text + "\r\n") == bytes)
        }
    }

    @Test("decoding into the reused buffer gives the same bytes, whatever size came before")
    func reusedBuffer() {
        var generator = SplitMix(seed: 11)
        for length in [4_000, 10, 0, 70_000, 3, 1_000] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let text = Data(bytes).base64EncodedString()

            let decoded = Base64Bytes.decodeReusingBuffer(text)
            decoded.map(Base64Bytes.recycle)

            #expect(decoded == bytes)
        }
        #expect(Base64Bytes.decodeReusingBuffer("not base64!") == nil)
    }

    @Test("refuses characters outside the alphabet and misplaced padding")
    func refuses() {
        for bad in ["abc!", "ab=c", "a===", "A", "AAAA=", "AA==A", "-_-_"] {
            #expect(Base64Bytes.decode(bad) == nil, "\(bad)")
        }
    }
}
