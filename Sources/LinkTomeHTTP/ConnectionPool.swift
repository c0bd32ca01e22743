import Synchronization

/// Idle kept-alive client connections, per origin. The most recently used connection is handed out
/// first; connections idle longer than the limit, or closed by the server, are dropped.
final class ConnectionPool: Sendable {
    struct Key: Hashable, Sendable {
        var isSecure: Bool
        var host: String
        var port: Int

        init(_ url: HTTPURL) {
            isSecure = url.isSecure
            host = url.host.lowercased()
            port = url.port
        }
    }

    private let idle = Mutex<[Key: [ClientConnection]]>([:])
    private let maxPerOrigin: Int
    private let idleTimeout: Double

    init(maxPerOrigin: Int, idleTimeout: Double) {
        self.maxPerOrigin = maxPerOrigin
        self.idleTimeout = idleTimeout
    }

    /// A reusable idle connection to `key`'s origin, if there is one.
    func checkout(_ key: Key) -> ClientConnection? {
        var stale: [ClientConnection] = []
        defer { for connection in stale { connection.close() } }
        let now = Socket.monotonicSeconds()
        while let candidate = idle.withLock({ $0[key]?.popLast() }) {
            if now - candidate.lastUsed < idleTimeout, candidate.isReusable() { return candidate }
            stale.append(candidate)
        }
        return nil
    }

    /// Returns a connection after a complete exchange; closes it when the origin has enough idle ones.
    func checkin(_ connection: ClientConnection, _ key: Key) {
        connection.lastUsed = Socket.monotonicSeconds()
        let kept = idle.withLock { idle -> Bool in
            var list = idle[key] ?? []
            guard list.count < maxPerOrigin else { return false }
            list.append(connection)
            idle[key] = list
            return true
        }
        if !kept { connection.close() }
    }

    /// Closes every idle connection.
    func closeAll() {
        let all = idle.withLock { idle -> [ClientConnection] in
            defer { idle = [:] }
            return idle.values.flatMap { $0 }
        }
        for connection in all { connection.close() }
    }

    /// The number of idle connections to `key`'s origin.
    func idleCount(_ key: Key) -> Int {
        idle.withLock { $0[key]?.count ?? 0 }
    }
}
