import Foundation
import Glibc
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

/// Runs the custom handler as the Functions host does (protocol notes §1.2, §1.3): on a free
/// loopback port passed in `FUNCTIONS_CUSTOMHANDLER_PORT`, with the app settings and the worker
/// variables in its environment and the app root as working directory; it is ready once `GET /`
/// gets any HTTP answer (polled every 25 ms for up to 30 s). When it exits it is started again on a
/// new port; a handler that keeps failing to start is given up.
public final class HandlerProcess: Sendable {
    public struct Configuration: Sendable {
        /// The executable and its arguments.
        public var command: [String]
        /// The working directory (the app root).
        public var directory: String
        /// The environment besides the variables this type adds.
        public var environment: [String: String]
        public var readinessTimeout: Double = 30
        public var pollInterval: Double = 0.025
        /// Starts that may fail in a row before the handler is given up.
        public var maxConsecutiveFailures = 5

        public init(command: [String], directory: String, environment: [String: String]) {
            self.command = command
            self.directory = directory
            self.environment = environment
        }
    }

    private enum Phase {
        case idle
        case starting
        case ready(port: Int)
        case failed(DevHostError)
        case stopped
    }

    private struct State {
        var phase = Phase.idle
        var pid: pid_t?
        var generation = 0
        var waiters: [CheckedContinuation<Result<Int, DevHostError>, Never>] = []
        var exitWaiters: [Int: [CheckedContinuation<String, Never>]] = [:]
        var exits: [Int: String] = [:]
    }

    private let configuration: Configuration
    private let logger: Logger
    private let output: @Sendable (String, Bool) -> Void
    private let probe = HostClient(maxIdlePerPort: 0)
    private let state = Mutex(State())

    /// - Parameter output: receives each line the handler writes, and whether it came from stderr.
    public init(
        configuration: Configuration,
        logger: Logger,
        output: @escaping @Sendable (String, Bool) -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.output = output
    }

    /// The handler's process id while it runs.
    public var pid: pid_t? { state.withLock { $0.pid } }

    /// How many times the handler has been started (the current start's number).
    public var starts: Int { state.withLock { $0.generation } }

    /// Whether start number `generation` has exited, waiting up to `timeout` seconds to find out
    /// (the exit is noticed a moment after the process dies).
    public func hasExited(_ generation: Int, within timeout: Double) async -> Bool {
        let deadline = Deadline(seconds: timeout)
        while true {
            if state.withLock({ $0.exits[generation] != nil }) { return true }
            if deadline.remainingMilliseconds <= 0 { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Starts the handler and supervises it; returns when it first answers `GET /`.
    public func start() async throws(DevHostError) {
        let first = state.withLock { state -> Bool in
            guard case .idle = state.phase else { return false }
            state.phase = .starting
            return true
        }
        if first { Task { await supervise() } }
        _ = try await readyPort()
    }

    /// The port of the running handler, waiting while it (re)starts.
    ///
    /// - Throws: ``DevHostError/handlerUnavailable(_:)`` when it was given up or stopped.
    public func readyPort() async throws(DevHostError) -> Int {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Int, DevHostError>, Never>) in
            let immediate = state.withLock { state -> Result<Int, DevHostError>? in
                switch state.phase {
                case .ready(let port): return .success(port)
                case .failed(let error): return .failure(error)
                case .stopped: return .failure(.handlerUnavailable("the handler was stopped"))
                case .idle, .starting:
                    state.waiters.append(continuation)
                    return nil
                }
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        return try result.get()
    }

    /// Stops the handler: SIGTERM, then SIGKILL after `grace` seconds.
    public func stop(grace: Double = 5) async {
        let (pid, generation, waiters) = state.withLock { state in
            state.phase = .stopped
            defer { state.waiters = [] }
            return (state.pid, state.generation, state.waiters)
        }
        for waiter in waiters { waiter.resume(returning: .failure(.handlerUnavailable("the handler was stopped"))) }
        guard let pid else { return }
        Glibc.kill(pid, SIGTERM)
        let exited = Task { await waitForExit(generation) }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int(grace * 1_000)))
            Glibc.kill(pid, SIGKILL)
        }
        _ = await exited.value
        timer.cancel()
        probe.closeIdleConnections()
    }

    /// Kills the running handler with `signal` (tests use it to simulate a crash); it is restarted.
    @discardableResult
    public func kill(signal: Int32 = SIGKILL) -> Bool {
        guard let pid = state.withLock({ $0.pid }) else { return false }
        return Glibc.kill(pid, signal) == 0
    }

    private var isStopped: Bool {
        state.withLock { if case .stopped = $0.phase { return true } else { return false } }
    }

    private func supervise() async {
        var failures = 0
        var backoff = 0.2
        while !isStopped {
            let generation = state.withLock { state -> Int in
                if case .stopped = state.phase { return -1 }
                state.phase = .starting
                state.generation += 1
                return state.generation
            }
            guard generation > 0 else { return }
            do {
                let port = try await launch(generation)
                failures = 0
                backoff = 0.2
                publish(.ready(port: port))
                let how = await waitForExit(generation)
                guard !isStopped else { return }
                logger.warning(
                    "handler exited; restarting it",
                    metadata: ["how": how, "handler.start": "\(generation)"]
                )
            } catch {
                failures += 1
                logger.error(
                    "handler start failed",
                    metadata: ["error": error.description, "attempt": "\(failures)"]
                )
                if failures >= configuration.maxConsecutiveFailures {
                    publish(.failed(.handlerUnavailable("\(failures) starts in a row failed; last: \(error)")))
                    return
                }
                try? await Task.sleep(for: .milliseconds(Int(backoff * 1_000)))
                backoff = min(backoff * 2, 5)
            }
        }
    }

    private func publish(_ phase: Phase) {
        let (waiters, result) = state.withLock {
            state -> ([CheckedContinuation<Result<Int, DevHostError>, Never>], Result<Int, DevHostError>?) in
            if case .stopped = state.phase { return ([], nil) }
            state.phase = phase
            let result: Result<Int, DevHostError>?
            switch phase {
            case .ready(let port): result = .success(port)
            case .failed(let error): result = .failure(error)
            default: result = nil
            }
            guard result != nil else { return ([], nil) }
            defer { state.waiters = [] }
            return (state.waiters, result)
        }
        guard let result else { return }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Spawns generation `generation` and waits until it answers `GET /`.
    private func launch(_ generation: Int) async throws(DevHostError) -> Int {
        let port = try HostSocket.freePort()
        var environment = configuration.environment
        let workerId = UUID().uuidString.lowercased()
        environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = String(port)
        environment["FUNCTIONS_HTTPWORKER_PORT"] = String(port)
        environment["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = workerId
        environment["FUNCTIONS_HTTPWORKER_ID"] = workerId
        environment["FUNCTIONS_APP_ROOT_PATH"] = configuration.directory

        let started = ContinuousClock.now
        let child = try ProcessSpawner.spawn(
            configuration.command,
            directory: configuration.directory,
            environment: environment
        )
        state.withLock { $0.pid = child.pid }
        let output = self.output
        ProcessSpawner.relayLines(child.stdout, name: "devhost-stdout") { output($0, false) }
        ProcessSpawner.relayLines(child.stderr, name: "devhost-stderr") { output($0, true) }
        ProcessSpawner.waitForExit(child.pid) { [self] how in exited(generation, how) }

        try await waitUntilAnswering(port: port, generation: generation)
        logger.info(
            "handler ready",
            metadata: [
                "pid": "\(child.pid)", "http.port": "\(port)", "handler.start": "\(generation)",
                "duration": Self.milliseconds(since: started),
            ]
        )
        return port
    }

    private func waitUntilAnswering(port: Int, generation: Int) async throws(DevHostError) {
        let deadline = Deadline(seconds: configuration.readinessTimeout)
        let request = HTTPRequest(method: "GET", target: "/", headers: HTTPHeaders([("Connection", "close")]))
        while true {
            if let how = state.withLock({ $0.exits[generation] }) {
                throw .handlerUnavailable("it exited before answering GET / (\(how))")
            }
            if (try? await probe.send(request, port: port, chunked: false, timeout: 1)) != nil { return }
            guard deadline.remainingMilliseconds > 0 else {
                kill(signal: SIGKILL)
                throw .handlerUnavailable("no answer to GET / within \(Int(configuration.readinessTimeout)) s")
            }
            try? await Task.sleep(for: .milliseconds(Int(configuration.pollInterval * 1_000)))
        }
    }

    private func exited(_ generation: Int, _ how: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<String, Never>] in
            state.exits[generation] = how
            if state.generation == generation { state.pid = nil }
            if case .ready = state.phase, state.generation == generation { state.phase = .starting }
            return state.exitWaiters.removeValue(forKey: generation) ?? []
        }
        for waiter in waiters { waiter.resume(returning: how) }
    }

    private func waitForExit(_ generation: Int) async -> String {
        await withCheckedContinuation { continuation in
            let how = state.withLock { state -> String? in
                if let how = state.exits[generation] { return how }
                state.exitWaiters[generation, default: []].append(continuation)
                return nil
            }
            if let how { continuation.resume(returning: how) }
        }
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        return "\(seconds * 1_000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
