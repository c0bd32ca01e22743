import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import DevHost

/// An orchestration that waits for event `Go` and then completes with the event's payload.
private let waiting: JSONValue = ["Mode": "FanOut", "Items": [], "WaitEvent": "Go"]

@Suite("The Durable webhook API", .serialized)
struct WebhookAPITests {
    @Test("start answers 202 with the check-status URLs; status is 202 while running and 200 when done")
    func startAndStatus() async throws {
        let app = try TestApp()
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            let started = try await webhook(
                host,
                "POST",
                "/orchestrators/LinkTomeOrchestrator/api-1",
                body: waiting.jsonText
            )
            #expect(started.status == 202)
            #expect(started.json["id"] == "api-1")
            let statusURL = try #require(started.json["statusQueryGetUri"]?.stringValue)
            #expect(
                statusURL.hasSuffix(
                    "/instances/api-1?taskHub=DevTestHub&connection=Storage&code=\(host.webhook.systemKey)"
                )
            )
            #expect(started.headers["Location"] == statusURL)
            #expect(started.headers["Retry-After"] == "10")
            #expect(started.json["sendEventPostUri"]?.stringValue?.contains("/raiseEvent/{eventName}?") == true)

            let running = try await eventually {
                try await webhook(host, "GET", "/instances/api-1").json["runtimeStatus"] == "Running"
            }
            #expect(running)
            let pending = try await webhook(host, "GET", "/instances/api-1")
            #expect(pending.status == 202)
            #expect(pending.headers["Retry-After"] == "5")
            #expect(pending.json["input"] == waiting)
            #expect(pending.json["customStatus"]?["Mode"] == "FanOut")
            #expect(try await webhook(host, "GET", "/instances/api-1", query: "showInput=false").json["input"] == .null)

            #expect(try await webhook(host, "POST", "/instances/api-1/raiseEvent/Go", body: "42").status == 202)
            let done = try await eventually { try await webhook(host, "GET", "/instances/api-1").status == 200 }
            #expect(done)
            let final = try await webhook(
                host,
                "GET",
                "/instances/api-1",
                query: "showHistory=true&showHistoryOutput=true"
            )
            #expect(final.json["runtimeStatus"] == "Completed")
            #expect(final.json["output"]?["Event"] == 42)
            let types = final.json["historyEvents"]?.arrayValue?.compactMap { $0["EventType"]?.stringValue } ?? []
            #expect(types.first == "ExecutionStarted")
            #expect(types.contains("EventRaised"))
            #expect(types.last == "ExecutionCompleted")
            #expect(try await webhook(host, "GET", "/instances/nope").status == 404)
        }
    }

    @Test("bad starts are refused with the extension's status codes")
    func badStarts() async throws {
        let app = try TestApp()
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            #expect(try await webhook(host, "POST", "/orchestrators/NoSuchOrchestrator").status == 400)
            #expect(try await webhook(host, "POST", "/orchestrators/LinkTomeOrchestrator/@bad").status == 400)
            #expect(try await webhook(host, "POST", "/orchestrators/LinkTomeOrchestrator/a%23b").status == 400)
            #expect(
                try await webhook(host, "POST", "/orchestrators/LinkTomeOrchestrator/x", body: "{nope").status == 400
            )
            #expect(try await webhook(host, "GET", "/instances", key: "wrong").status == 401)
            #expect(try await webhook(host, "GET", "/instances", query: "taskHub=OtherHub").status == 400)

            let generated = try await webhook(
                host,
                "POST",
                "/orchestrators/LinkTomeOrchestrator",
                body: waiting.jsonText
            )
            #expect(generated.status == 202)
            let id = try #require(generated.json["id"]?.stringValue)
            #expect(id.count == 32)
            // A second start of an instance that is still running fails.
            let again = try await webhook(host, "POST", "/orchestrators/LinkTomeOrchestrator/\(id)", body: "{}")
            #expect(again.status == 500)
        }
    }

    @Test("terminate answers 202, then 410 once the instance ended, and 404 for an unknown one")
    func terminate() async throws {
        let app = try TestApp()
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await webhook(host, "POST", "/orchestrators/LinkTomeOrchestrator/term-1", body: waiting.jsonText)
            let accepted = try await webhook(
                host,
                "POST",
                "/instances/term-1/terminate",
                query: "reason=operator%20says%20stop"
            )
            #expect(accepted.status == 202)
            let ended = try await eventually {
                try await webhook(host, "GET", "/instances/term-1").json["runtimeStatus"] == "Terminated"
            }
            #expect(ended)
            #expect(try await webhook(host, "GET", "/instances/term-1").json["output"] == "operator says stop")
            #expect(try await webhook(host, "POST", "/instances/term-1/terminate").status == 410)
            #expect(try await webhook(host, "POST", "/instances/none/terminate").status == 404)
            #expect(try await webhook(host, "POST", "/instances/term-1/raiseEvent/Go", body: "1").status == 410)
            #expect(try await webhook(host, "POST", "/instances/none/raiseEvent/Go", body: "1").status == 404)
            let text = [("Content-Type", "text/plain")]
            #expect(
                try await webhook(host, "POST", "/instances/term-1/raiseEvent/Go", body: "1", headers: text).status
                    == 400
            )
        }
    }

    @Test("list pages with continuation tokens and filters; purge one and purge many")
    func listAndPurge() async throws {
        let app = try TestApp()
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            let now = host.core.now()
            try await DemoInstances.seed(into: host.core.durable, now: now)

            var ids: [String] = []
            var token: String?
            repeat {
                let headers = token.map { [(WebhookAPI.continuationHeader, $0)] } ?? []
                let page = try await webhook(host, "GET", "/instances", query: "top=7", headers: headers)
                #expect(page.status == 200)
                let items = try #require(page.json.arrayValue)
                #expect(items.count <= 7)
                ids += items.compactMap { $0["instanceId"]?.stringValue }
                token = page.headers[WebhookAPI.continuationHeader]
            } while token != nil
            #expect(ids.count == 35)
            #expect(ids == ids.sorted())
            #expect(Set(ids).count == ids.count)

            let failed = try await webhook(host, "GET", "/instances", query: "runtimeStatus=Failed,Terminated&top=100")
            #expect(failed.json.arrayValue?.count == 7)
            let prefixed = try await webhook(host, "GET", "/instances", query: "instanceIdPrefix=demo-stuck")
            #expect(prefixed.json.arrayValue?.map { $0["runtimeStatus"] } == ["Running"])

            #expect(try await webhook(host, "DELETE", "/instances/demo-failed-1").json["instancesDeleted"] == 1)
            #expect(try await webhook(host, "DELETE", "/instances/demo-failed-1").status == 404)
            #expect(try await webhook(host, "DELETE", "/instances/").status == 400)

            let cutoff = now.advanced(bySeconds: -7 * 86_400).iso8601Trimmed
            let purged = try await webhook(
                host,
                "DELETE",
                "/instances/",
                query: "createdTimeFrom=2000-01-01T00:00:00Z&createdTimeTo=\(cutoff)"
                    + "&runtimeStatus=Completed,Failed,Terminated,Running"
            )
            #expect(purged.status == 200)
            #expect(purged.json["instancesDeleted"] == 30)
            let left = try await webhook(host, "GET", "/instances").json.arrayValue?.compactMap {
                $0["instanceId"]?.stringValue
            }
            #expect(left == ["demo-recent-1", "demo-recent-2", "demo-recent-3", "demo-stuck-1"])
            let nothing = try await webhook(
                host,
                "DELETE",
                "/instances/",
                query: "createdTimeFrom=2000-01-01T00:00:00Z&createdTimeTo=2000-01-02T00:00:00Z"
            )
            #expect(nothing.status == 404)
        }
    }
}
