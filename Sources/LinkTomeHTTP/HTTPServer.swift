import Glibc
import LinkTomeCore
import Synchronization

/// Answers one request. Called concurrently from many connections.
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse

/// Settings of an ``HTTPServer``.
public struct HTTPServerConfiguration: Sendable {
    /// Where the handler code of a request runs.
    public enum HandlerPlacement: Sendable {
        /// On the connection's own thread: no thread hop per request (the default).
        case connectionThread
        /// On the Swift global concurrent executor while the connection thread waits.
        case globalExecutor
    }

    /// Numeric address to listen on; the Functions host always connects to `127.0.0.1`.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free port (read it from ``HTTPServer/start()``).
    public var port = 0
    public var limits = HTTPLimits()
    /// Connections beyond this many are answered 503 and closed.
    public var maxConnections = 512
    /// Seconds a kept-alive connection may wait for its next request; longer than the host's pooled
    /// connection lifetime (.NET closes idle pooled connections after 60 s), so that the client, not
    /// the server, closes idle connections and never sends on one the server is closing.
    public var idleTimeout = 300.0
    /// Seconds allowed between the bytes of a request once it has started, and for its whole head.
    public var requestTimeout = 30.0
    /// Seconds a response write may wait for a client that does not read.
    public var writeTimeout = 30.0
    /// Pending connections the kernel queues before `accept`.
    public var backlog: Int32 = 1_024
    public var handlerPlacement = HandlerPlacement.connectionThread

    public init() {}
}

/// An HTTP/1.1 server on POSIX sockets: one thread per connection, keep-alive, pipelining,
/// `Content-Length` and chunked request bodies, limits and timeouts that answer instead of failing,
/// and a graceful stop.
///
/// Each connection's thread reads a request, runs the async handler on itself (see
/// `ConnectionExecutor`), and writes the response, so a slow handler never delays other
/// connections, including the Functions host's `GET /` health probes.
public final class HTTPServer: Sendable {
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let handler: HTTPHandler
    let registry: ConnectionRegistry
    private let boundPort = Mutex<Int?>(nil)

    public init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        logger: Logger,
        handler: @escaping HTTPHandler
    ) {
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
        self.registry = ConnectionRegistry(maxConnections: configuration.maxConnections)
    }

    /// The port the server listens on, once started.
    public var port: Int? { boundPort.withLock { $0 } }

    /// The number of open connections.
    public var openConnections: Int { registry.count }

    /// Binds, listens and starts accepting connections; returns the bound port at once.
    ///
    /// - Throws: ``HTTPError/io(call:errno:)`` when the address cannot be bound (for example the port
    ///   is taken), ``HTTPError/invalidRequest(_:)`` for a bad address or a second `start`.
    @discardableResult
    public func start() throws(HTTPError) -> Int {
        guard port == nil, !registry.isStopping else { throw .invalidRequest("the server was already started") }
        let (fd, port) = try Socket.listen(
            host: configuration.host,
            port: configuration.port,
            backlog: configuration.backlog
        )
        registry.acceptorStarted(listenFD: fd)
        do {
            try startThread(name: "http-accept", stackSize: 256 << 10) { [self] in acceptLoop(fd) }
        } catch {
            close(fd)
            registry.acceptorStopped()
            throw error
        }
        boundPort.withLock { $0 = port }
        logger.debug("http server listening", metadata: ["http.host": configuration.host, "http.port": "\(port)"])
        return port
    }

    /// Stops accepting, lets requests in progress finish (closing their connections after the
    /// response), closes idle connections, and returns when every connection is closed.
    ///
    /// - Parameter gracePeriod: seconds to wait for requests in progress before cutting them off;
    ///   `nil` waits as long as they take.
    public func stop(gracePeriod: Double? = nil) async {
        registry.beginStop()
        if let gracePeriod {
            let registry = registry
            Task.detached {
                try? await Task.sleep(for: .milliseconds(Int(gracePeriod * 1_000)))
                registry.beginStop(force: true)
            }
        }
        await registry.waitUntilStopped()
        logger.debug("http server stopped")
    }

    /// Stops accepting and closes idle connections now, without waiting; ``stop(gracePeriod:)`` does
    /// this first too, and then waits.
    public func beginStopping() {
        registry.beginStop()
    }

    /// Cuts off every connection at once, invocations in progress included; a ``stop(gracePeriod:)``
    /// in progress then returns as soon as their threads have finished.
    public func stopNow() {
        registry.beginStop(force: true)
    }

    /// Returns when the server has stopped.
    public func waitUntilStopped() async {
        await registry.waitUntilStopped()
    }

    private func acceptLoop(_ listenFD: Int32) {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                let code = errno
                if registry.isStopping { break }
                if code == EINTR || code == ECONNABORTED || code == EPROTO { continue }
                logger.warning("accept failed", metadata: ["errno": "\(code)", "error": HTTPError.errnoText(code)])
                usleep(10_000)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            admit(fd)
        }
        close(listenFD)
        registry.acceptorStopped()
    }

    private func admit(_ fd: Int32) {
        switch registry.register(fd: fd) {
        case .success(let slot):
            do {
                try startThread(name: "http-connection") { [self] in
                    var connection = ServerConnection(slot: slot, server: self)
                    connection.run()
                }
            } catch {
                logger.warning("cannot start a connection thread", metadata: ["error": "\(error)"])
                registry.remove(slot)
                close(fd)
            }
        case .failure(.atCapacity):
            logger.warning(
                "connection refused: at capacity",
                metadata: ["http.max_connections": "\(registry.maxConnections)"]
            )
            let response = ServerConnection.errorResponse(status: 503, message: "the server is at its connection limit")
            var bytes = HTTPSerializer.responseHead(response, bodyLength: response.body.count, keepAlive: false)
            bytes.append(contentsOf: response.body)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            close(fd)
        case .failure(.stopping):
            close(fd)
        }
    }
}
