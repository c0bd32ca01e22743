/// Why an invocation request could not be served; each case knows the status it is answered with.
public enum FunctionsHandlerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not a `{"Data": {…}, "Metadata": {…}}` object; the text says what is wrong.
    case malformedEnvelope(String)
    /// No entrypoint is registered under the name in the request path.
    case unknownFunction(String)
    /// A function path was called with a method other than POST.
    case methodNotAllowed(method: String, function: String)
    /// A date value is not ISO 8601 as the host writes it.
    case invalidDate(field: String, value: String)
    /// A trigger value does not have the shape its decoder expects.
    case invalidTriggerValue(String)
    /// A port setting is not a usable TCP port.
    case invalidPort(setting: String, value: String)
    /// A server setting is a number outside the range it allows.
    case invalidSetting(setting: String, value: String, expected: String)
    /// Start-up work given to `serve` failed; invocations are refused.
    case notReady(String)

    /// The HTTP status of the answer.
    public var status: Int {
        switch self {
        case .malformedEnvelope, .invalidDate, .invalidTriggerValue: return 400
        case .unknownFunction: return 404
        case .methodNotAllowed: return 405
        case .invalidPort, .invalidSetting, .notReady: return 503
        }
    }

    /// A short, stable name for the kind of failure, used as `Error.Code` in error bodies.
    public var code: String {
        switch self {
        case .malformedEnvelope: return "MalformedEnvelope"
        case .unknownFunction: return "UnknownFunction"
        case .methodNotAllowed: return "MethodNotAllowed"
        case .invalidDate: return "InvalidDate"
        case .invalidTriggerValue: return "InvalidTriggerValue"
        case .invalidPort: return "InvalidPort"
        case .invalidSetting: return "InvalidSetting"
        case .notReady: return "NotReady"
        }
    }

    public var description: String {
        switch self {
        case .malformedEnvelope(let detail): return "malformed invocation request: \(detail)"
        case .unknownFunction(let name): return "no function named '\(name)' is registered"
        case .methodNotAllowed(let method, let function):
            return "function '\(function)' is invoked with POST, not \(method)"
        case .invalidDate(let field, let value): return "\(field) '\(value)' is not an ISO 8601 date"
        case .invalidTriggerValue(let detail): return "invalid trigger value: \(detail)"
        case .invalidPort(let setting, let value):
            return "\(setting)='\(value)' is not a TCP port: expected a number from 0 to 65535"
        case .invalidSetting(let setting, let value, let expected):
            return "setting \(setting)='\(value)' is invalid: expected \(expected)"
        case .notReady(let detail): return "the handler failed to start: \(detail)"
        }
    }
}
