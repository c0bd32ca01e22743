/// HTTP header fields in order, with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The first value of `name`, ignoring case.
    public subscript(name: String) -> String? {
        fields.first { HTTPHeaders.namesEqual($0.name, name) }?.value
    }

    /// Every value of `name`, ignoring case, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { HTTPHeaders.namesEqual($0.name, name) }.map(\.value)
    }

    /// Whether any field is named `name`, ignoring case.
    public func contains(_ name: String) -> Bool {
        fields.contains { HTTPHeaders.namesEqual($0.name, name) }
    }

    /// Compares two field names ignoring ASCII case, without allocating.
    public static func namesEqual(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return lhs.utf8.elementsEqual(rhs.utf8) { left, right in
            left == right || (left | 0x20 == right | 0x20 && (left | 0x20) >= 0x61 && (left | 0x20) <= 0x7A)
        }
    }

    /// Appends a field, keeping any existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field of `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Removes every field of `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPHeaders.namesEqual($0.name, name) }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

/// A request as the server received it or as the client will send it.
public struct HTTPRequest: Sendable {
    /// The method in upper case, e.g. `POST` or `MERGE`.
    public var method: String
    /// The request target: path plus optional `?query`, as it appears on the request line.
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The target without its query string.
    public var path: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// The query string without the `?`, or empty.
    public var query: Substring {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.count > 1 ? parts[1] : ""
    }
}

/// A response as the server will send it or as the client received it.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends requests to an absolute URL and returns the response; implemented by `HTTPClient`, and by
/// test doubles only where a test is about the caller's logic rather than the wire.
public protocol HTTPTransport: Sendable {
    /// Sends `request` to the origin of `url` (scheme, host and port); `request.target` carries the
    /// path and query. Throws on connection, TLS or timeout failures, never for an HTTP status.
    func send(_ request: HTTPRequest, to url: HTTPURL) async throws -> HTTPResponse
}

/// The parts of an `http://` or `https://` URL a client needs.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    public var isSecure: Bool
    public var host: String
    public var port: Int
    /// Path plus query, starting with `/`.
    public var target: String

    public init(isSecure: Bool, host: String, port: Int, target: String) {
        self.isSecure = isSecure
        self.host = host
        self.port = port
        self.target = target
    }

    /// Parses `http[s]://host[:port][/path][?query]`; `nil` for anything else.
    public init?(_ text: String) {
        let secure: Bool
        var rest: Substring
        if text.lowercased().hasPrefix("https://") {
            secure = true
            rest = text.dropFirst(8)
        } else if text.lowercased().hasPrefix("http://") {
            secure = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<slash]
        rest = rest[slash...]
        guard let (host, port) = HTTPURL.hostAndPort(authority, defaultPort: secure ? 443 : 80) else { return nil }
        self.init(
            isSecure: secure,
            host: String(host),
            port: port,
            target: rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
        )
    }

    /// Splits `host[:port]` or `[v6 address][:port]`; `nil` for an empty or malformed host (such as an
    /// unclosed `[`) or a port outside 1–65535.
    static func hostAndPort(_ authority: Substring, defaultPort: Int) -> (Substring, Int)? {
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let inner = authority[authority.index(after: authority.startIndex)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        let forbidden: Set<Character> = ["[", "]", ":", "@", "\\", "#", "%"]
        guard !host.isEmpty, authority.hasPrefix("[") || !host.contains(where: { forbidden.contains($0) }),
            host.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
        else { return nil }
        guard let portText else { return (host, defaultPort) }
        guard portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65_535).contains(port) else { return nil }
        return (host, port)
    }

    /// The origin, e.g. `https://account.table.core.windows.net:443`.
    public var origin: String { "\(isSecure ? "https" : "http")://\(host):\(port)" }

    public var description: String { origin + target }
}
