import LinkTomeCore

/// An activity failed (after all retries): thrown by awaiting its ``DurableTask``.
///
/// The failure arrives either as the activity's own failure envelope (``ActivityFailure``, which
/// keeps the activity's error type, message and details) or as a `TaskFailed` history event that
/// the Functions host recorded (a crash, a timeout or a non-2xx answer; its message is generic).
public struct ActivityFailed: Error, Sendable, CustomStringConvertible {
    /// The activity function's name.
    public var name: String
    /// The sequence number of the last attempt.
    public var taskId: Int32
    /// The error type the activity reported (or the host's exception type).
    public var errorType: String
    /// The activity's own error message (or the host's).
    public var message: String
    /// Structured details from the activity's failure envelope; `.null` otherwise.
    public var details: JSONValue
    /// Whether the activity said retrying cannot help.
    public var isNonRetriable: Bool
    /// How many attempts were made (1 without a retry policy).
    public var attempts: Int
    /// The failure as recorded in history (or built from the envelope), inner failures included.
    public var failureDetails: TaskFailureDetails

    public init(
        name: String,
        taskId: Int32,
        errorType: String,
        message: String,
        details: JSONValue = .null,
        isNonRetriable: Bool = false,
        attempts: Int = 1,
        failureDetails: TaskFailureDetails? = nil
    ) {
        self.name = name
        self.taskId = taskId
        self.errorType = errorType
        self.message = message
        self.details = details
        self.isNonRetriable = isNonRetriable
        self.attempts = attempts
        self.failureDetails =
            failureDetails
            ?? TaskFailureDetails(errorType: errorType, errorMessage: message, isNonRetriable: isNonRetriable)
    }

    public var description: String {
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        return "activity '\(name)' (#\(taskId)) failed\(tries): \(failureDetails.chainDescription)"
    }
}

/// A sub-orchestration failed: thrown by awaiting its ``DurableTask``.
public struct SubOrchestrationFailed: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var instanceId: String
    public var taskId: Int32
    public var message: String
    public var attempts: Int
    public var failureDetails: TaskFailureDetails

    public init(
        name: String,
        instanceId: String,
        taskId: Int32,
        message: String,
        attempts: Int = 1,
        failureDetails: TaskFailureDetails
    ) {
        self.name = name
        self.instanceId = instanceId
        self.taskId = taskId
        self.message = message
        self.attempts = attempts
        self.failureDetails = failureDetails
    }

    public var description: String {
        "sub-orchestration '\(name)' (instance \(instanceId), #\(taskId)) failed: \(failureDetails.chainDescription)"
    }
}

/// `waitForExternalEvent` gave up: no event of that name arrived before the timeout timer fired.
public struct ExternalEventTimedOut: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var timeout: Double

    public init(name: String, timeout: Double) {
        self.name = name
        self.timeout = timeout
    }

    public var description: String {
        "no external event '\(name)' arrived within \(timeout) seconds"
    }
}

/// Failures that can be retried by ``RetryPolicy`` and carry history's failure details.
protocol RetriableFailure: Error {
    var isNonRetriable: Bool { get }
    var failureDetails: TaskFailureDetails { get }
    func afterAttempts(_ attempts: Int) -> Self
}

extension ActivityFailed: RetriableFailure {
    func afterAttempts(_ attempts: Int) -> ActivityFailed {
        var copy = self
        copy.attempts = attempts
        return copy
    }
}

extension SubOrchestrationFailed: RetriableFailure {
    var isNonRetriable: Bool { failureDetails.isNonRetriable }

    func afterAttempts(_ attempts: Int) -> SubOrchestrationFailed {
        var copy = self
        copy.attempts = attempts
        return copy
    }
}
