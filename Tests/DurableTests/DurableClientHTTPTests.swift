import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import Durable

/// The client over real sockets: the project's HTTP client talking to the webhook stand-in served
/// by the project's HTTP server on a free loopback port.
@Suite("Durable client over HTTP")
struct DurableClientHTTPTests {
    /// Serves `standIn` and runs `body` with a client bound to it, as the binding would describe it.
    private func withServer(
        _ standIn: WebhookStandIn,
        _ body: (DurableClient) async throws -> Void
    ) async throws {
        let server = HTTPServer(logger: .silent) { request in standIn.handle(request) }
        let port = try server.start()
        let binding = JSONValue.string(
            JSONValue.object([
                "taskHubName": "LinkTomeTimers", "connectionName": nil, "baseUrl": nil,
                "requiredQueryStringParameters": .string(WebhookStandIn.key),
                "httpBaseUrl": .string("http://127.0.0.1:\(port)\(WebhookStandIn.path)"),
            ]).jsonText
        )
        let http = HTTPClient()
        do {
            let descriptor = try DurableClientDescriptor(bindingValue: binding, settings: Settings([:]))
            try await body(try DurableClient(descriptor: descriptor, transport: http))
        } catch {
            http.closeIdleConnections()
            await server.stop(gracePeriod: 1)
            throw error
        }
        http.closeIdleConnections()
        await server.stop(gracePeriod: 1)
    }

    @Test("start, status, terminate and purge one instance over HTTP")
    func lifecycle() async throws {
        let standIn = WebhookStandIn()

        try await withServer(standIn) { client in
            let id = try await client.startNew("TimerOrchestrator", instanceId: "timer/1 run", input: ["n": 1])
            let started = try await client.status(of: id)
            let terminated = try await client.terminate(id, reason: "operator stop")
            let finished = try await client.status(of: id)
            let purged = try await client.purge(id)
            let gone = try await client.status(of: id)

            #expect(id == "timer/1 run")
            #expect(started?.runtimeStatus == .pending && started?.input == ["n": 1])
            #expect(terminated == .terminated)
            #expect(finished?.runtimeStatus == .terminated && finished?.output == "operator stop")
            #expect(purged == 1 && gone == nil)
        }
        #expect(
            standIn.requests.first?.target.hasSuffix(
                "/orchestrators/TimerOrchestrator/timer%2F1%20run?taskHub=LinkTomeTimers&" + WebhookStandIn.key
            ) == true
        )
    }

    @Test("a listing over HTTP follows tokens until the last page's bnVsbA==")
    func pagedListing() async throws {
        let standIn = WebhookStandIn()
        for index in 0..<5 {
            standIn.seed(
                InstanceStatus(
                    name: "TimerOrchestrator",
                    instanceId: "i\(index)",
                    runtimeStatus: .completed,
                    createdTime: Events.start
                )
            )
        }

        try await withServer(standIn) { client in
            let all = try await client.listInstances(InstanceFilter(runtimeStatus: [.completed]), pageSize: 2)
            let last = try await client.listPage(InstanceFilter(), pageSize: 2, continuationToken: "NA==")

            #expect(all.map(\.instanceId) == ["i0", "i1", "i2", "i3", "i4"])
            #expect(last.instances.map(\.instanceId) == ["i4"] && last.continuationToken == nil)
        }
        #expect(standIn.requests.count == 4)
    }

    @Test("a purge by filter without createdTimeFrom never reaches the service; with it, it purges over HTTP")
    func purgeByFilter() async throws {
        let standIn = WebhookStandIn()
        standIn.seed(InstanceStatus(name: "T", instanceId: "old", runtimeStatus: .completed, createdTime: Events.start))

        try await withServer(standIn) { client in
            await #expect(throws: DurableError.purgeNeedsCreatedTimeFrom) {
                try await client.purge(InstanceFilter(runtimeStatus: [.completed]))
            }
            #expect(standIn.requests.isEmpty)

            let deleted = try await client.purge(InstanceFilter(createdTimeFrom: Events.start.plus(-60)))
            #expect(deleted == 1)
        }
    }

    @Test("a refused connection is a transport error")
    func refused() async throws {
        let descriptor = DurableClientDescriptor(baseURL: "http://127.0.0.1:1/runtime/webhooks/durabletask")
        let client = try DurableClient(descriptor: descriptor, transport: HTTPClient())

        do {
            _ = try await client.status(of: "x")
            Issue.record("expected a transport error")
        } catch {
            guard case .transport(let operation, _) = error else { throw error }
            #expect(operation == "status of x")
        }
    }
}
