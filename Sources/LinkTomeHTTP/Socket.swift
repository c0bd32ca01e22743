import Glibc

/// Thin wrappers over the POSIX socket calls the server and client use: they retry on `EINTR`, turn
/// `EAGAIN` from a socket timeout into ``HTTPError/timedOut(_:)``, and keep the name of the failed call.
enum Socket {
    /// Creates a TCP socket listening on `host` (an IPv4 or IPv6 literal) and `port` (0 picks a free
    /// port); returns the descriptor and the port actually bound.
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPError) -> (fd: Int32, port: Int) {
        guard (0...65_535).contains(port) else { throw .invalidRequest("port \(port) is out of range") }
        var address = try SocketAddress(numericHost: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .io(call: "socket", errno: errno) }

        do throws(HTTPError) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try address.withSockaddr { pointer, length throws(HTTPError) in
                guard bind(fd, pointer, length) == 0 else { throw .io(call: "bind \(host):\(port)", errno: errno) }
            }
            guard Glibc.listen(fd, backlog) == 0 else { throw .io(call: "listen", errno: errno) }
            return (fd, try boundPort(fd))
        } catch {
            close(fd)
            throw error
        }
    }

    /// The local port of a bound socket.
    static func boundPort(_ fd: Int32) throws(HTTPError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw .io(call: "getsockname", errno: errno) }
        let isIPv6 = storage.ss_family == sa_family_t(AF_INET6)
        return withUnsafePointer(to: &storage) { pointer in
            if isIPv6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(HTTPError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw .io(call: "setsockopt", errno: errno)
        }
    }

    /// Sets `SO_RCVTIMEO` or `SO_SNDTIMEO`; 0 means no timeout.
    static func setTimeout(_ fd: Int32, _ option: Int32, seconds: Double) {
        let clamped = max(0, min(seconds, 86_400 * 365))
        let whole = clamped.rounded(.down)
        var value = timeval(tv_sec: Int(whole), tv_usec: Int((clamped - whole) * 1_000_000))
        if seconds > 0, value.tv_sec == 0, value.tv_usec == 0 { value.tv_usec = 1 }
        _ = setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads what is available (blocking until something is); 0 means the peer closed.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(HTTPError) -> Int {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { throw .timedOut("waiting for data") }
            throw .io(call: "recv", errno: code)
        }
    }

    /// Sends every byte, retrying partial writes; never raises `SIGPIPE`.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, more: Bool = false) throws(HTTPError) {
        var offset = 0
        let flags = Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0)
        while offset < bytes.count {
            let count = send(fd, bytes.baseAddress! + offset, bytes.count - offset, flags)
            if count > 0 {
                offset += count
                continue
            }
            let code = errno
            if count < 0, code == EINTR { continue }
            if count < 0, code == EAGAIN || code == EWOULDBLOCK { throw .timedOut("sending") }
            throw .io(call: "send", errno: count < 0 ? code : EPIPE)
        }
    }

    /// Sends an array of bytes.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], more: Bool = false) throws(HTTPError) {
        var failure: HTTPError?
        bytes.withUnsafeBytes { buffer in
            do throws(HTTPError) {
                try sendAll(fd, buffer, more: more)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Seconds on the monotonic clock, for timeouts.
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1_000_000_000
    }
}

/// An IPv4 or IPv6 socket address built from a numeric host.
struct SocketAddress {
    var storage = sockaddr_storage()
    var length: socklen_t
    var family: Int32

    init(numericHost host: String, port: Int) throws(HTTPError) {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port)).bigEndian
            family = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: v4) { target.copyMemory(from: $0) } }
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port)).bigEndian
            family = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { target in withUnsafeBytes(of: v6) { target.copyMemory(from: $0) } }
        } else {
            throw .invalidRequest("'\(host)' is not a numeric IPv4 or IPv6 address")
        }
    }

    mutating func withSockaddr<Result>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(HTTPError) -> Result
    ) throws(HTTPError) -> Result {
        let length = length
        return try withUnsafePointer(to: &storage) { pointer throws(HTTPError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr throws(HTTPError) in
                try body(sockaddr, length)
            }
        }
    }
}
