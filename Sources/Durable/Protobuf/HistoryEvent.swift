import LinkTomeCore

/// One `HistoryEvent` of an orchestration: an id, a timestamp and one event kind.
///
/// Ids follow the Durable Task framework: events that confirm an action (task scheduled, timer
/// created, sub-orchestration created, event sent) carry the action's id; most others carry -1.
public struct HistoryEvent: Sendable, Hashable {
    public var eventId: Int32
    public var timestamp: Timestamp?
    public var kind: Kind

    public init(eventId: Int32 = -1, timestamp: Timestamp? = nil, kind: Kind) {
        self.eventId = eventId
        self.timestamp = timestamp
        self.kind = kind
    }

    /// The `eventType` oneof; field numbers are in the comments. Large payloads are stored
    /// indirectly so that an event stays small to copy.
    public enum Kind: Sendable, Hashable {
        /// No event type was set (or only a type this codec does not know).
        case none
        indirect case executionStarted(ExecutionStartedEvent)  // 3
        indirect case executionCompleted(ExecutionCompletedEvent)  // 4
        case executionTerminated(ExecutionTerminatedEvent)  // 5
        indirect case taskScheduled(TaskScheduledEvent)  // 6
        case taskCompleted(TaskCompletedEvent)  // 7
        indirect case taskFailed(TaskFailedEvent)  // 8
        indirect case subOrchestrationInstanceCreated(SubOrchestrationInstanceCreatedEvent)  // 9
        case subOrchestrationInstanceCompleted(SubOrchestrationInstanceCompletedEvent)  // 10
        indirect case subOrchestrationInstanceFailed(SubOrchestrationInstanceFailedEvent)  // 11
        case timerCreated(TimerCreatedEvent)  // 12
        case timerFired(TimerFiredEvent)  // 13
        case orchestratorStarted  // 14
        case orchestratorCompleted  // 15
        indirect case eventSent(EventSentEvent)  // 16
        case eventRaised(EventRaisedEvent)  // 17
        case genericEvent(GenericEvent)  // 18
        indirect case historyState(HistoryStateEvent)  // 19
        case continueAsNew(ContinueAsNewEvent)  // 20
        case executionSuspended(ExecutionSuspendedEvent)  // 21
        case executionResumed(ExecutionResumedEvent)  // 22
        /// Entity events (23–29) and `executionRewound` (30), carried as raw bytes.
        case opaque(OpaqueEvent)
    }
}

/// An event kind the engine does not interpret, kept byte for byte.
public struct OpaqueEvent: Sendable, Hashable {
    /// The oneof field number (23–30).
    public var fieldNumber: UInt32
    /// The encoded event message.
    public var bytes: [UInt8]

    public init(fieldNumber: UInt32, bytes: [UInt8]) {
        self.fieldNumber = fieldNumber
        self.bytes = bytes
    }

    /// The protocol's name for this kind, e.g. `entityOperationCalled`.
    public var name: String {
        let names = [
            "entityOperationSignaled", "entityOperationCalled", "entityOperationCompleted", "entityOperationFailed",
            "entityLockRequested", "entityLockGranted", "entityUnlockSent", "executionRewound",
        ]
        let index = Int(fieldNumber) - 23
        return names.indices.contains(index) ? names[index] : "event\(fieldNumber)"
    }
}

public struct ExecutionStartedEvent: Sendable, Hashable {
    public var name: String = ""
    public var version: String?
    /// The orchestration input as JSON text; `nil` means null.
    public var input: String?
    public var orchestrationInstance: OrchestrationInstance?
    public var parentInstance: ParentInstanceInfo?
    public var scheduledStartTimestamp: Timestamp?
    public var parentTraceContext: TraceContext?
    public var orchestrationSpanId: String?
    public var tags: [String: String] = [:]

    public init(
        name: String = "",
        version: String? = nil,
        input: String? = nil,
        orchestrationInstance: OrchestrationInstance? = nil,
        parentInstance: ParentInstanceInfo? = nil
    ) {
        self.name = name
        self.version = version
        self.input = input
        self.orchestrationInstance = orchestrationInstance
        self.parentInstance = parentInstance
    }
}

public struct ExecutionCompletedEvent: Sendable, Hashable {
    public var orchestrationStatus: OrchestrationStatus
    public var result: String?
    public var failureDetails: TaskFailureDetails?

    public init(
        orchestrationStatus: OrchestrationStatus = .running,
        result: String? = nil,
        failureDetails: TaskFailureDetails? = nil
    ) {
        self.orchestrationStatus = orchestrationStatus
        self.result = result
        self.failureDetails = failureDetails
    }
}

public struct ExecutionTerminatedEvent: Sendable, Hashable {
    /// The termination reason as JSON text.
    public var input: String?
    public var recurse: Bool

    public init(input: String? = nil, recurse: Bool = false) {
        self.input = input
        self.recurse = recurse
    }
}

public struct TaskScheduledEvent: Sendable, Hashable {
    public var name: String
    public var version: String?
    public var input: String?
    public var parentTraceContext: TraceContext?
    public var tags: [String: String]

    public init(
        name: String = "",
        version: String? = nil,
        input: String? = nil,
        parentTraceContext: TraceContext? = nil,
        tags: [String: String] = [:]
    ) {
        self.name = name
        self.version = version
        self.input = input
        self.parentTraceContext = parentTraceContext
        self.tags = tags
    }
}

public struct TaskCompletedEvent: Sendable, Hashable {
    public var taskScheduledId: Int32
    /// The activity output as JSON text; `nil` means no output.
    public var result: String?

    public init(taskScheduledId: Int32 = 0, result: String? = nil) {
        self.taskScheduledId = taskScheduledId
        self.result = result
    }
}

public struct TaskFailedEvent: Sendable, Hashable {
    public var taskScheduledId: Int32
    public var failureDetails: TaskFailureDetails?

    public init(taskScheduledId: Int32 = 0, failureDetails: TaskFailureDetails? = nil) {
        self.taskScheduledId = taskScheduledId
        self.failureDetails = failureDetails
    }
}

public struct SubOrchestrationInstanceCreatedEvent: Sendable, Hashable {
    public var instanceId: String
    public var name: String
    public var version: String?
    public var input: String?
    public var parentTraceContext: TraceContext?
    public var tags: [String: String]

    public init(
        instanceId: String = "",
        name: String = "",
        version: String? = nil,
        input: String? = nil,
        parentTraceContext: TraceContext? = nil,
        tags: [String: String] = [:]
    ) {
        self.instanceId = instanceId
        self.name = name
        self.version = version
        self.input = input
        self.parentTraceContext = parentTraceContext
        self.tags = tags
    }
}

public struct SubOrchestrationInstanceCompletedEvent: Sendable, Hashable {
    public var taskScheduledId: Int32
    public var result: String?

    public init(taskScheduledId: Int32 = 0, result: String? = nil) {
        self.taskScheduledId = taskScheduledId
        self.result = result
    }
}

public struct SubOrchestrationInstanceFailedEvent: Sendable, Hashable {
    public var taskScheduledId: Int32
    public var failureDetails: TaskFailureDetails?

    public init(taskScheduledId: Int32 = 0, failureDetails: TaskFailureDetails? = nil) {
        self.taskScheduledId = taskScheduledId
        self.failureDetails = failureDetails
    }
}

public struct TimerCreatedEvent: Sendable, Hashable {
    public var fireAt: Timestamp?

    public init(fireAt: Timestamp? = nil) {
        self.fireAt = fireAt
    }
}

public struct TimerFiredEvent: Sendable, Hashable {
    public var fireAt: Timestamp?
    public var timerId: Int32

    public init(fireAt: Timestamp? = nil, timerId: Int32 = 0) {
        self.fireAt = fireAt
        self.timerId = timerId
    }
}

public struct EventSentEvent: Sendable, Hashable {
    public var instanceId: String
    public var name: String
    public var input: String?

    public init(instanceId: String = "", name: String = "", input: String? = nil) {
        self.instanceId = instanceId
        self.name = name
        self.input = input
    }
}

public struct EventRaisedEvent: Sendable, Hashable {
    public var name: String
    /// The event payload as JSON text.
    public var input: String?

    public init(name: String = "", input: String? = nil) {
        self.name = name
        self.input = input
    }
}

public struct GenericEvent: Sendable, Hashable {
    public var data: String?

    public init(data: String? = nil) {
        self.data = data
    }
}

public struct HistoryStateEvent: Sendable, Hashable {
    public var orchestrationState: OrchestrationState?

    public init(orchestrationState: OrchestrationState? = nil) {
        self.orchestrationState = orchestrationState
    }
}

public struct ContinueAsNewEvent: Sendable, Hashable {
    public var input: String?

    public init(input: String? = nil) {
        self.input = input
    }
}

public struct ExecutionSuspendedEvent: Sendable, Hashable {
    /// The reason given by whoever suspended the instance.
    public var input: String?

    public init(input: String? = nil) {
        self.input = input
    }
}

public struct ExecutionResumedEvent: Sendable, Hashable {
    /// The reason given by whoever resumed the instance.
    public var input: String?

    public init(input: String? = nil) {
        self.input = input
    }
}
