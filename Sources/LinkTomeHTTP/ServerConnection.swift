import Glibc
import LinkTomeCore

/// One accepted connection, served on its own thread: read a request, run the handler, write the
/// response, repeat while the connection is kept alive.
struct ServerConnection {
    static let readSize = 64 * 1024
    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    let fd: Int32
    let slot: ConnectionRegistry.Slot
    let server: HTTPServer
    private var parser: HTTPParser
    private let executor = ConnectionExecutor()
    private var receiveTimeout = -1.0

    init(slot: ConnectionRegistry.Slot, server: HTTPServer) {
        self.fd = slot.fd
        self.slot = slot
        self.server = server
        self.parser = HTTPParser(kind: .request, limits: server.configuration.limits)
    }

    private var configuration: HTTPServerConfiguration { server.configuration }

    private var logger: Logger { server.logger }

    /// Serves requests until the client closes, a timeout or error ends the connection, or the
    /// server stops.
    mutating func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
        defer {
            buffer.deallocate()
            server.registry.remove(slot)
            close(fd)
        }
        try? Socket.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        Socket.setTimeout(fd, SO_SNDTIMEO, seconds: configuration.writeTimeout)

        while let message = readRequest(buffer) {
            guard respond(to: message) else {
                lingeringClose(buffer)
                return
            }
        }
    }

    /// Reads until one request is complete; `nil` when the connection should close (the client
    /// closed, it timed out, or a malformed request was answered with an error).
    private mutating func readRequest(_ buffer: UnsafeMutableRawBufferPointer) -> HTTPParser.Message? {
        var started: Double?
        var sentContinue = false
        while true {
            do {
                if let message = try parser.next() { return message }
            } catch {
                fail(with: error, buffer)
                return nil
            }
            if !sentContinue, parser.head?.expectsContinue == true {
                sentContinue = true
                guard (try? Socket.sendAll(fd, Self.continueBytes)) != nil else { return nil }
            }

            let idle = parser.isIdle
            var timeout = configuration.idleTimeout
            if !idle {
                let now = Socket.monotonicSeconds()
                let start = started ?? now
                started = start
                timeout = configuration.requestTimeout
                if parser.head == nil { timeout = start + configuration.requestTimeout - now }
                guard timeout > 0 else {
                    fail(with: .timedOut("waiting for the request head"), buffer)
                    return nil
                }
            }
            setReceiveTimeout(timeout)

            let count: Int
            do {
                count = try Socket.receive(fd, into: buffer)
            } catch {
                if case .timedOut = error, !idle {
                    fail(with: .timedOut("waiting for the rest of the request"), buffer)
                } else {
                    logger.trace(
                        "connection closing",
                        metadata: ["http.connection": "\(slot.id)", "reason": "\(error)"]
                    )
                }
                return nil
            }
            if count == 0 {
                if !idle {
                    logger.debug("client closed mid-request", metadata: ["http.connection": "\(slot.id)"])
                }
                return nil
            }
            parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Runs the handler and writes its response; `false` when the connection should close.
    private mutating func respond(to message: HTTPParser.Message) -> Bool {
        // Busy only now: a stop closes connections still receiving a request at once (see the registry).
        slot.setBusy(true)
        let request = message.request
        let handler = server.handler
        let answer: HTTPResponse?
        switch configuration.handlerPlacement {
        case .connectionThread: answer = executor.run { await handler(request) }
        case .globalExecutor: answer = ConnectionExecutor.runOnGlobalExecutor { await handler(request) }
        }
        let response = answer ?? Self.errorResponse(status: 500, message: "the handler produced no response")

        let keepAlive = message.head.keepAlive && !server.registry.isStopping
        guard write(response, keepAlive: keepAlive, isHead: request.method == "HEAD"), keepAlive else { return false }
        return server.registry.markIdle(slot)
    }

    /// Writes a response with `Content-Length` framing; `false` when the write failed.
    private func write(_ response: HTTPResponse, keepAlive: Bool, isHead: Bool) -> Bool {
        let hasNoBody = HTTPSerializer.statusHasNoBody(response.status)
        var head = HTTPSerializer.responseHead(
            response,
            bodyLength: hasNoBody ? nil : response.body.count,
            keepAlive: keepAlive
        )
        do {
            if hasNoBody || isHead || response.body.isEmpty {
                try Socket.sendAll(fd, head)
            } else if response.body.count <= HTTPSerializer.inlineBodyLimit {
                head.append(contentsOf: response.body)
                try Socket.sendAll(fd, head)
            } else {
                try Socket.sendAll(fd, head, more: true)
                try Socket.sendAll(fd, response.body)
            }
            return true
        } catch {
            logger.debug("response not sent", metadata: ["http.connection": "\(slot.id)", "error": "\(error)"])
            return false
        }
    }

    /// Answers a request that cannot be served with its error status, then closes.
    private func fail(with error: HTTPError, _ buffer: UnsafeMutableRawBufferPointer) {
        logger.warning(
            "bad request",
            metadata: ["http.connection": "\(slot.id)", "http.status": "\(error.status)", "error": error.description]
        )
        _ = write(Self.errorResponse(status: error.status, message: error.description), keepAlive: false, isHead: false)
        lingeringClose(buffer)
    }

    /// Closes the sending side and drains what the client still sends for a moment, so that the
    /// kernel does not reset the connection before the client has read the response.
    private func lingeringClose(_ buffer: UnsafeMutableRawBufferPointer) {
        shutdown(fd, Int32(SHUT_WR))
        Socket.setTimeout(fd, SO_RCVTIMEO, seconds: 0.5)
        let deadline = Socket.monotonicSeconds() + 2
        var discarded = 0
        while discarded < 1 << 20, Socket.monotonicSeconds() < deadline {
            guard let count = try? Socket.receive(fd, into: buffer), count > 0 else { return }
            discarded += count
        }
    }

    private mutating func setReceiveTimeout(_ seconds: Double) {
        guard seconds != receiveTimeout else { return }
        receiveTimeout = seconds
        Socket.setTimeout(fd, SO_RCVTIMEO, seconds: seconds)
    }

    /// A JSON error response: `{"error": "<message>"}`.
    static func errorResponse(status: Int, message: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", "application/json; charset=utf-8")]),
            body: JSONValue.object(["error": .string(message)]).jsonBytes
        )
    }
}
