import Foundation
import LinkTomeCore
import Testing

@testable import LinkTomeHTTP

private let okHandler: HTTPHandler = { request in
    HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: Array("ok".utf8))
}

private func startServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> (HTTPServer, Int) {
    var configuration = HTTPServerConfiguration()
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, logger: .silent, handler: okHandler)
    return (server, try server.start())
}

/// Sends `text` on a new connection and returns the response (or `nil` if the server just closed)
/// and whether the server closed the connection afterwards.
private func sendRaw(_ port: Int, _ text: String, thenClose: Bool = false) async throws -> (HTTPResponse?, Bool) {
    try await onThread {
        let connection = try RawConnection(port: port)
        try connection.send(text)
        if thenClose { shutdown(connection.fd, Int32(SHUT_WR)) }
        let response = try connection.readResponse()
        return (response, connection.isClosedByServer())
    }
}

/// Whether a fresh connection still gets `200` for a simple request.
private func stillServes(_ port: Int) async throws -> Bool {
    try await onThread { try RawConnection(port: port).exchange(method: "GET", path: "/")?.status == 200 }
}

@Suite("HTTP server limits and bad input")
struct HTTPServerLimitTests {
    @Test("a truncated chunked body closes that connection only")
    func truncatedChunked() async throws {
        let (server, port) = try startServer()
        let (response, closed) = try await sendRaw(
            port,
            "POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly-part",
            thenClose: true
        )

        #expect(response == nil)
        #expect(closed)
        #expect(try await stillServes(port))
        await server.stop()
    }

    @Test("a chunk size of zz is answered 400 and the connection closed")
    func chunkSizeNotHex() async throws {
        let (server, port) = try startServer()
        let (response, closed) = try await sendRaw(
            port,
            "POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
        )

        #expect(response?.status == 400)
        #expect(response?.text.contains("invalid chunk size") == true)
        #expect(response?.headers["Connection"] == "close")
        #expect(closed)
        #expect(try await stillServes(port))
        await server.stop()
    }

    @Test("1 MB of header fields is answered 431")
    func hugeHeaders() async throws {
        let (server, port) = try startServer()
        var text = "GET / HTTP/1.1\r\n"
        for index in 0..<1_024 {
            text += "X-Filler-\(index): " + String(repeating: "h", count: 1_000) + "\r\n"
        }
        let (response, closed) = try await sendRaw(port, text + "\r\n")

        #expect(response?.status == 431)
        #expect(closed)
        #expect(try await stillServes(port))
        await server.stop()
    }

    @Test("a body over the limit is answered 413 before it is read")
    func bodyOverLimit() async throws {
        let (server, port) = try startServer { $0.limits.maxBodyBytes = 1_000 }
        let (declared, _) = try await sendRaw(port, "POST /f HTTP/1.1\r\nContent-Length: 1001\r\n\r\n")
        let chunk = String(repeating: "x", count: 600)
        let (chunked, _) = try await sendRaw(
            port,
            "POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n"
        )

        #expect(declared?.status == 413)
        #expect(chunked?.status == 413)
        #expect(try await stillServes(port))
        await server.stop()
    }

    @Test("a TLS handshake or a line that is not a request line is answered 400 at once, not after the timeout")
    func nonHTTPInput() async throws {
        let (server, port) = try startServer { $0.requestTimeout = 30 }
        let started = ContinuousClock.now
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]
        for input in [clientHello, Array("hello world\n".utf8), Array("GET /only-a-first-line\r\n".utf8)] {
            let (response, closed) = try await onThread { () -> (HTTPResponse?, Bool) in
                let connection = try RawConnection(port: port)
                try connection.send(input)
                return (try connection.readResponse(), connection.isClosedByServer())
            }
            #expect(response?.status == 400)
            #expect(closed)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(try await stillServes(port))
        await server.stop()
    }

    @Test("a client that sends half a request and stalls gets 408 while others are served")
    func stalledClient() async throws {
        let (server, port) = try startServer { $0.requestTimeout = 2 }
        let started = ContinuousClock.now
        let stalled = try await onThread { () -> RawConnection in
            let connection = try RawConnection(port: port)
            try connection.send("POST /f HTTP/1.1\r\nContent-Length: 100\r\n\r\nhalf")
            return connection
        }

        let servedMeanwhile = try await stillServes(port)
        // On a loaded machine the probe above can outlast the timeout; an answer is only wrong before it.
        let unansweredMeanwhile = !stalled.hasDataWaiting() || ContinuousClock.now - started >= .seconds(2)
        let (response, closed) = try await onThread { (try stalled.readResponse(), stalled.isClosedByServer()) }

        #expect(servedMeanwhile)
        #expect(unansweredMeanwhile)
        #expect(response?.status == 408)
        #expect(closed)
        #expect(ContinuousClock.now - started >= .seconds(2))
        await server.stop()
    }

    @Test("an idle kept-alive connection is closed after the idle timeout")
    func idleTimeout() async throws {
        let (server, port) = try startServer { $0.idleTimeout = 0.3 }
        let closed = try await onThread { () -> Bool in
            let connection = try RawConnection(port: port)
            _ = try connection.exchange(method: "GET", path: "/")
            return connection.isClosedByServer()
        }

        #expect(closed)
        #expect(server.registry.count == 0)
        await server.stop()
    }

    @Test("connections beyond the cap are answered 503")
    func connectionCap() async throws {
        let (server, port) = try startServer { $0.maxConnections = 2 }
        let statuses = try await onThread { () -> [Int?] in
            let first = try RawConnection(port: port)
            let second = try RawConnection(port: port)
            let statuses = [
                try first.exchange(method: "GET", path: "/")?.status,
                try second.exchange(method: "GET", path: "/")?.status,
            ]
            let third = try RawConnection(port: port)
            return statuses + [try third.readResponse()?.status]
        }

        #expect(statuses == [200, 200, 503])
        // The clients above have closed; once the server has seen that, there is room again.
        for _ in 0..<500 where server.openConnections > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await stillServes(port))
        await server.stop()
    }

    @Test("stopping closes connections that have sent only part of a request at once")
    func stopDropsPartialRequests() async throws {
        let (server, port) = try startServer { $0.requestTimeout = 30 }
        let partial = try await onThread { () -> [RawConnection] in
            let head = try RawConnection(port: port)
            try head.send("POST /f HTTP/1.1\r\nContent-Le")
            let body = try RawConnection(port: port)
            try body.send("POST /f HTTP/1.1\r\nContent-Length: 100\r\n\r\nhalf")
            return [head, body]
        }
        while server.registry.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))

        let started = ContinuousClock.now
        await server.stop()
        let closed = try await onThread { partial.map { $0.isClosedByServer() } }

        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(closed == [true, true])
    }

    @Test("stopping lets a request in progress finish, closes idle connections and refuses new ones")
    func gracefulStop() async throws {
        let started = Latch()
        let release = Latch()
        let server = HTTPServer(logger: .silent) { request in
            started.open()
            await release.wait()
            return HTTPResponse(status: 200, body: Array("done".utf8))
        }
        let port = try server.start()
        let idle = try await onThread { try RawConnection(port: port) }
        async let inFlight = sendRaw(port, "POST /held HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        await started.wait()

        let stopping = Task { await server.stop() }
        while !server.registry.isStopping { await Task.yield() }
        release.open()
        await stopping.value
        let (response, closed) = try await inFlight
        let idleClosed = try await onThread { idle.isClosedByServer() }

        #expect(response?.status == 200)
        #expect(response?.headers["Connection"] == "close")
        #expect(closed)
        #expect(idleClosed)
        await #expect(throws: HTTPError.self) { _ = try await onThread { try RawConnection(port: port).fd } }
    }
}
