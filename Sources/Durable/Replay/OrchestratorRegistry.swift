import LinkTomeCore

/// An orchestrator: deterministic code that schedules work through the context and returns the
/// orchestration's output.
public typealias OrchestratorFunction = @Sendable (OrchestrationContext) async throws -> JSONValue

/// The orchestrators this process can run, by name.
///
/// Names are matched exactly first, then ignoring case (Functions names are case-insensitive).
public struct OrchestratorRegistry: Sendable {
    private var functions: [String: OrchestratorFunction] = [:]

    public init() {}

    /// Adds or replaces the orchestrator `name`.
    public mutating func register(_ name: String, _ function: @escaping OrchestratorFunction) {
        functions[name] = function
    }

    /// The orchestrator registered as `name`.
    public func function(named name: String) -> OrchestratorFunction? {
        if let exact = functions[name] { return exact }
        let lowered = name.lowercased()
        return functions.first { $0.key.lowercased() == lowered }?.value
    }

    /// Every registered name, sorted.
    public var names: [String] { functions.keys.sorted() }
}

/// A log sink that drops records while the engine replays past events, so each line is written
/// once per orchestration rather than once per episode.
struct ReplaySafeSink: LogSink {
    var base: any LogSink
    var flag: ReplayFlag

    func emit(_ record: LogRecord) {
        if !flag.isReplaying { base.emit(record) }
    }
}
