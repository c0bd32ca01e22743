import LinkTomeCore
import Testing

@testable import LinkTomeHTTP

@Suite("HTTP server and client together")
struct HTTPIntegrationTests {
    @Test("a handler can await the client: the connection's thread sleeps while the client's thread works")
    func handlerCallsOut() async throws {
        let backend = HTTPServer(logger: .silent) { request in
            HTTPResponse(status: 200, body: Array("backend saw \(request.target)".utf8))
        }
        let backendPort = try backend.start()
        let client = HTTPClient()
        let front = HTTPServer(logger: .silent) { request in
            let url = HTTPURL(isSecure: false, host: "127.0.0.1", port: backendPort, target: "/")
            do {
                let answer = try await client.send(HTTPRequest(method: "GET", target: request.target), to: url)
                return HTTPResponse(status: 200, body: Array("front: ".utf8) + answer.body)
            } catch {
                return HTTPResponse(status: 502, body: Array("\(error)".utf8))
            }
        }
        let frontPort = try front.start()

        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let url = HTTPURL(isSecure: false, host: "127.0.0.1", port: frontPort, target: "/")
                    return try await client.send(HTTPRequest(method: "GET", target: "/item/\(index)"), to: url).text
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }

        #expect(texts == Set((0..<8).map { "front: backend saw /item/\($0)" }))
        await front.stop()
        await backend.stop()
    }

    @Test("a 16 MiB chunked body in 8 KiB chunks arrives intact")
    func largeChunkedBody() async throws {
        let server = HTTPServer(logger: .silent) { request in
            var sum: UInt64 = 0
            for byte in request.body { sum = sum &* 31 &+ UInt64(byte) }
            return HTTPResponse(status: 200, body: Array("\(request.body.count) \(sum)".utf8))
        }
        let port = try server.start()
        let chunk = (0..<8_192).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var expectedSum: UInt64 = 0
        for _ in 0..<2_048 {
            for byte in chunk { expectedSum = expectedSum &* 31 &+ UInt64(byte) }
        }

        let answer = try await onThread { () -> String? in
            let connection = try RawConnection(port: port)
            try connection.send("POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let framed = Array("2000\r\n".utf8) + chunk + Array("\r\n".utf8)
            for _ in 0..<2_048 { try connection.send(framed) }
            try connection.send("0\r\n\r\n")
            return try connection.readResponse()?.text
        }

        #expect(answer == "\(16 * 1_024 * 1_024) \(expectedSum)")
        await server.stop()
    }
}
