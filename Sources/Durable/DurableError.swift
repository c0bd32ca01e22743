/// Everything that can go wrong in the Durable module, with messages written for logs.
///
/// Orchestrator code failures are not `DurableError`s: they become a failed orchestration (see
/// ``OrchestrationEngine``). These cases are for bad input (bytes, bindings, responses) and for
/// client calls that the service refused.
public enum DurableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The protobuf bytes are malformed; `offset` is the byte position where decoding stopped.
    case malformedProtobuf(message: String, offset: Int)
    /// The orchestration trigger value is not standard base64.
    case invalidBase64(length: Int)
    /// The orchestration trigger carried the legacy JSON protocol instead of protobuf.
    case legacyProtocol(workerRuntime: String?)
    /// A trigger or binding value has an unexpected shape.
    case invalidTriggerValue(String)
    /// The `durableClient` binding could not be read.
    case invalidClientBinding(String)
    /// An argument was refused before anything was sent.
    case invalidArgument(String)
    /// A purge by filter without `createdTimeFrom`, which the service answers with 400.
    case purgeNeedsCreatedTimeFrom
    /// The HTTP request could not be sent or no response arrived.
    case transport(operation: String, reason: String)
    /// The webhook API answered with a status the operation does not expect.
    case unexpectedStatus(operation: String, status: Int, body: String)
    /// The webhook API answered with a body that could not be understood.
    case invalidResponse(operation: String, reason: String)

    public var description: String {
        switch self {
        case .malformedProtobuf(let message, let offset):
            return "malformed protobuf at byte \(offset): \(message)"
        case .invalidBase64(let length):
            return "the orchestration request is not valid base64 (\(length) characters)"
        case .legacyProtocol(let runtime):
            let setting = runtime.map { "'\($0)'" } ?? "not set"
            return "the orchestration request uses the legacy JSON protocol of the Durable extension: the app setting "
                + "FUNCTIONS_WORKER_RUNTIME must be 'custom' (it is \(setting)) so that the extension sends "
                + "base64 protobuf"
        case .invalidTriggerValue(let reason):
            return "invalid trigger value: \(reason)"
        case .invalidClientBinding(let reason):
            return "invalid durableClient binding: \(reason)"
        case .invalidArgument(let reason):
            return "invalid argument: \(reason)"
        case .purgeNeedsCreatedTimeFrom:
            return "a purge by filter needs createdTimeFrom (the Durable webhook API refuses it with 400 otherwise)"
        case .transport(let operation, let reason):
            return "\(operation): request failed: \(reason)"
        case .unexpectedStatus(let operation, let status, let body):
            let preview = body.count > 512 ? String(body.prefix(512)) + "…" : body
            return "\(operation): unexpected HTTP status \(status): \(preview)"
        case .invalidResponse(let operation, let reason):
            return "\(operation): invalid response: \(reason)"
        }
    }
}
