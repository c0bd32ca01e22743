import Foundation
import LinkTomeCore
import Synchronization
import Testing

@testable import LinkTomeHTTP

/// Answers with the method, path and body of the request.
private let echoHandler: HTTPHandler = { request in
    let answer: JSONValue = [
        "method": .string(request.method), "path": .string(String(request.path)), "body": .string(request.text),
    ]
    return HTTPResponse(
        status: 200,
        headers: HTTPHeaders([("Content-Type", "application/json")]),
        body: answer.jsonBytes
    )
}

extension HTTPRequest {
    fileprivate var text: String { String(decoding: body, as: UTF8.self) }
}

/// Starts a server on port 0, runs `body` with its port, and stops it.
private func withServer(
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    handler: @escaping HTTPHandler = echoHandler,
    _ body: (HTTPServer, Int) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration()
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, logger: .silent, handler: handler)
    let port = try server.start()
    do {
        try await body(server, port)
    } catch {
        await server.stop(gracePeriod: 1)
        throw error
    }
    await server.stop(gracePeriod: 1)
}

/// Sends `GET /ping` on a new connection and returns the status.
private func ping(_ port: Int) async throws -> Int? {
    try await onThread { try RawConnection(port: port).exchange(method: "GET", path: "/ping")?.status }
}

@Suite("HTTP server")
struct HTTPServerTests {
    @Test("serves several requests on one kept-alive connection, chunked and by length")
    func keepAlive() async throws {
        try await withServer { _, port in
            let bodies = try await onThread { () -> [String] in
                let connection = try RawConnection(port: port)
                var texts: [String] = []
                for index in 0..<6 {
                    let response = try connection.exchange(
                        path: "/f\(index)",
                        body: "body \(index)",
                        chunked: index % 2 == 0
                    )
                    texts.append(response?.text ?? "no response")
                }
                return texts
            }

            #expect(bodies.count == 6)
            for (index, text) in bodies.enumerated() {
                let value = try JSONParser.parse(text)
                #expect(value["path"] == .string("/f\(index)"))
                #expect(value["body"] == .string("body \(index)"))
            }
        }
    }

    @Test("serves 50 concurrent connections")
    func concurrentConnections() async throws {
        try await withServer { _, port in
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<50 {
                    group.addTask {
                        try await onThread {
                            let connection = try RawConnection(port: port)
                            return try (0..<5).map { round in
                                try connection.exchange(path: "/c\(client)", body: "\(round)")?.status ?? 0
                            }
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }

            #expect(statuses.count == 250)
            #expect(statuses.allSatisfy { $0 == 200 })
        }
    }

    @Test("answers a quick request while another connection's handler is still running")
    func slowHandlerDoesNotBlockOthers() async throws {
        let release = Latch()
        let started = Latch()
        let handler: HTTPHandler = { request in
            if request.path == "/held" {
                started.open()
                await release.wait()
            }
            return HTTPResponse(status: 200, body: Array("done".utf8))
        }

        try await withServer(handler: handler) { _, port in
            async let held = onThread { try RawConnection(port: port).exchange(path: "/held")?.status }
            await started.wait()
            let quick = try await ping(port)
            release.open()

            #expect(quick == 200)
            #expect(try await held == 200)
        }
    }

    @Test("sends 100 Continue before reading a body that expects it")
    func expectContinue() async throws {
        try await withServer { _, port in
            let (interim, final) = try await onThread { () -> (Int?, String?) in
                let connection = try RawConnection(port: port)
                try connection.send("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
                let interim = try connection.readResponse()?.status
                try connection.send("ok")
                return (interim, try connection.readResponse()?.text)
            }

            #expect(interim == 100)
            #expect(final?.contains("\"body\":\"ok\"") == true)
        }
    }

    @Test("HEAD gets the headers of a response without its body")
    func head() async throws {
        try await withServer { _, port in
            let response = try await onThread { () -> HTTPResponse? in
                let connection = try RawConnection(port: port)
                try connection.send("HEAD /h HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n")
                let head = try connection.readResponse(to: "HEAD")
                #expect(head?.body.isEmpty == true)
                #expect(head?.headers["Content-Length"].flatMap(Int.init) ?? 0 > 0)
                return try connection.readResponse()
            }

            #expect(response?.text.contains("/after") == true)
        }
    }
}
