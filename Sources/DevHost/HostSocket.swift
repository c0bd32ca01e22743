import Foundation
import Glibc

/// Blocking TCP calls on loopback, bounded by deadlines: what the host side of the custom-handler
/// protocol needs to reach the handler.
///
/// Every call runs on a thread of its own (see ``BlockingCall``), never on Swift's cooperative pool.
enum HostSocket {
    /// Opens a TCP connection to `127.0.0.1:port`, waiting at most `timeout` seconds.
    static func connect(port: Int, timeout: Double) throws(DevHostError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connection("socket: \(errnoText(errno))") }
        var address = loopback(port: port)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)

        var result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0, errno == EINPROGRESS {
            guard wait(fd, for: Int16(POLLOUT), deadline: Deadline(seconds: timeout)) else {
                close(fd)
                throw .connection("connecting to 127.0.0.1:\(port): no answer within \(timeout) s")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            errno = error
            result = error == 0 ? 0 : -1
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            if code == ECONNREFUSED { throw .notListening("connecting to 127.0.0.1:\(port): \(errnoText(code))") }
            throw .connection("connecting to 127.0.0.1:\(port): \(errnoText(code))")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Sends every byte before `deadline`.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], deadline: Deadline) throws(DevHostError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if sent < 0, code == EINTR { continue }
            if sent < 0, code == EAGAIN || code == EWOULDBLOCK {
                guard wait(fd, for: Int16(POLLOUT), deadline: deadline) else { throw .timedOut("sending a request") }
                continue
            }
            throw .connection("send: \(errnoText(code))")
        }
    }

    /// Reads what is available into `buffer`, waiting until `deadline`; 0 means the peer closed.
    static func receive(_ fd: Int32, into buffer: inout [UInt8], deadline: Deadline) throws(DevHostError) -> Int {
        var chunk = [UInt8](repeating: 0, count: 64 * 1_024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return count
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                guard wait(fd, for: Int16(POLLIN), deadline: deadline) else {
                    throw .timedOut("waiting for the response")
                }
                continue
            }
            throw .connection("recv: \(errnoText(code))")
        }
    }

    /// Whether an idle kept-alive connection can carry another request: nothing to read and no hang-up.
    static func isReusable(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// Picks a free loopback port the way the Functions host does: binds port 0 and reads it back.
    static func freePort() throws(DevHostError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connection("socket: \(errnoText(errno))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw .connection("bind 127.0.0.1:0: \(errnoText(errno))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw .connection("getsockname: \(errnoText(errno))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        address.sin_addr = in_addr(s_addr: in_addr_t(0x7F00_0001).bigEndian)
        return address
    }

    /// Waits until `fd` is ready for `events`; `false` when the deadline passed first.
    private static func wait(_ fd: Int32, for events: Int16, deadline: Deadline) -> Bool {
        while true {
            let remaining = deadline.remainingMilliseconds
            guard remaining > 0 else { return false }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 60_000)))
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { return true }
        }
    }

    static func errnoText(_ code: Int32) -> String {
        String(cString: strerror(code)) + " (errno \(code))"
    }
}

/// A point in monotonic time that blocking calls must finish by.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(seconds: Double) {
        instant = ContinuousClock.now.advanced(by: .milliseconds(Int64(max(0, min(seconds, 86_400 * 30)) * 1_000)))
    }

    var remainingMilliseconds: Int {
        let left = ContinuousClock.now.duration(to: instant)
        let (seconds, attoseconds) = left.components
        return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// Runs blocking work on a thread of its own and hands the result back to async code.
enum BlockingCall {
    static func run<T: Sendable>(
        _ name: String,
        _ body: @escaping @Sendable () throws(DevHostError) -> T
    )
        async throws(DevHostError) -> T
    {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<T, DevHostError>, Never>) in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(DevHostError) -> T in try body() })
            }
            thread.name = name
            thread.stackSize = 1 << 20
            thread.start()
        }
        return try result.get()
    }
}
