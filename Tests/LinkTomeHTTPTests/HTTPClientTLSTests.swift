import Foundation
import Testing

@testable import LinkTomeHTTP

@Suite("HTTP client over TLS", .enabled(if: TLSFixture.toolsAvailable, "needs openssl and python3"))
struct HTTPClientTLSTests {
    @Test("a certificate from the extra CA is trusted, and the connection is reused")
    func trusted() async throws {
        let fixture = try await onThread { try TLSFixture() }
        defer { fixture.stop() }
        var configuration = HTTPClientConfiguration()
        configuration.extraCAFile = fixture.caFile
        let client = HTTPClient(configuration: configuration)
        let origin = try #require(HTTPURL("https://localhost:\(fixture.port)/"))

        let get = try await client.send(HTTPRequest(method: "GET", target: "/hello?x=1"), to: origin)
        let chunked = try await client.send(HTTPRequest(method: "GET", target: "/chunked"), to: origin)
        let post = try await client.send(
            HTTPRequest(method: "POST", target: "/echo", body: Array("secret".utf8)),
            to: origin
        )

        #expect(get.status == 200)
        #expect(get.text == #"{"path":"/hello?x=1"}"#)
        #expect(chunked.text == "over tls")
        #expect(post.status == 201)
        #expect(post.text == "secret")
        #expect(client.pool.idleCount(ConnectionPool.Key(origin)) == 1)
        let peers = Set([get, chunked, post].map { $0.headers["X-Peer-Port"] })
        #expect(peers.count == 1)
    }

    @Test("a certificate from an unknown CA is rejected")
    func untrusted() async throws {
        let fixture = try await onThread { try TLSFixture() }
        defer { fixture.stop() }
        let client = HTTPClient()
        let origin = try #require(HTTPURL("https://localhost:\(fixture.port)/"))

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(method: "GET", target: "/"), to: origin)
        }

        guard case .certificateRejected(let host, let reason)? = error else {
            Issue.record("expected a rejected certificate, got \(String(describing: error))")
            return
        }
        #expect(host == "localhost")
        #expect(reason.contains("certificate"))
    }

    @Test("a trusted certificate for another name is rejected")
    func wrongName() async throws {
        let fixture = try await onThread { try TLSFixture() }
        defer { fixture.stop() }
        var configuration = HTTPClientConfiguration()
        configuration.extraCAFile = fixture.caFile
        let client = HTTPClient(configuration: configuration)
        let byAddress = try #require(HTTPURL("https://127.0.0.1:\(fixture.port)/"))

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPRequest(method: "GET", target: "/"), to: byAddress)
        }

        guard case .certificateRejected(_, let reason)? = error else {
            Issue.record("expected a rejected certificate, got \(String(describing: error))")
            return
        }
        #expect(reason.lowercased().contains("mismatch"))
    }

    @Test("a missing extra CA file is a clear TLS error")
    func missingCAFile() async throws {
        var configuration = HTTPClientConfiguration()
        configuration.extraCAFile = "/nonexistent/ca.pem"
        let client = HTTPClient(configuration: configuration)

        let error = await #expect(throws: HTTPError.self) {
            try await client.send(
                HTTPRequest(method: "GET", target: "/"),
                to: HTTPURL(isSecure: true, host: "localhost", port: 1, target: "/")
            )
        }

        #expect(error?.description.contains("/nonexistent/ca.pem") == true)
    }
}
