import Dispatch
import Glibc
import LinkTomeCore

/// Settings of an ``HTTPClient``.
public struct HTTPClientConfiguration: Sendable {
    /// Seconds allowed for each TCP connect.
    public var connectTimeout = 10.0
    /// Seconds allowed for each read or write to make progress (not for the whole response).
    public var readTimeout = 60.0
    /// Seconds allowed for one whole request, from connecting to the last byte of the response (the
    /// Azure SDKs' default is 100 s). It bounds servers that trickle bytes or never finish answering.
    public var requestTimeout = 100.0
    /// Interim (1xx) responses accepted before the final one; more is treated as a broken server.
    public var maxInterimResponses = 16
    /// Idle kept-alive connections kept per origin.
    public var maxIdleConnectionsPerOrigin = 16
    /// Seconds an idle connection stays reusable; Azure's front ends drop idle connections after a
    /// few minutes, and a shorter limit avoids sending on a connection they are closing.
    public var idleConnectionTimeout = 30.0
    /// Limits on response heads and bodies.
    public var limits = HTTPLimits()
    /// A PEM file of CA certificates trusted in addition to the system bundle.
    public var extraCAFile: String?
    /// Sent as `User-Agent` unless the request sets one; `nil` sends none.
    public var userAgent: String? = "linktome"

    public init() {}

    /// Reads `LINKTOME_CA_FILE` (extra trusted CAs), `LINKTOME_HTTP_CONNECT_TIMEOUT`,
    /// `LINKTOME_HTTP_READ_TIMEOUT` and `LINKTOME_HTTP_REQUEST_TIMEOUT` (seconds). OpenSSL itself honours `SSL_CERT_FILE` and `SSL_CERT_DIR`.
    ///
    /// - Throws: `SettingsError` for a malformed timeout, ``HTTPError/invalidRequest(_:)`` for one of 0 or less.
    public init(settings: Settings) throws {
        self.init()
        extraCAFile = settings["LINKTOME_CA_FILE"]
        connectTimeout = try Self.positive(settings, "LINKTOME_HTTP_CONNECT_TIMEOUT", default: connectTimeout)
        readTimeout = try Self.positive(settings, "LINKTOME_HTTP_READ_TIMEOUT", default: readTimeout)
        requestTimeout = try Self.positive(settings, "LINKTOME_HTTP_REQUEST_TIMEOUT", default: requestTimeout)
    }

    /// A duration setting that must be more than 0 seconds.
    private static func positive(_ settings: Settings, _ name: String, default fallback: Double) throws -> Double {
        let value = try settings.seconds(name, default: fallback)
        guard value > 0 else {
            throw HTTPError.invalidRequest(
                "setting \(name)='\(settings[name] ?? "")' is invalid: expected a number of seconds greater than 0"
            )
        }
        return value
    }
}

/// An HTTP/1.1 client on POSIX sockets with TLS through OpenSSL (no libcurl, so the executable can be
/// fully static).
///
/// - Certificates are verified against the system CA bundle (plus `extraCAFile`), and the name in the
///   certificate must match the host (or IP literal) of the URL.
/// - Connections are kept alive and reused per origin; a request that fails because the server had
///   closed a reused connection before answering is retried once on a new connection, but only for
///   safe methods (GET, HEAD, OPTIONS): a write may have been applied before the connection dropped,
///   and only the caller can find out (for example by re-reading the entity), so it gets the error.
/// - Responses may be framed by `Content-Length`, chunking, or the end of the connection.
/// - Blocking socket I/O runs on a small pool of dedicated threads, never on the Swift concurrency
///   pool; cancelling the calling task interrupts it.
///
/// `send` throws ``HTTPError`` for connection, TLS, timeout and framing failures, never for an HTTP
/// status.
public final class HTTPClient: HTTPTransport {
    public let configuration: HTTPClientConfiguration
    let pool: ConnectionPool

    private static let ignoreBrokenPipes: Void = {
        // TLS writes go through write(2), which raises SIGPIPE on a closed connection.
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
        self.pool = ConnectionPool(
            maxPerOrigin: configuration.maxIdleConnectionsPerOrigin,
            idleTimeout: configuration.idleConnectionTimeout
        )
        HTTPClient.ignoreBrokenPipes
    }

    /// A client configured from settings (see ``HTTPClientConfiguration/init(settings:)``).
    public convenience init(settings: Settings) throws {
        self.init(configuration: try HTTPClientConfiguration(settings: settings))
    }

    deinit {
        pool.closeAll()
    }

    /// Sends `request` to the origin of `url`; `request.target` is the path and query to send.
    public func send(_ request: HTTPRequest, to url: HTTPURL) async throws(HTTPError) -> HTTPResponse {
        try HTTPClient.validate(request, url)
        let cancellation = Cancellation()
        let deadline = DispatchWorkItem { cancellation.cancel(expired: true) }
        DispatchQueue.global().asyncAfter(
            deadline: .now() + max(0.001, configuration.requestTimeout),
            execute: deadline
        )
        defer { deadline.cancel() }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                BlockingPool.shared.submit { [self] in
                    continuation.resume(
                        returning: Result { () throws(HTTPError) in try perform(request, url, cancellation) }
                    )
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        if case .failure(.cancelled) = result, cancellation.hasExpired {
            // The path only: a query may carry a SAS token.
            let path = request.target.prefix(while: { $0 != "?" })
            throw .timedOut(
                "waiting for the whole response to \(url.host)\(path) (\(configuration.requestTimeout) s)"
            )
        }
        return try result.get()
    }

    /// Closes the idle kept-alive connections.
    public func closeIdleConnections() {
        pool.closeAll()
    }

    /// Runs one request on a pool thread, reusing or opening a connection.
    private func perform(
        _ request: HTTPRequest,
        _ url: HTTPURL,
        _ cancellation: Cancellation
    ) throws(HTTPError)
        -> HTTPResponse
    {
        let key = ConnectionPool.Key(url)
        var mayReuse = true
        while true {
            guard !cancellation.isCancelled else { throw .cancelled }
            let pooled = mayReuse ? pool.checkout(key) : nil
            let connection: ClientConnection
            if let pooled {
                connection = pooled
            } else {
                connection = try openConnection(url, cancellation)
            }
            guard cancellation.attach(connection.fd) else {
                connection.close()
                throw .cancelled
            }

            var received = 0
            do {
                let (response, reusable) = try exchange(request, url, on: connection, received: &received)
                cancellation.detach()
                if reusable, !cancellation.isCancelled { pool.checkin(connection, key) } else { connection.close() }
                return response
            } catch {
                cancellation.detach()
                connection.close()
                if cancellation.isCancelled { throw .cancelled }
                guard pooled != nil, received == 0, HTTPClient.isSafe(request.method),
                    HTTPClient.isStaleConnectionFailure(error)
                else { throw error }
                mayReuse = false
            }
        }
    }

    private func openConnection(_ url: HTTPURL, _ cancellation: Cancellation) throws(HTTPError) -> ClientConnection {
        let tls = url.isSecure ? try TLSContext.shared(extraCAFile: configuration.extraCAFile) : nil
        return try ClientConnection(url: url, configuration: configuration, tls: tls, cancellation: cancellation)
    }

    /// Writes the request and reads its response; also says whether the connection can be reused.
    private func exchange(
        _ request: HTTPRequest,
        _ url: HTTPURL,
        on connection: ClientConnection,
        received: inout Int
    ) throws(HTTPError) -> (HTTPResponse, Bool) {
        let head = HTTPSerializer.requestHead(request, url: url, userAgent: configuration.userAgent)
        if request.body.count <= HTTPSerializer.inlineBodyLimit {
            try connection.write(head + request.body)
        } else {
            try connection.write(head)
            try connection.write(request.body)
        }

        var parser = HTTPParser(kind: .response, limits: configuration.limits)
        parser.requestMethod = request.method
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1_024, alignment: 16)
        defer { buffer.deallocate() }
        var interim = 0
        while true {
            if let message = try parser.next() {
                // Interim answers (100 Continue and the like) precede the real one.
                if (100..<200).contains(message.head.status), message.head.status != 101 {
                    interim += 1
                    guard interim <= configuration.maxInterimResponses else {
                        throw .malformedStatusLine(
                            "more than \(configuration.maxInterimResponses) interim (1xx) responses"
                        )
                    }
                    continue
                }
                let closes = request.headers.values("Connection").flatMap(HTTPParser.tokens).contains("close")
                return (message.response, message.head.keepAlive && parser.isIdle && !closes)
            }
            let count = try connection.read(into: buffer)
            if count == 0 {
                guard let message = try parser.finishAtEndOfInput() else { throw .connectionClosedMidMessage }
                return (message.response, false)
            }
            received += count
            parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Methods that change nothing on the server, so resending them cannot apply anything twice.
    private static func isSafe(_ method: String) -> Bool {
        method == "GET" || method == "HEAD" || method == "OPTIONS"
    }

    /// Failures that mean a reused connection had been closed by the server before it read the request.
    private static func isStaleConnectionFailure(_ error: HTTPError) -> Bool {
        switch error {
        case .connectionClosedMidMessage: return true
        case .io(_, let code): return code == ECONNRESET || code == EPIPE
        default: return false
        }
    }

    /// Rejects requests that cannot be written as valid HTTP/1.1.
    static func validate(_ request: HTTPRequest, _ url: HTTPURL) throws(HTTPError) {
        guard !url.host.isEmpty, !url.host.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == 0x2F }) else {
            throw .invalidRequest("invalid host '\(url.host)'")
        }
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(HTTPParser.isTokenByte) else {
            throw .invalidRequest("invalid method '\(request.method)'")
        }
        guard request.target.isEmpty || request.target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidRequest("the target '\(request.target)' needs percent-encoding")
        }
        for field in request.headers.fields {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPParser.isTokenByte) else {
                throw .invalidRequest("invalid header field name '\(field.name)'")
            }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw .invalidRequest("line break in the value of header field '\(field.name)'")
            }
        }
    }
}
