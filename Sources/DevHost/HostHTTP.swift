import Foundation
import LinkTomeHTTP

/// Writes requests and reads responses on a socket, as the Functions host's `HttpClient` does:
/// the body goes out with `Transfer-Encoding: chunked` (its `ObjectContent` has no length) or with
/// `Content-Length`, and responses may be framed by length, by chunks, or by the end of the connection.
enum HostHTTP {
    /// The largest response head and body accepted from the handler.
    static let maxHeadBytes = 64 * 1_024
    static let maxBodyBytes = 256 * 1_024 * 1_024
    /// Body bytes per chunk when sending chunked.
    static let chunkSize = 16 * 1_024

    /// The bytes of a request to `127.0.0.1:port`.
    static func encode(_ request: HTTPRequest, port: Int, chunked: Bool) -> [UInt8] {
        var head = "\(request.method) \(request.target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for field in request.headers.fields {
            if HTTPHeaders.namesEqual(field.name, "Content-Length")
                || HTTPHeaders.namesEqual(field.name, "Transfer-Encoding")
            {
                continue
            }
            head += "\(field.name): \(field.value)\r\n"
        }
        if chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
        } else {
            head += "Content-Length: \(request.body.count)\r\n\r\n"
        }
        var bytes = Array(head.utf8)
        guard chunked else {
            bytes += request.body
            return bytes
        }
        var offset = 0
        while offset < request.body.count {
            let end = min(offset + chunkSize, request.body.count)
            bytes += Array((String(end - offset, radix: 16) + "\r\n").utf8)
            bytes += request.body[offset..<end]
            bytes += [13, 10]
            offset = end
        }
        bytes += Array("0\r\n\r\n".utf8)
        return bytes
    }

    /// Reads one response from `fd`. `received` counts the bytes that arrived (a reused connection
    /// that fails before any byte may be retried on a new one).
    ///
    /// - Returns: the response and whether the connection may carry another request.
    static func readResponse(
        _ fd: Int32,
        method: String,
        deadline: Deadline,
        received: inout Int
    ) throws(DevHostError) -> (HTTPResponse, Bool) {
        var buffer: [UInt8] = []
        while true {
            let (head, bodyStart) = try readHead(fd, &buffer, deadline: deadline, received: &received)
            buffer.removeFirst(bodyStart)
            if (100..<200).contains(head.status) { continue }

            let noBody = method == "HEAD" || head.status == 204 || head.status == 304
            var keepAlive = head.keepAlive
            let body: [UInt8]
            if noBody {
                body = []
            } else if head.chunked {
                body = try readChunked(fd, &buffer, deadline: deadline, received: &received)
            } else if let length = head.contentLength {
                body = try readExactly(fd, &buffer, length, deadline: deadline, received: &received)
            } else {
                body = try readToEnd(fd, &buffer, deadline: deadline, received: &received)
                keepAlive = false
            }
            return (HTTPResponse(status: head.status, headers: head.headers, body: body), keepAlive && buffer.isEmpty)
        }
    }

    struct Head {
        var status: Int
        var headers: HTTPHeaders
        var keepAlive: Bool
        var chunked: Bool
        var contentLength: Int?
    }

    private static func readHead(
        _ fd: Int32,
        _ buffer: inout [UInt8],
        deadline: Deadline,
        received: inout Int
    ) throws(DevHostError) -> (Head, Int) {
        var searchFrom = 0
        while true {
            if let end = headEnd(buffer, from: searchFrom) {
                return (try parseHead(Array(buffer[0..<end])), end + 4)
            }
            searchFrom = max(0, buffer.count - 3)
            guard buffer.count <= maxHeadBytes else { throw .malformedResponse("the response head exceeds 64 KiB") }
            let count = try HostSocket.receive(fd, into: &buffer, deadline: deadline)
            guard count > 0 else {
                throw .connection(
                    buffer.isEmpty
                        ? "the handler closed the connection without answering" : "the response head was cut off"
                )
            }
            received += count
        }
    }

    private static func headEnd(_ buffer: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= 4 else { return nil }
        var index = start
        while index + 3 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10, buffer[index + 2] == 13, buffer[index + 3] == 10 {
                return index
            }
            index += 1
        }
        return nil
    }

    static func parseHead(_ bytes: [UInt8]) throws(DevHostError) -> Head {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...999).contains(status)
        else { throw .malformedResponse("bad status line '\(statusLine.prefix(80))'") }

        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformedResponse("bad header line '\(line.prefix(80))'")
            }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let connection = headers.values("Connection").joined(separator: ",").lowercased()
        let isHTTP10 = parts[0] == "HTTP/1.0"
        let keepAlive = isHTTP10 ? connection.contains("keep-alive") : !connection.contains("close")
        let chunked = headers.values("Transfer-Encoding").joined(separator: ",").lowercased().contains("chunked")
        var length: Int?
        if let raw = headers["Content-Length"] {
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw .malformedResponse("bad Content-Length '\(raw)'")
            }
            guard value <= maxBodyBytes else { throw .malformedResponse("a body of \(value) bytes is over the limit") }
            length = value
        }
        return Head(status: status, headers: headers, keepAlive: keepAlive, chunked: chunked, contentLength: length)
    }

    private static func readExactly(
        _ fd: Int32,
        _ buffer: inout [UInt8],
        _ count: Int,
        deadline: Deadline,
        received: inout Int
    ) throws(DevHostError) -> [UInt8] {
        while buffer.count < count {
            let got = try HostSocket.receive(fd, into: &buffer, deadline: deadline)
            guard got > 0 else { throw .connection("the connection closed in the middle of the response body") }
            received += got
        }
        let body = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return body
    }

    private static func readToEnd(
        _ fd: Int32,
        _ buffer: inout [UInt8],
        deadline: Deadline,
        received: inout Int
    ) throws(DevHostError) -> [UInt8] {
        while true {
            guard buffer.count <= maxBodyBytes else { throw .malformedResponse("the response body is over the limit") }
            let got = try HostSocket.receive(fd, into: &buffer, deadline: deadline)
            if got == 0 { break }
            received += got
        }
        defer { buffer.removeAll() }
        return buffer
    }

    private static func readLine(
        _ fd: Int32,
        _ buffer: inout [UInt8],
        deadline: Deadline,
        received: inout Int
    ) throws(DevHostError) -> String {
        while true {
            if let index = firstCRLF(buffer) {
                let line = String(decoding: buffer[0..<index], as: UTF8.self)
                buffer.removeFirst(index + 2)
                return line
            }
            guard buffer.count <= maxHeadBytes else { throw .malformedResponse("a chunk line is too long") }
            let got = try HostSocket.receive(fd, into: &buffer, deadline: deadline)
            guard got > 0 else { throw .connection("the connection closed in the middle of a chunked body") }
            received += got
        }
    }

    private static func firstCRLF(_ buffer: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < buffer.count {
            if buffer[index] == 13, buffer[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }

    private static func readChunked(
        _ fd: Int32,
        _ buffer: inout [UInt8],
        deadline: Deadline,
        received: inout Int
    ) throws(DevHostError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine(fd, &buffer, deadline: deadline, received: &received)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw .malformedResponse("bad chunk size '\(line.prefix(40))'")
            }
            if size == 0 {
                while try !readLine(fd, &buffer, deadline: deadline, received: &received).isEmpty {}
                return body
            }
            guard body.count + size <= maxBodyBytes else {
                throw .malformedResponse("the chunked body is over the limit")
            }
            body += try readExactly(fd, &buffer, size, deadline: deadline, received: &received)
            guard try readLine(fd, &buffer, deadline: deadline, received: &received).isEmpty else {
                throw .malformedResponse("a chunk is not followed by CRLF")
            }
        }
    }
}
