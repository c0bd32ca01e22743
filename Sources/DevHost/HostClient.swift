import Glibc
import LinkTomeHTTP
import Synchronization

/// The host side's HTTP client to the handler: kept-alive connections per port, reused for later
/// invocations as .NET's pooled `HttpClient` reuses them, and blocking I/O on threads of its own.
public final class HostClient: Sendable {
    private let idle = Mutex<[Int: [Int32]]>([:])
    /// Idle connections kept per port.
    private let maxIdlePerPort: Int

    public init(maxIdlePerPort: Int = 32) {
        self.maxIdlePerPort = maxIdlePerPort
    }

    deinit {
        closeIdleConnections()
    }

    /// Sends `request` to `127.0.0.1:port` and returns the response.
    ///
    /// A reused connection that the handler had closed (it restarted, or timed the connection out)
    /// is detected when nothing at all came back, and the request is sent once more on a new one.
    /// - Parameters:
    ///   - chunked: send the body with `Transfer-Encoding: chunked` (as the host does for invocations).
    ///   - timeout: seconds for the whole exchange.
    /// - Throws: ``DevHostError/connection(_:)``, ``DevHostError/timedOut(_:)`` or
    ///   ``DevHostError/malformedResponse(_:)``; never for an HTTP status.
    public func send(
        _ request: HTTPRequest,
        port: Int,
        chunked: Bool,
        timeout: Double
    ) async throws(DevHostError)
        -> HTTPResponse
    {
        try await BlockingCall.run("devhost-http") { [self] () throws(DevHostError) -> HTTPResponse in
            try exchange(request, port: port, chunked: chunked, deadline: Deadline(seconds: timeout))
        }
    }

    /// Closes every idle connection (after the handler restarted on another port, for example).
    public func closeIdleConnections() {
        let all = idle.withLock { pool -> [Int32] in
            defer { pool.removeAll() }
            return pool.values.flatMap { $0 }
        }
        for fd in all { close(fd) }
    }

    private func exchange(
        _ request: HTTPRequest,
        port: Int,
        chunked: Bool,
        deadline: Deadline
    ) throws(DevHostError)
        -> HTTPResponse
    {
        let bytes = HostHTTP.encode(request, port: port, chunked: chunked)
        var mayReuse = true
        while true {
            let pooled = mayReuse ? checkout(port) : nil
            let fd: Int32
            if let pooled {
                fd = pooled
            } else {
                fd = try HostSocket.connect(
                    port: port,
                    timeout: max(0.1, Double(deadline.remainingMilliseconds) / 1_000)
                )
            }
            var received = 0
            do throws(DevHostError) {
                try HostSocket.sendAll(fd, bytes, deadline: deadline)
                let (response, reusable) = try HostHTTP.readResponse(
                    fd,
                    method: request.method,
                    deadline: deadline,
                    received: &received
                )
                if reusable { checkin(fd, port) } else { close(fd) }
                return response
            } catch {
                close(fd)
                guard pooled != nil, received == 0 else { throw error }
                switch error {
                case .connection, .notListening: break
                default: throw error
                }
                mayReuse = false
            }
        }
    }

    private func checkout(_ port: Int) -> Int32? {
        while true {
            let candidate = idle.withLock { pool -> Int32? in pool[port]?.popLast() }
            guard let fd = candidate else { return nil }
            if HostSocket.isReusable(fd) { return fd }
            close(fd)
        }
    }

    private func checkin(_ fd: Int32, _ port: Int) {
        let kept = idle.withLock { pool -> Bool in
            guard pool[port, default: []].count < maxIdlePerPort else { return false }
            pool[port, default: []].append(fd)
            return true
        }
        if !kept { close(fd) }
    }
}
