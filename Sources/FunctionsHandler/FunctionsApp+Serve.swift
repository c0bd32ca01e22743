import Dispatch
import Glibc
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

/// Serving the custom handler until the host stops the process.
extension FunctionsApp {
    /// The settings that name the port, in the order they are read.
    public static let portSettings = ["FUNCTIONS_CUSTOMHANDLER_PORT", "FUNCTIONS_HTTPWORKER_PORT"]
    /// The port used when neither port setting is present (running outside the Functions host).
    public static let defaultPort = 8080

    /// Listens on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT` (else `FUNCTIONS_HTTPWORKER_PORT`, else
    /// 8080), logs one line with the bound port, and serves until SIGTERM or SIGINT; then stops
    /// accepting, lets invocations in progress finish, and returns.
    ///
    /// The socket is bound before `prepare` runs, so the host's `GET /` probes succeed during slow
    /// start-up work; invocations that arrive meanwhile wait for it (and get 503 if it throws).
    /// `logger` becomes the app's process log (server lines, failed invocations).
    ///
    /// Server settings: `LINKTOME_HTTP_MAX_BODY_BYTES` (default 256 MiB), `LINKTOME_HTTP_MAX_CONNECTIONS`
    /// (512), `LINKTOME_HTTP_IDLE_TIMEOUT` (300 s), `LINKTOME_HTTP_REQUEST_TIMEOUT` (30 s),
    /// `LINKTOME_SHUTDOWN_GRACE` (seconds to wait for invocations after SIGTERM; unset waits for them).
    ///
    /// - Throws: ``FunctionsHandlerError/invalidPort(setting:value:)``, `SettingsError`, or the
    ///   ``LinkTomeHTTP/HTTPError`` of a failed bind; and the error of `prepare`.
    public func serve(
        settings: Settings,
        logger: Logger,
        prepare: (@Sendable () async throws -> Void)? = nil
    ) async throws {
        try await serve(settings: settings, logger: logger, prepare: prepare, stopSignals: [SIGTERM, SIGINT])
    }

    func serve(
        settings: Settings,
        logger: Logger,
        prepare: (@Sendable () async throws -> Void)?,
        stopSignals: [Int32]
    ) async throws {
        self.logger = logger
        let configuration = try FunctionsApp.serverConfiguration(settings)
        let grace = try FunctionsApp.shutdownGrace(settings)
        let signals = SignalWaiter(stopSignals)
        defer { signals.cancel() }
        let server = HTTPServer(configuration: configuration, logger: logger) { [self] in await handle($0) }

        if prepare != nil { readiness.beginPreparing() }
        let port = try server.start()
        logger.info("listening", metadata: ["http.host": configuration.host, "http.port": "\(port)"])
        if let prepare {
            do {
                try await prepare()
                readiness.finish(failure: nil)
            } catch {
                readiness.finish(failure: "\(error)")
                logger.error("start-up failed", metadata: ["error": "\(error)"])
                await server.stop(gracePeriod: 5)
                throw error
            }
        }

        let signal = await signals.next()
        logger.info("stopping", metadata: ["signal": "\(signal)", "connections": "\(server.openConnections)"])
        server.beginStopping()
        // A second signal cuts off invocations still running and returns without waiting for them.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = ResumeOnce(continuation)
            Task {
                await server.stop(gracePeriod: grace)
                done.resume()
            }
            Task { [logger] in
                guard let again = await signals.second() else { return }
                logger.warning("stopping at once", metadata: ["signal": "\(again)"])
                server.stopNow()
                done.resume()
            }
        }
        signals.cancel()
        logger.info("stopped")
    }

    /// The server settings for `settings`.
    static func serverConfiguration(_ settings: Settings) throws -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration()
        configuration.port = try port(settings)
        configuration.limits.maxBodyBytes = try checked(
            settings,
            "LINKTOME_HTTP_MAX_BODY_BYTES",
            settings.integer,
            HTTPLimits.defaultMaxBodyBytes,
            atLeast: 1
        )
        configuration.maxConnections = try checked(
            settings,
            "LINKTOME_HTTP_MAX_CONNECTIONS",
            settings.integer,
            512,
            atLeast: 1
        )
        configuration.idleTimeout = try checked(settings, "LINKTOME_HTTP_IDLE_TIMEOUT", settings.seconds, 300, above: 0)
        configuration.requestTimeout = try checked(
            settings,
            "LINKTOME_HTTP_REQUEST_TIMEOUT",
            settings.seconds,
            30,
            above: 0
        )
        if settings["LINKTOME_HTTP_HANDLER_PLACEMENT"]?.lowercased() == "global" {
            configuration.handlerPlacement = .globalExecutor
        }
        return configuration
    }

    /// `LINKTOME_SHUTDOWN_GRACE` in seconds (0 or more); `nil` when unset, which waits for invocations.
    static func shutdownGrace(_ settings: Settings) throws -> Double? {
        guard settings["LINKTOME_SHUTDOWN_GRACE"] != nil else { return nil }
        return try checked(settings, "LINKTOME_SHUTDOWN_GRACE", settings.seconds, 0, atLeast: 0)
    }

    /// A numeric setting read by `read` (which rejects what is not a number), then checked against
    /// its range: at least `atLeast`, or more than `above`.
    static func checked<Value: Comparable & Sendable>(
        _ settings: Settings,
        _ name: String,
        _ read: (String, Value) throws -> Value,
        _ fallback: Value,
        atLeast minimum: Value? = nil,
        above floor: Value? = nil
    ) throws -> Value {
        let value = try read(name, fallback)
        if let minimum, value < minimum {
            throw FunctionsHandlerError.invalidSetting(
                setting: name,
                value: settings[name] ?? "",
                expected: "a number of at least \(minimum)"
            )
        }
        if let floor, value <= floor {
            throw FunctionsHandlerError.invalidSetting(
                setting: name,
                value: settings[name] ?? "",
                expected: "a number greater than \(floor)"
            )
        }
        return value
    }

    private static func port(_ settings: Settings) throws(FunctionsHandlerError) -> Int {
        for name in portSettings {
            guard let raw = settings[name] else { continue }
            guard let port = Int(raw.trimmingBlanks()), (0...65_535).contains(port) else {
                throw .invalidPort(setting: name, value: raw)
            }
            return port
        }
        return defaultPort
    }
}

/// Resumes a continuation the first time ``resume()`` is called; later calls do nothing.
final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume() {
        let pending = continuation.withLock { stored -> CheckedContinuation<Void, Never>? in
            defer { stored = nil }
            return stored
        }
        pending?.resume()
    }
}

/// Turns process signals into an awaitable event: the signals are ignored by default handling and
/// observed through Dispatch sources instead.
final class SignalWaiter: @unchecked Sendable {
    private struct State {
        var received: [Int32] = []
        var cancelled = false
        var waiters: [(index: Int, continuation: CheckedContinuation<Int32?, Never>)] = []
    }

    private let sources: [any DispatchSourceSignal]
    private let state = Mutex(State())

    init(_ signals: [Int32]) {
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for (source, number) in zip(sources, signals) {
            source.setEventHandler { [self] in deliver(number) }
            source.resume()
        }
    }

    private func deliver(_ number: Int32) {
        let ready = state.withLock { state -> [CheckedContinuation<Int32?, Never>] in
            guard state.received.count < 2 else { return [] }
            state.received.append(number)
            let count = state.received.count
            let ready = state.waiters.filter { $0.index < count }.map(\.continuation)
            state.waiters.removeAll { $0.index < count }
            return ready
        }
        for waiter in ready { waiter.resume(returning: number) }
    }

    /// Returns the first signal received (at once if one already arrived).
    func next() async -> Int32 {
        await signal(number: 0) ?? SIGTERM
    }

    /// Returns the second signal received, or `nil` once ``cancel()`` is called first.
    func second() async -> Int32? {
        await signal(number: 1)
    }

    private func signal(number index: Int) async -> Int32? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
            let outcome = state.withLock { state -> Int32?? in
                if index < state.received.count { return .some(state.received[index]) }
                if state.cancelled { return .some(nil) }
                state.waiters.append((index, continuation))
                return nil
            }
            if let outcome { continuation.resume(returning: outcome) }
        }
    }

    /// Stops observing; waiters for signals that have not arrived get `nil`.
    func cancel() {
        for source in sources { source.cancel() }
        let waiters = state.withLock { state -> [CheckedContinuation<Int32?, Never>] in
            state.cancelled = true
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }
}
