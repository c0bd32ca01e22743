/// Everything the development host can fail at, with messages written for the console and logs.
///
/// Failures of the handler's own code are not errors here: an activity that fails becomes a
/// `TaskFailed` event and an orchestrator that answers badly fails its orchestration, exactly as
/// the Functions host and the Durable extension record them.
public enum DevHostError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The app root lacks a file the host needs, or the file cannot be read.
    case appLayout(String)
    /// A command-line option or setting is malformed.
    case invalidOption(String)
    /// The handler process could not be started.
    case spawnFailed(command: String, reason: String)
    /// The handler did not answer `GET /` in time, or kept exiting.
    case handlerUnavailable(String)
    /// A socket call failed while talking to the handler or serving the webhook API.
    case connection(String)
    /// Nothing listens on the port (the connection was refused): the request was not delivered.
    case notListening(String)
    /// The handler's HTTP answer could not be read.
    case malformedResponse(String)
    /// The call did not finish within its time limit.
    case timedOut(String)
    /// The store refused a read or write.
    case storage(String)
    /// A durable instance, event or message could not be stored or read back.
    case durableState(String)

    public var description: String {
        switch self {
        case .appLayout(let reason): return "app layout: \(reason)"
        case .invalidOption(let reason): return "invalid option: \(reason)"
        case .spawnFailed(let command, let reason): return "cannot start the handler '\(command)': \(reason)"
        case .handlerUnavailable(let reason): return "the handler is unavailable: \(reason)"
        case .connection(let reason): return "connection to the handler failed: \(reason)"
        case .notListening(let reason): return "the handler is not listening: \(reason)"
        case .malformedResponse(let reason): return "the handler's response cannot be read: \(reason)"
        case .timedOut(let reason): return "timed out: \(reason)"
        case .storage(let reason): return "storage: \(reason)"
        case .durableState(let reason): return "durable state: \(reason)"
        }
    }
}
