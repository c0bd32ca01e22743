import Glibc
import LinkTomeCore

@testable import LinkTomeHTTP

/// A blocking client socket that sends exactly the bytes a test gives it, for requests a real client
/// would never produce. Use it inside ``onThread(_:)``.
final class RawConnection: @unchecked Sendable {
    let fd: Int32
    private var parser = HTTPParser(kind: .response)

    init(port: Int, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPError.io(call: "socket", errno: errno) }
        var address = try SocketAddress(numericHost: "127.0.0.1", port: port)
        let result = try address.withSockaddr { pointer, length in connect(fd, pointer, length) }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw HTTPError.io(call: "connect", errno: code)
        }
        Socket.setTimeout(fd, SO_RCVTIMEO, seconds: timeout)
    }

    deinit {
        Glibc.close(fd)
    }

    func send(_ text: String) throws {
        try Socket.sendAll(fd, Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        try Socket.sendAll(fd, bytes)
    }

    /// Reads one response to a request with `method`; `nil` when the server closed first.
    func readResponse(to method: String = "GET") throws -> HTTPResponse? {
        parser.requestMethod = method
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let message = try parser.next() { return message.response }
            let count = try buffer.withUnsafeMutableBytes { try Socket.receive(fd, into: $0) }
            if count == 0 { return try parser.finishAtEndOfInput()?.response }
            buffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Whether the server has sent anything (or closed) that has not been read yet.
    func hasDataWaiting() -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Whether the server has closed the connection (reads return end of input).
    func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) <= 0
    }

    /// Sends a request with a body and reads the response.
    func exchange(
        method: String = "POST",
        path: String,
        body: String = "",
        chunked: Bool = false
    ) throws -> HTTPResponse? {
        if chunked {
            var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            let bytes = Array(body.utf8)
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + 7, bytes.count)
                text +=
                    String(end - offset, radix: 16) + "\r\n" + String(decoding: bytes[offset..<end], as: UTF8.self)
                    + "\r\n"
                offset = end
            }
            try send(text + "0\r\n\r\n")
        } else {
            try send(
                "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            )
        }
        return try readResponse()
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
