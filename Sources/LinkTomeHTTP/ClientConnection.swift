import COpenSSL
import Glibc

/// One client connection, plain or TLS, with blocking I/O bounded by socket timeouts. It is used by
/// one thread at a time: the pool hands it from request to request.
final class ClientConnection: @unchecked Sendable {
    let fd: Int32
    private let ssl: OpaquePointer?
    private var closed = false
    /// Monotonic time of the last completed exchange, for the pool's idle expiry.
    var lastUsed = Socket.monotonicSeconds()

    /// Resolves `url.host`, connects to the first address that accepts within `connectTimeout`, and
    /// runs the TLS handshake for `https`.
    init(
        url: HTTPURL,
        configuration: HTTPClientConfiguration,
        tls: TLSContext?,
        cancellation: Cancellation
    ) throws(HTTPError) {
        let host = ClientConnection.bareHost(url.host)
        fd = try ClientConnection.connect(host: host, port: url.port, timeout: configuration.connectTimeout)
        _ = try? Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        Socket.setTimeout(fd, SO_RCVTIMEO, seconds: configuration.readTimeout)
        Socket.setTimeout(fd, SO_SNDTIMEO, seconds: configuration.readTimeout)
        guard let tls else {
            ssl = nil
            return
        }
        guard cancellation.attach(fd) else {
            Glibc.close(fd)
            throw .cancelled
        }
        defer { cancellation.detach() }
        do {
            ssl = try tls.connect(fd: fd, host: host)
        } catch {
            Glibc.close(fd)
            throw cancellation.isCancelled ? .cancelled : error
        }
    }

    deinit {
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let ssl { SSL_free(ssl) }
        Glibc.close(fd)
    }

    /// Sends every byte.
    func write(_ bytes: [UInt8]) throws(HTTPError) {
        guard !bytes.isEmpty else { return }
        guard let ssl else {
            try Socket.sendAll(fd, bytes)
            return
        }
        var offset = 0
        while offset < bytes.count {
            let chunk = Int32(min(bytes.count - offset, 1 << 30))
            let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, chunk) }
            guard written > 0 else { throw sslFailure(ssl, written, doing: "sending") }
            offset += Int(written)
        }
    }

    /// Reads what is available; 0 means the server closed.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        guard let ssl else { return try Socket.receive(fd, into: buffer) }
        let count = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if count > 0 { return Int(count) }
        let code = SSL_get_error(ssl, count)
        if code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && errno == 0) {
            ERR_clear_error()
            return 0
        }
        throw sslFailure(ssl, count, doing: "receiving")
    }

    private func sslFailure(_ ssl: OpaquePointer, _ result: Int32, doing what: String) -> HTTPError {
        let code = SSL_get_error(ssl, result)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
            ERR_clear_error()
            return .timedOut(what)
        }
        let number = errno
        if code == SSL_ERROR_SYSCALL, number != 0 {
            ERR_clear_error()
            return .io(call: what == "sending" ? "SSL_write" : "SSL_read", errno: number)
        }
        return .tls("\(what) failed: \(TLSContext.ioErrorText(code))")
    }

    /// Whether an idle connection can carry another request: the server has not closed it and has
    /// sent nothing unasked. A TLS 1.3 session ticket makes the socket readable without making the
    /// connection unusable, so TLS connections are checked by a non-blocking peek.
    func isReusable() -> Bool {
        guard !closed else { return false }
        if let ssl, SSL_pending(ssl) > 0 { return false }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return true }
        if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return false }

        guard let ssl else { return false }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        var byte: UInt8 = 0
        let result = SSL_peek(ssl, &byte, 1)
        let code = SSL_get_error(ssl, result)
        ERR_clear_error()
        return result <= 0 && code == SSL_ERROR_WANT_READ
    }

    /// `[::1]` becomes `::1`; other hosts stay as they are.
    static func bareHost(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// Resolves `host` with `getaddrinfo` and connects to the first address that accepts.
    private static func connect(host: String, port: Int, timeout: Double) throws(HTTPError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            throw .nameResolutionFailed(host: host, reason: reason)
        }
        defer { freeaddrinfo(list) }

        var lastFailure = "no usable address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            entry = current.pointee.ai_next
            switch attempt(current.pointee, timeout: timeout) {
            case .success(let fd): return fd
            case .failure(let failure): lastFailure = failure.reason
            }
        }
        throw .connectionFailed(host: host, port: port, reason: lastFailure)
    }

    /// One non-blocking connect bounded by `timeout`.
    private static func attempt(_ address: addrinfo, timeout: Double) -> Result<Int32, ConnectFailure> {
        let fd = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(ConnectFailure(HTTPError.errnoText(errno))) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)

        var result = Glibc.connect(fd, address.ai_addr, address.ai_addrlen)
        if result != 0, errno == EINPROGRESS {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat {
                ready = poll(&descriptor, 1, Int32(max(1, min(timeout * 1_000, 3_600_000))))
            } while ready < 0 && errno == EINTR
            guard ready > 0 else {
                Glibc.close(fd)
                return .failure(ConnectFailure("no answer within \(timeout) s"))
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            errno = error
            result = error == 0 ? 0 : -1
        }
        guard result == 0 else {
            let reason = HTTPError.errnoText(errno)
            Glibc.close(fd)
            return .failure(ConnectFailure(reason))
        }
        _ = fcntl(fd, F_SETFL, flags)
        return .success(fd)
    }

    private struct ConnectFailure: Error {
        var reason: String

        init(_ reason: String) {
            self.reason = reason
        }
    }
}
