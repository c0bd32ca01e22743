import Glibc
import LinkTomeCore

@testable import LinkTomeHTTP

/// A blocking client for tests that sends requests the way the Functions host does (chunked by
/// default) over one kept-alive connection. Use it inside ``onThread(_:)``.
final class HandlerClient: @unchecked Sendable {
    let fd: Int32
    private var parser = HTTPParser(kind: .response)

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPError.io(call: "socket", errno: errno) }
        var address = try SocketAddress(numericHost: "127.0.0.1", port: port)
        let result = try address.withSockaddr { pointer, length in connect(fd, pointer, length) }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HTTPError.io(call: "connect", errno: code)
        }
        Socket.setTimeout(fd, SO_RCVTIMEO, seconds: 10)
    }

    deinit {
        Glibc.close(fd)
    }

    /// Sends a request (chunked in pieces of 100 bytes, or with Content-Length) and reads the answer.
    func send(
        _ method: String = "POST",
        _ path: String,
        body: [UInt8] = [],
        chunked: Bool = true,
        invocationId: String? = nil
    ) throws -> HTTPResponse? {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json; charset=utf-8\r\n"
        if let invocationId { head += "X-Azure-Functions-InvocationId: \(invocationId)\r\n" }
        var bytes: [UInt8]
        if chunked, method == "POST" {
            bytes = Array((head + "Transfer-Encoding: chunked\r\n\r\n").utf8)
            var offset = 0
            while offset < body.count {
                let end = min(offset + 100, body.count)
                bytes +=
                    Array((String(end - offset, radix: 16) + "\r\n").utf8) + body[offset..<end] + Array("\r\n".utf8)
                offset = end
            }
            bytes += Array("0\r\n\r\n".utf8)
        } else {
            bytes = Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8) + body
        }
        try Socket.sendAll(fd, bytes)
        return try readResponse()
    }

    /// Sends a JSON envelope.
    func invoke(
        _ path: String,
        _ envelope: JSONValue,
        chunked: Bool = true,
        invocationId: String? = nil
    ) throws
        -> HTTPResponse?
    {
        try send("POST", path, body: envelope.jsonBytes, chunked: chunked, invocationId: invocationId)
    }

    private func readResponse() throws -> HTTPResponse? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let message = try parser.next() { return message.response }
            let count = try buffer.withUnsafeMutableBytes { try Socket.receive(fd, into: $0) }
            if count == 0 { return try parser.finishAtEndOfInput()?.response }
            buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }
}

/// Runs blocking work on its own thread so that the Swift concurrency pool never blocks.
func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        do {
            try startThread(name: "test") {
                continuation.resume(with: Result { try body() })
            }
        } catch {
            continuation.resume(throwing: error)
        }
    }
}

extension HTTPResponse {
    /// The body parsed as JSON (`null` when it is not JSON).
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
}
