import Foundation
import LinkTomeHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A plain-HTTP/1.1 transport for the tests against the local stand-in: one connection per request
/// (`Connection: close`), blocking socket calls on a dispatch queue, a receive timeout. It exists
/// only until the project's `HTTPClient` is available to this test target.
struct TestHTTPTransport: HTTPTransport {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let counter: RequestCounter?

    func send(_ request: HTTPRequest, to url: HTTPURL) async throws -> HTTPResponse {
        counter?.increment()
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.exchange(request, host: url.host, port: url.port) })
            }
        }
    }

    private static func exchange(_ request: HTTPRequest, host: String, port: Int) throws -> HTTPResponse {
        let socket = try connect(host: host, port: port)
        defer { close(socket) }

        var head = "\(request.method) \(request.target) HTTP/1.1\r\n"
        for field in request.headers where field.name.lowercased() != "connection" {
            head += "\(field.name): \(field.value)\r\n"
        }
        if request.headers["Content-Length"] == nil { head += "Content-Length: \(request.body.count)\r\n" }
        head += "Connection: close\r\n\r\n"
        try write(socket, Array(head.utf8) + request.body)

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0 { throw Failure(description: "recv failed: errno \(errno)") }
            if count == 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        return try parse(received)
    }

    private static func connect(host: String, port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket failed") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            close(socket)
            throw Failure(description: "connect to \(host):\(port) failed: errno \(errno)")
        }
        return socket
    }

    private static func write(_ socket: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    private static func parse(_ bytes: [UInt8]) throws -> HTTPResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else {
            throw Failure(description: "the connection closed before a complete response (\(bytes.count) bytes)")
        }
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "malformed status line \(lines[0])")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(
                String(line[..<colon]),
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            )
        }
        var body = Array(bytes[(end + 4)...])
        if let length = headers["Content-Length"].flatMap(Int.init) {
            guard body.count >= length else { throw Failure(description: "the body ended early") }
            body = Array(body.prefix(length))
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
