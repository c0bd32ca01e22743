import Foundation
import Glibc
import LinkTomeHTTP
import Testing

@testable import DevHost

/// Writes `bytes` into one end of a socket pair (then closes it if asked) and reads a response
/// from the other end.
private func read(_ text: String, close closing: Bool = true) throws -> (HTTPResponse, Bool) {
    var fds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw TestSetupError("socketpair") }
    defer { close(fds[0]) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(fds[1], $0.baseAddress, $0.count, 0) }
    if closing { close(fds[1]) }
    defer { if !closing { close(fds[1]) } }
    var received = 0
    do {
        return try HostHTTP.readResponse(fds[0], method: "POST", deadline: Deadline(seconds: 2), received: &received)
    } catch {
        throw error
    }
}

@Suite("HTTP framing on the host side")
struct HostHTTPTests {
    @Test("a request body is sent chunked with the host's framing")
    func chunkedRequest() {
        let body = [UInt8](repeating: 0x41, count: HostHTTP.chunkSize + 10)
        let request = HTTPRequest(
            method: "POST",
            target: "/F",
            headers: HTTPHeaders([("Content-Length", "99")]),
            body: body
        )
        let text = String(decoding: HostHTTP.encode(request, port: 7071, chunked: true), as: UTF8.self)

        #expect(text.hasPrefix("POST /F HTTP/1.1\r\nHost: 127.0.0.1:7071\r\n"))
        #expect(text.contains("Transfer-Encoding: chunked\r\n\r\n4000\r\n"))
        #expect(!text.contains("Content-Length"))
        #expect(text.hasSuffix("\r\na\r\nAAAAAAAAAA\r\n0\r\n\r\n"))
    }

    @Test("responses framed by length, chunks or the end of the connection are read")
    func framings() throws {
        let (sized, keep) = try read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", close: false)
        #expect(sized.status == 200)
        #expect(sized.text == "{}")
        #expect(keep)

        let (chunked, _) = try read(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
            close: false
        )
        #expect(chunked.text == "abcde")

        let (closed, reusable) = try read("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\npartial")
        #expect(closed.status == 500)
        #expect(closed.text == "partial")
        #expect(!reusable)
    }

    @Test("broken responses are errors, not crashes")
    func brokenResponses() {
        #expect(throws: DevHostError.self) { try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") }
        #expect(throws: DevHostError.self) { try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab") }
        #expect(throws: DevHostError.self) { try read("SMTP ready\r\n\r\n") }
        #expect(throws: DevHostError.self) { try read("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n") }
        #expect(throws: DevHostError.self) { try read("") }
    }

    @Test("the host reads an answer the way the Functions host does")
    func outcomes() {
        let json = HTTPHeaders([("Content-Type", "application/json")])
        let ok = FunctionInvoker.outcome(
            of: HTTPResponse(status: 200, headers: json, body: Array(#"{"ReturnValue":"x","Logs":["a"]}"#.utf8))
        )
        if case .succeeded(let value, let logs) = ok {
            #expect(value == "x")
            #expect(logs == ["a"])
        } else {
            Issue.record("a 200 with a JSON object must succeed")
        }
        let failed = FunctionInvoker.outcome(of: HTTPResponse(status: 503, headers: json, body: Array("{}".utf8)))
        if case .failed(let failure) = failed {
            #expect(failure.message == "Response status code does not indicate success: 503 (Service Unavailable).")
        } else {
            Issue.record("a 503 must fail")
        }
        for response in [
            HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: Array("{}".utf8)),
            HTTPResponse(status: 200, headers: json, body: []),
            HTTPResponse(status: 200, headers: json, body: Array("[1]".utf8)),
        ] {
            if case .succeeded = FunctionInvoker.outcome(of: response) { Issue.record("\(response.text) must fail") }
        }
    }
}
