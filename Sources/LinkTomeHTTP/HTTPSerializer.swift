/// Writes request and response heads. The writer owns framing: it sets `Content-Length` itself and
/// drops any `Content-Length`, `Transfer-Encoding` or `Connection` field the caller put in.
enum HTTPSerializer {
    /// Bodies up to this size are copied behind the head so that one `send` carries both.
    static let inlineBodyLimit = 64 * 1024

    /// The head of `response`; `bodyLength` is `nil` for statuses that never carry a body.
    static func responseHead(_ response: HTTPResponse, bodyLength: Int?, keepAlive: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + response.headers.fields.count * 40)
        append("HTTP/1.1 \(response.status) \(reasonPhrase(response.status))\r\n", to: &bytes)
        appendFields(response.headers, keepConnection: false, to: &bytes)
        if let bodyLength {
            append("Content-Length: \(bodyLength)\r\n", to: &bytes)
        }
        if !keepAlive {
            append("Connection: close\r\n", to: &bytes)
        }
        append("\r\n", to: &bytes)
        return bytes
    }

    /// The head of `request` for `url`'s origin, adding `Host` unless the caller set one.
    static func requestHead(_ request: HTTPRequest, url: HTTPURL, userAgent: String?) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + request.headers.fields.count * 48)
        let target = request.target.isEmpty ? "/" : request.target
        append("\(request.method) \(target) HTTP/1.1\r\n", to: &bytes)
        if !request.headers.contains("Host") {
            let defaultPort = url.isSecure ? 443 : 80
            let host = url.host.contains(":") && !url.host.hasPrefix("[") ? "[\(url.host)]" : url.host
            append("Host: \(url.port == defaultPort ? host : "\(host):\(url.port)")\r\n", to: &bytes)
        }
        if let userAgent, !request.headers.contains("User-Agent") {
            append("User-Agent: \(userAgent)\r\n", to: &bytes)
        }
        appendFields(request.headers, keepConnection: true, to: &bytes)
        if !request.body.isEmpty || ["POST", "PUT", "PATCH", "MERGE"].contains(request.method) {
            append("Content-Length: \(request.body.count)\r\n", to: &bytes)
        }
        append("\r\n", to: &bytes)
        return bytes
    }

    /// Appends every field except the framing ones (and `Connection` unless `keepConnection`); CR and
    /// LF in values become spaces so that a value can never start a new field.
    private static func appendFields(_ headers: HTTPHeaders, keepConnection: Bool, to bytes: inout [UInt8]) {
        for field in headers.fields {
            if HTTPHeaders.namesEqual(field.name, "Content-Length")
                || HTTPHeaders.namesEqual(field.name, "Transfer-Encoding")
                || (!keepConnection && HTTPHeaders.namesEqual(field.name, "Connection"))
            {
                continue
            }
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPParser.isTokenByte) else { continue }
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            for byte in field.value.utf8 {
                bytes.append(byte == 0x0D || byte == 0x0A || byte == 0 ? 0x20 : byte)
            }
            bytes.append(contentsOf: "\r\n".utf8)
        }
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Whether a response with `status` carries no body at all (RFC 9110 §6.4.1).
    static func statusHasNoBody(_ status: Int) -> Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }

    /// The standard reason phrase of `status`.
    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return status < 400 ? "OK" : "Error"
        }
    }
}
