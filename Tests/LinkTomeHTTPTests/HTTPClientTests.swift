import Foundation
import LinkTomeCore
import Testing

@testable import LinkTomeHTTP

private func url(_ port: Int, _ path: String = "/", host: String = "127.0.0.1") -> HTTPURL {
    HTTPURL(isSecure: false, host: host, port: port, target: path)
}

@Suite("HTTP client")
struct HTTPClientTests {
    @Test("sends a request with a body to the server and reuses the connection")
    func roundTripAndReuse() async throws {
        let server = HTTPServer(logger: .silent) { request in
            HTTPResponse(
                status: 201,
                headers: HTTPHeaders([("X-Echo-Host", request.headers["Host"] ?? "")]),
                body: Array("\(request.method) \(request.target) \(String(decoding: request.body, as: UTF8.self))".utf8)
            )
        }
        let port = try server.start()
        let client = HTTPClient()

        var texts: [String] = []
        for round in 0..<3 {
            let request = HTTPRequest(
                method: "MERGE",
                target: "/tables(x)?r=\(round)",
                body: Array("body \(round)".utf8)
            )
            let response = try await client.send(request, to: url(port))
            #expect(response.status == 201)
            #expect(response.headers["X-Echo-Host"] == "127.0.0.1:\(port)")
            texts.append(response.text)
        }

        #expect(texts == ["MERGE /tables(x)?r=0 body 0", "MERGE /tables(x)?r=1 body 1", "MERGE /tables(x)?r=2 body 2"])
        #expect(server.openConnections == 1)
        #expect(client.pool.idleCount(ConnectionPool.Key(url(port))) == 1)
        await server.stop()
    }

    @Test("reads chunked, unframed and bodiless responses, and skips 100 Continue")
    func framings() async throws {
        let canned = try CannedServer { _, _, request in
            switch request.target {
            case "/chunked":
                return .bytes(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nchun\r\n3;x=y\r\nked\r\n0\r\nT: 1\r\n\r\n",
                    close: false
                )
            case "/unframed":
                return .bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", close: true)
            case "/continue":
                return .bytes("HTTP/1.1 100 Continue\r\n\r\n" + CannedServer.ok("after"), close: false)
            default:
                return .bytes("HTTP/1.1 204 No Content\r\n\r\n", close: false)
            }
        }
        let client = HTTPClient()

        let chunked = try await client.send(HTTPRequest(method: "GET", target: "/chunked"), to: url(canned.port))
        let continued = try await client.send(HTTPRequest(method: "GET", target: "/continue"), to: url(canned.port))
        let empty = try await client.send(HTTPRequest(method: "DELETE", target: "/x"), to: url(canned.port))
        let unframed = try await client.send(HTTPRequest(method: "GET", target: "/unframed"), to: url(canned.port))

        #expect(chunked.text == "chunked")
        #expect(continued.text == "after")
        #expect(empty.status == 204)
        #expect(unframed.text == "until the end")
        #expect(canned.connections == 1)
        canned.stop()
    }

    @Test("a GET whose kept-alive connection was closed by the server is resent on a new connection")
    func staleConnections() async throws {
        let canned = try CannedServer { connection, request, _ in
            switch (connection, request) {
            case (1, 1): return .bytes(CannedServer.ok("first"), close: true)
            case (2, 1): return .bytes(CannedServer.ok("second"), close: false)
            case (2, 2): return .closeWithoutAnswer
            default: return .bytes(CannedServer.ok("again"), close: false)
            }
        }
        let client = HTTPClient()
        var texts: [String] = []

        for _ in 0..<3 {
            texts.append(try await client.send(HTTPRequest(method: "GET", target: "/"), to: url(canned.port)).text)
            try await Task.sleep(for: .milliseconds(20))
        }

        #expect(texts == ["first", "second", "again"])
        #expect(canned.connections == 3)
        canned.stop()
    }

    @Test("a POST whose kept-alive connection closes without an answer is not resent: it may have been applied")
    func staleConnectionWrite() async throws {
        let canned = try CannedServer { connection, request, _ in
            switch (connection, request) {
            case (1, 1): return .bytes(CannedServer.ok("first"), close: false)
            case (1, 2): return .closeWithoutAnswer
            default: return .bytes(CannedServer.ok("again"), close: false)
            }
        }
        let client = HTTPClient()
        let post = HTTPRequest(method: "POST", target: "/", body: Array("x".utf8))

        #expect(try await client.send(post, to: url(canned.port)).text == "first")
        await #expect(throws: HTTPError.connectionClosedMidMessage) {
            try await client.send(post, to: url(canned.port))
        }
        #expect(canned.connections == 1)
        canned.stop()
    }

    @Test("a server that never answers times out, and cancelling the task interrupts the wait")
    func timeoutAndCancellation() async throws {
        let canned = try CannedServer { _, _, _ in .stall }
        var configuration = HTTPClientConfiguration()
        configuration.readTimeout = 0.3
        let impatient = HTTPClient(configuration: configuration)
        let patient = HTTPClient()

        await #expect(throws: HTTPError.timedOut("waiting for data")) {
            try await impatient.send(HTTPRequest(method: "GET", target: "/"), to: url(canned.port))
        }
        let started = ContinuousClock.now
        let task = Task { try await patient.send(HTTPRequest(method: "GET", target: "/"), to: url(canned.port)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let outcome = await task.result

        #expect(throws: HTTPError.cancelled) { try outcome.get() }
        #expect(ContinuousClock.now - started < .seconds(2))
        canned.stop()
    }

    @Test("the whole request has a deadline even when the server keeps sending a byte at a time")
    func overallDeadline() async throws {
        let canned = try CannedServer { _, _, _ in
            .trickle(CannedServer.ok(String(repeating: "x", count: 200)), interval: 0.05)
        }
        var configuration = HTTPClientConfiguration()
        configuration.requestTimeout = 0.5
        let client = HTTPClient(configuration: configuration)

        let started = ContinuousClock.now
        do {
            _ = try await client.send(HTTPRequest(method: "GET", target: "/slow"), to: url(canned.port))
            Issue.record("expected a timeout")
        } catch {
            guard case .timedOut(let what) = error else {
                Issue.record("expected a timeout, got \(error)")
                return
            }
            #expect(what.contains("/slow"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(
            try HTTPClientConfiguration(settings: Settings(["LINKTOME_HTTP_REQUEST_TIMEOUT": "7"])).requestTimeout == 7
        )
        #expect(throws: HTTPError.self) {
            try HTTPClientConfiguration(settings: Settings(["LINKTOME_HTTP_REQUEST_TIMEOUT": "-1"]))
        }
        canned.stop()
    }

    @Test("endless interim responses are an error, a few are skipped")
    func interimLimit() async throws {
        let canned = try CannedServer { _, _, request in
            let count = request.target == "/many" ? 17 : 16
            return .bytes(
                String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: count) + CannedServer.ok("done"),
                close: false
            )
        }
        let client = HTTPClient()

        let few = try await client.send(HTTPRequest(method: "GET", target: "/few"), to: url(canned.port))
        #expect(few.text == "done")
        await #expect(throws: HTTPError.malformedStatusLine("more than 16 interim (1xx) responses")) {
            try await client.send(HTTPRequest(method: "GET", target: "/many"), to: url(canned.port))
        }
        canned.stop()
    }

    @Test("connection, name resolution and framing failures are HTTPErrors that say what happened")
    func failures() async throws {
        let refused = try Socket.listen(host: "127.0.0.1", port: 0, backlog: 1)
        close(refused.fd)
        let truncated = try CannedServer { _, _, _ in
            .bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", close: true)
        }
        var small = HTTPClientConfiguration()
        small.limits.maxBodyBytes = 4
        let client = HTTPClient()

        await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(method: "GET", target: "/"), to: url(refused.port))
        }
        await #expect(throws: HTTPError.connectionClosedMidMessage) {
            try await client.send(HTTPRequest(method: "GET", target: "/"), to: url(truncated.port))
        }
        await #expect(throws: HTTPError.bodyTooLarge(limit: 4)) {
            try await HTTPClient(configuration: small).send(
                HTTPRequest(method: "GET", target: "/"),
                to: url(truncated.port)
            )
        }
        let unresolved = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(method: "GET", target: "/"), to: url(80, host: "no-such-host.invalid"))
        }
        if case .nameResolutionFailed(let host, _)? = unresolved {
            #expect(host == "no-such-host.invalid")
        } else {
            Issue.record("expected a name resolution failure, got \(String(describing: unresolved))")
        }
        await #expect(throws: HTTPError.invalidRequest("the target '/a b' needs percent-encoding")) {
            try await client.send(HTTPRequest(method: "GET", target: "/a b"), to: url(truncated.port))
        }
        truncated.stop()
    }
}

@Suite("Parsing URLs")
struct HTTPURLTests {
    @Test("hosts, IPv6 literals and ports are split; malformed authorities are refused")
    func authorities() {
        #expect(HTTPURL("http://[::1]:8080/a?b")?.host == "[::1]")
        #expect(HTTPURL("http://[::1]:8080/a?b")?.port == 8080)
        #expect(HTTPURL("https://acct.table.core.windows.net")?.port == 443)
        #expect(HTTPURL("http://[::1]/x")?.port == 80)
        for bad in [
            "http://[::1/x", "http://[::1]x/", "http://[]/", "http://a:99999/", "http://a:0/", "http://a:/",
            "http://::1:80/", "http://user@host/", "http:///x", "http://a b/",
        ] {
            #expect(HTTPURL(bad) == nil, "\(bad)")
        }
    }
}
