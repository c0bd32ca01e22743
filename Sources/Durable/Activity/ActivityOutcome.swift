import LinkTomeCore

/// What an activity produced: its output, or a failure that the orchestration will see in full.
///
/// **Why failures travel as a completed result.** The Functions host never reads the body of a
/// non-2xx answer: an activity that answers 500 is recorded as `TaskFailed` with only
/// "Exception while executing function: Functions.<name>" and "Response status code does not
/// indicate success: 500" (protocol notes §3.6), so its real message would be lost. An activity
/// therefore always answers 200 and, when it failed, puts a failure envelope in `ReturnValue`:
///
/// ```json
/// {"durableActivityFailure": {"errorType": "…", "message": "…", "details": …, "isNonRetriable": false}}
/// ```
///
/// The host records that as the task's result; the orchestration side (``OrchestrationContext``)
/// recognises the envelope and fails the task with ``ActivityFailed`` carrying the activity's own
/// type, message and details, and ``RetryPolicy`` retries it like any failure. The trade-off: the
/// Durable monitoring views show such an activity as *Completed* with the envelope as its output;
/// the orchestration, its failure details and its output are what carry the error. A genuine
/// `TaskFailed` (the handler crashed or timed out) still arrives as ``ActivityFailed`` with the
/// host's generic message.
public enum ActivityOutcome: Sendable, Equatable {
    case completed(JSONValue)
    case failed(ActivityFailure)

    /// The single member name of the failure envelope.
    public static let envelopeKey = "durableActivityFailure"

    /// The value to answer as the invocation's `ReturnValue`.
    public var returnValue: JSONValue {
        switch self {
        case .completed(let value):
            return value
        case .failed(let failure):
            var body: [String: JSONValue] = [
                "errorType": .string(failure.errorType),
                "message": .string(failure.message),
                "isNonRetriable": .bool(failure.isNonRetriable),
            ]
            if failure.details != .null { body["details"] = failure.details }
            return .object([Self.envelopeKey: .object(body)])
        }
    }

    /// Reads a value the activity returned (or history recorded), recognising the failure envelope.
    public init(returnValue: JSONValue) {
        guard case .object(let members) = returnValue, members.count == 1,
            case .object(let body)? = members[Self.envelopeKey]
        else {
            self = .completed(returnValue)
            return
        }
        let failure = ActivityFailure(
            errorType: body["errorType"]?.stringValue ?? "ActivityFailure",
            message: body["message"]?.stringValue ?? "the activity failed without a message",
            details: body["details"] ?? .null,
            isNonRetriable: body["isNonRetriable"]?.boolValue ?? false
        )
        self = .failed(failure)
    }

    /// Reads a `TaskCompleted.result` (JSON text; absent means no output).
    public init(taskResult: String?) {
        self.init(returnValue: JSONValue(historyText: taskResult))
    }
}

/// An activity's own failure, thrown by activity code (or built from any error it throws) and
/// carried to the orchestration in the failure envelope of ``ActivityOutcome``.
public struct ActivityFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A short machine-readable kind, e.g. the Swift error type or `HTTP503`.
    public var errorType: String
    /// The message for people and status rows.
    public var message: String
    /// Anything structured worth keeping (HTTP status, ids); `.null` for none.
    public var details: JSONValue
    /// Set when retrying cannot help; ``RetryPolicy`` then stops at once.
    public var isNonRetriable: Bool

    public init(errorType: String, message: String, details: JSONValue = .null, isNonRetriable: Bool = false) {
        self.errorType = errorType
        self.message = message
        self.details = details
        self.isNonRetriable = isNonRetriable
    }

    /// Describes any error thrown by activity code.
    public init(error: any Error) {
        if let failure = error as? ActivityFailure {
            self = failure
        } else {
            self.init(errorType: String(describing: type(of: error)), message: String(describing: error))
        }
    }

    public var description: String { "\(errorType): \(message)" }

    /// The orchestration-side error for this failure of activity `name` with sequence number `taskId`.
    func activityFailed(name: String, taskId: Int32) -> ActivityFailed {
        ActivityFailed(
            name: name,
            taskId: taskId,
            errorType: errorType,
            message: message,
            details: details,
            isNonRetriable: isNonRetriable
        )
    }
}
