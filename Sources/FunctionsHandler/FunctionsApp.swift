import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

/// The custom handler: a table of function entrypoints and the HTTP handling the Functions host
/// expects in front of them.
///
/// `POST /{FunctionName}` (any case) decodes the envelope, runs the entrypoint registered under that
/// name and answers `{"Outputs", "Logs", "ReturnValue"}`. `GET /` answers at once: the host polls it
/// to learn that the handler is up. Every answer is JSON with a non-empty body.
public final class FunctionsApp: Sendable {
    private struct Registration: Sendable {
        var name: String
        var entrypoint: any FunctionEntrypoint
    }

    private let registrations = ReadMostly<[String: Registration]>([:])
    private let processLogger: ReadMostly<Logger>
    let readiness = Readiness()

    /// - Parameter logger: the process log (standard output by default); failed invocations are
    ///   written there in full.
    public init(logger: Logger = Logger(label: "linktome")) {
        processLogger = ReadMostly(logger)
    }

    /// Registers `entrypoint` under `name`, replacing any entrypoint of the same name (ignoring case).
    public func register(_ name: String, _ entrypoint: any FunctionEntrypoint) {
        registrations.write { $0[name.lowercased()] = Registration(name: name, entrypoint: entrypoint) }
    }

    /// Registers a closure under `name`.
    public func register(
        _ name: String,
        _ body: @escaping @Sendable (Invocation) async throws -> InvocationResult
    ) {
        register(name, ClosureEntrypoint(body))
    }

    /// The registered function names, sorted.
    public var functionNames: [String] {
        registrations.read { $0.values.map(\.name) }.sorted()
    }

    var logger: Logger {
        get { processLogger.read { $0 } }
        set { processLogger.write { $0 = newValue } }
    }

    /// Answers one request from the host (or from anything else that speaks HTTP to the handler).
    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let name = FunctionsApp.functionName(inPath: request.path)
        guard !name.isEmpty else { return root(request) }
        guard let registration = registrations.read({ $0[name.lowercased()] }) else {
            logger.warning("unknown function", metadata: ["function.name": name, "http.method": request.method])
            return failure(.unknownFunction(name))
        }
        guard request.method == "POST" else {
            var response = failure(.methodNotAllowed(method: request.method, function: registration.name))
            response.headers.add("Allow", "POST")
            return response
        }
        if let problem = await readiness.wait() {
            return failure(.notReady(problem))
        }
        return await invoke(registration, request)
    }

    /// `GET /` (the host's readiness and liveness probe) and anything else sent to `/`.
    private func root(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return Envelope.failure(status: 404, code: "UnknownFunction", message: "no function name in the path")
        }
        return Envelope.response(status: 200, ["Status": "ready"])
    }

    private func invoke(_ registration: Registration, _ request: HTTPRequest) async -> HTTPResponse {
        let invocationId = request.headers["X-Azure-Functions-InvocationId"] ?? UUID().uuidString.lowercased()
        let processLogger = logger.with("invocation.id", invocationId).with("function.name", registration.name)
        let envelope: (data: [String: JSONValue], metadata: [String: JSONValue])
        do {
            envelope = try Envelope.decode(request.body)
        } catch {
            processLogger.warning("invocation request rejected", metadata: ["error": error.description])
            return failure(error)
        }

        // Invocation logs go to the host, which filters them by host.json's log levels; they start at
        // info, or lower when the process log is set lower.
        let logs = CollectingSink()
        let level = min(processLogger.level, .info)
        var invocationLogger = Logger(label: "function.\(registration.name)", level: level, sink: logs)
        invocationLogger.metadata = processLogger.metadata
        let invocation = Invocation(
            functionName: registration.name,
            invocationId: invocationId,
            data: envelope.data,
            metadata: envelope.metadata,
            logger: invocationLogger
        )
        return await run(registration.entrypoint, invocation, logs: logs, processLogger: processLogger)
    }

    private func run(
        _ entrypoint: any FunctionEntrypoint,
        _ invocation: Invocation,
        logs: CollectingSink,
        processLogger: Logger
    ) async -> HTTPResponse {
        let started = ContinuousClock.now
        do {
            let result = try await entrypoint.invoke(invocation)
            processLogger.debug("invocation finished", metadata: ["duration": "\(ContinuousClock.now - started)"])
            return Envelope.success(result, logs: FunctionsApp.logLines(logs.collected))
        } catch {
            // The host discards the body of a failed invocation, so its log lines and the full error
            // go to standard output, correlated by the invocation id.
            for record in logs.collected { processLogger.sink.emit(record) }
            processLogger.error(
                "invocation failed",
                metadata: ["error": "\(error)", "error.type": String(reflecting: type(of: error))]
            )
            return Envelope.failure(
                status: 500,
                code: "FunctionFailed",
                message: "\(error)",
                logs: FunctionsApp.logLines(logs.collected)
            )
        }
    }

    private func failure(_ error: FunctionsHandlerError) -> HTTPResponse {
        Envelope.failure(status: error.status, code: error.code, message: error.description)
    }

    /// The entries of `Logs`: each record formatted as on standard output, without the metadata the
    /// host already knows (invocation id and function name).
    static func logLines(_ records: [LogRecord]) -> [String] {
        records.map { record in
            var line = record
            line.metadata["invocation.id"] = nil
            line.metadata["function.name"] = nil
            return line.formatted
        }
    }

    /// `/LinkTomeTimer`, `/LinkTomeTimer/` and `/linktometimer?x=1` all name `LinkTomeTimer`.
    static func functionName(inPath path: Substring) -> String {
        var name = path
        while name.hasPrefix("/") { name = name.dropFirst() }
        while name.hasSuffix("/") { name = name.dropLast() }
        return percentDecoded(name) ?? String(name)
    }

    /// `%XX` sequences decoded as UTF-8 bytes (`%C3%A9` is `é`); `nil` for a malformed escape or
    /// bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Holds invocations back while start-up work given to `serve` runs.
final class Readiness: Sendable {
    private enum State {
        case ready
        case preparing([CheckedContinuation<String?, Never>])
        case failed(String)
    }

    private let state = Mutex(State.ready)
    /// Lets ready invocations skip the lock.
    private let isReady = Atomic<Bool>(true)

    func beginPreparing() {
        state.withLock { $0 = .preparing([]) }
        isReady.store(false, ordering: .releasing)
    }

    /// Releases waiting invocations; `failure` makes them (and later ones) answer 503.
    func finish(failure: String?) {
        let waiters = state.withLock { state -> [CheckedContinuation<String?, Never>] in
            guard case .preparing(let waiters) = state else { return [] }
            state = failure.map(State.failed) ?? .ready
            return waiters
        }
        if failure == nil { isReady.store(true, ordering: .releasing) }
        for waiter in waiters { waiter.resume(returning: failure) }
    }

    /// Returns `nil` once ready, or why start-up failed.
    func wait() async -> String? {
        if isReady.load(ordering: .acquiring) { return nil }
        let immediate = state.withLock { state -> String?? in
            switch state {
            case .ready: return .some(nil)
            case .failed(let problem): return .some(problem)
            case .preparing: return nil
            }
        }
        if let immediate { return immediate }
        return await withCheckedContinuation { continuation in
            let result = state.withLock { state -> String?? in
                switch state {
                case .ready: return .some(nil)
                case .failed(let problem): return .some(problem)
                case .preparing(var waiters):
                    waiters.append(continuation)
                    state = .preparing(waiters)
                    return nil
                }
            }
            if let result { continuation.resume(returning: result) }
        }
    }
}
