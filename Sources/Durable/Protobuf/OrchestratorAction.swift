import LinkTomeCore

/// One `OrchestratorAction`: what the orchestrator asks the extension to do, with the sequence
/// number (`id`) that the confirming history event will carry.
public struct OrchestratorAction: Sendable, Hashable {
    public var id: Int32
    public var kind: Kind

    public init(id: Int32, kind: Kind) {
        self.id = id
        self.kind = kind
    }

    /// The `orchestratorActionType` oneof; field numbers in the comments. The Functions extension
    /// accepts only the first five kinds. Large payloads are stored indirectly.
    public enum Kind: Sendable, Hashable {
        case none
        indirect case scheduleTask(ScheduleTaskAction)  // 2
        indirect case createSubOrchestration(CreateSubOrchestrationAction)  // 3
        case createTimer(CreateTimerAction)  // 4
        case sendEvent(SendEventAction)  // 5
        indirect case completeOrchestration(CompleteOrchestrationAction)  // 6
        indirect case terminateOrchestration(TerminateOrchestrationAction)  // 7
        /// `sendEntityMessage` (8), kept as raw bytes.
        case sendEntityMessage([UInt8])
        indirect case rewindOrchestration(RewindOrchestrationAction)  // 9
    }
}

public struct ScheduleTaskAction: Sendable, Hashable {
    public var name: String
    public var version: String?
    /// The activity input as JSON text; `nil` means null.
    public var input: String?
    public var tags: [String: String]
    public var parentTraceContext: TraceContext?

    public init(
        name: String = "",
        version: String? = nil,
        input: String? = nil,
        tags: [String: String] = [:],
        parentTraceContext: TraceContext? = nil
    ) {
        self.name = name
        self.version = version
        self.input = input
        self.tags = tags
        self.parentTraceContext = parentTraceContext
    }
}

public struct CreateSubOrchestrationAction: Sendable, Hashable {
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

public struct CreateTimerAction: Sendable, Hashable {
    public var fireAt: Timestamp?

    public init(fireAt: Timestamp? = nil) {
        self.fireAt = fireAt
    }
}

public struct SendEventAction: Sendable, Hashable {
    public var instance: OrchestrationInstance?
    public var name: String
    /// The event payload as JSON text.
    public var data: String?

    public init(instance: OrchestrationInstance? = nil, name: String = "", data: String? = nil) {
        self.instance = instance
        self.name = name
        self.data = data
    }
}

public struct CompleteOrchestrationAction: Sendable, Hashable {
    public var orchestrationStatus: OrchestrationStatus
    /// The output as JSON text (for `continuedAsNew`, the new input).
    public var result: String?
    public var details: String?
    public var newVersion: String?
    public var carryoverEvents: [HistoryEvent]
    public var failureDetails: TaskFailureDetails?
    public var tags: [String: String]

    public init(
        orchestrationStatus: OrchestrationStatus = .running,
        result: String? = nil,
        details: String? = nil,
        newVersion: String? = nil,
        carryoverEvents: [HistoryEvent] = [],
        failureDetails: TaskFailureDetails? = nil,
        tags: [String: String] = [:]
    ) {
        self.orchestrationStatus = orchestrationStatus
        self.result = result
        self.details = details
        self.newVersion = newVersion
        self.carryoverEvents = carryoverEvents
        self.failureDetails = failureDetails
        self.tags = tags
    }
}

public struct TerminateOrchestrationAction: Sendable, Hashable {
    public var instanceId: String
    public var reason: String?
    public var recurse: Bool

    public init(instanceId: String = "", reason: String? = nil, recurse: Bool = false) {
        self.instanceId = instanceId
        self.reason = reason
        self.recurse = recurse
    }
}

public struct RewindOrchestrationAction: Sendable, Hashable {
    public var newHistory: [HistoryEvent]

    public init(newHistory: [HistoryEvent] = []) {
        self.newHistory = newHistory
    }
}

/// `OrchestratorRequest`: what the extension sends for one orchestrator episode.
public struct OrchestratorRequest: Sendable, Hashable {
    public var instanceId: String
    public var executionId: String?
    /// Events already committed in earlier episodes, replayed with `isReplaying` set.
    public var pastEvents: [HistoryEvent]
    /// This episode's new events.
    public var newEvents: [HistoryEvent]
    public var entityParameters: OrchestratorEntityParameters?
    public var requiresHistoryStreaming: Bool
    public var properties: [String: ProtoValue]
    public var orchestrationTraceContext: OrchestrationTraceContext?

    public init(
        instanceId: String = "",
        executionId: String? = nil,
        pastEvents: [HistoryEvent] = [],
        newEvents: [HistoryEvent] = [],
        entityParameters: OrchestratorEntityParameters? = nil,
        requiresHistoryStreaming: Bool = false,
        properties: [String: ProtoValue] = [:],
        orchestrationTraceContext: OrchestrationTraceContext? = nil
    ) {
        self.instanceId = instanceId
        self.executionId = executionId
        self.pastEvents = pastEvents
        self.newEvents = newEvents
        self.entityParameters = entityParameters
        self.requiresHistoryStreaming = requiresHistoryStreaming
        self.properties = properties
        self.orchestrationTraceContext = orchestrationTraceContext
    }
}

/// `OrchestratorResponse`: the worker's answer for one episode.
public struct OrchestratorResponse: Sendable, Hashable {
    public var instanceId: String
    /// Only the actions history has not confirmed yet, ordered by id.
    public var actions: [OrchestratorAction]
    /// The custom status as JSON text.
    public var customStatus: String?
    public var completionToken: String
    public var numEventsProcessed: Int32?
    public var orchestrationTraceContext: OrchestrationTraceContext?
    public var requiresHistory: Bool
    public var isPartial: Bool
    public var chunkIndex: Int32?

    public init(
        instanceId: String = "",
        actions: [OrchestratorAction] = [],
        customStatus: String? = nil,
        completionToken: String = "",
        numEventsProcessed: Int32? = nil,
        orchestrationTraceContext: OrchestrationTraceContext? = nil,
        requiresHistory: Bool = false,
        isPartial: Bool = false,
        chunkIndex: Int32? = nil
    ) {
        self.instanceId = instanceId
        self.actions = actions
        self.customStatus = customStatus
        self.completionToken = completionToken
        self.numEventsProcessed = numEventsProcessed
        self.orchestrationTraceContext = orchestrationTraceContext
        self.requiresHistory = requiresHistory
        self.isPartial = isPartial
        self.chunkIndex = chunkIndex
    }

    /// The `completeOrchestration` action, if this response finishes the orchestration.
    public var completion: CompleteOrchestrationAction? {
        for action in actions {
            if case .completeOrchestration(let complete) = action.kind { return complete }
        }
        return nil
    }
}
