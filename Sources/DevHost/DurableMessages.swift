import Durable
import LinkTomeCore
import TableStorage

/// A history event waiting to be delivered to an orchestration's next episode (what the Durable
/// extension keeps in its control queues): one row of `<hub>Messages`, PartitionKey = the target
/// instance, RowKey = a key that makes a repeated delivery of the same fact collapse
/// (`task-<execution>-<id>` for an activity result, `timer-…`, `sub-…`, `start-…`).
public struct DurableMessage: Sendable, Hashable {
    public var instanceId: String
    public var key: String
    /// The execution it is for; empty for any (events raised from outside).
    public var executionId: String
    /// Not delivered before this instant (timers).
    public var visibleAt: Timestamp
    /// Delivery order among messages visible together.
    public var sequence: Int64
    public var event: HistoryEvent

    public init(
        instanceId: String,
        key: String,
        executionId: String,
        visibleAt: Timestamp,
        sequence: Int64,
        event: HistoryEvent
    ) {
        self.instanceId = instanceId
        self.key = key
        self.executionId = executionId
        self.visibleAt = visibleAt
        self.sequence = sequence
        self.event = event
    }

    var entity: TableEntity {
        var properties: [String: TableValue] = [
            "ExecutionId": .string(executionId),
            "VisibleAt": .dateTime(visibleAt),
            "Sequence": .int64(sequence),
            "EventType": .string(event.kind.typeName),
        ]
        StoredColumns.setBytes(event.protobufBytes, "Event", in: &properties)
        return TableEntity(partitionKey: instanceId, rowKey: key, properties: properties)
    }

    init(entity: TableEntity) throws(DevHostError) {
        guard let bytes = StoredColumns.bytes("Event", in: entity) else {
            throw .durableState("message \(entity.partitionKey)/\(entity.rowKey) has no event")
        }
        do {
            event = try HistoryEvent(protobuf: bytes)
        } catch {
            throw .durableState("message \(entity.partitionKey)/\(entity.rowKey): \(error)")
        }
        instanceId = entity.partitionKey
        key = entity.rowKey
        executionId = entity["ExecutionId"]?.stringValue ?? ""
        if case .dateTime(let date)? = entity["VisibleAt"] {
            visibleAt = date
        } else {
            visibleAt = Timestamp(seconds: 0)
        }
        sequence = entity["Sequence"]?.int64Value ?? 0
    }
}

/// An activity invocation waiting to run (the extension's work-item queue): one row of
/// `<hub>WorkItems`, PartitionKey = the orchestration instance, RowKey = `<execution>-<task id>`.
/// A host claims it by moving `AvailableAt` forward with a conditional write; a claim that is not
/// finished in time expires and another host may run it.
public struct ActivityWorkItem: Sendable, Hashable {
    public var instanceId: String
    public var executionId: String
    public var taskId: Int32
    public var name: String
    /// The input JSON text; `nil` is null.
    public var input: String?
    public var availableAt: Timestamp
    public var owner: String = ""
    public var dispatches: Int = 0
    public var etag: String?

    public init(
        instanceId: String,
        executionId: String,
        taskId: Int32,
        name: String,
        input: String?,
        availableAt: Timestamp
    ) {
        self.instanceId = instanceId
        self.executionId = executionId
        self.taskId = taskId
        self.name = name
        self.input = input
        self.availableAt = availableAt
    }

    /// The RowKey of the work item and of the message carrying its result.
    public var key: String { "\(executionId)-\(String(format: "%08d", taskId))" }

    /// The RowKey of the result message in `<hub>Messages`.
    public var resultKey: String { "task-\(key)" }

    var entity: TableEntity {
        var properties: [String: TableValue] = [
            "ExecutionId": .string(executionId),
            "TaskId": .int32(taskId),
            "Name": .string(name),
            "AvailableAt": .dateTime(availableAt),
            "Owner": .string(owner),
            "Dispatches": .int32(Int32(clamping: dispatches)),
        ]
        StoredColumns.setText(input, "Input", in: &properties)
        return TableEntity(partitionKey: instanceId, rowKey: key, properties: properties, etag: etag)
    }

    init(entity: TableEntity) {
        instanceId = entity.partitionKey
        executionId = entity["ExecutionId"]?.stringValue ?? ""
        taskId = entity["TaskId"]?.int32Value ?? 0
        name = entity["Name"]?.stringValue ?? ""
        input = StoredColumns.text("Input", in: entity)
        if case .dateTime(let date)? = entity["AvailableAt"] {
            availableAt = date
        } else {
            availableAt = Timestamp(seconds: 0)
        }
        owner = entity["Owner"]?.stringValue ?? ""
        dispatches = entity["Dispatches"]?.intValue ?? 0
        etag = entity.etag
    }
}

extension HistoryEvent.Kind {
    /// The protocol's name of the event type, e.g. `taskCompleted`.
    public var typeName: String {
        switch self {
        case .none: return "none"
        case .executionStarted: return "executionStarted"
        case .executionCompleted: return "executionCompleted"
        case .executionTerminated: return "executionTerminated"
        case .taskScheduled: return "taskScheduled"
        case .taskCompleted: return "taskCompleted"
        case .taskFailed: return "taskFailed"
        case .subOrchestrationInstanceCreated: return "subOrchestrationInstanceCreated"
        case .subOrchestrationInstanceCompleted: return "subOrchestrationInstanceCompleted"
        case .subOrchestrationInstanceFailed: return "subOrchestrationInstanceFailed"
        case .timerCreated: return "timerCreated"
        case .timerFired: return "timerFired"
        case .orchestratorStarted: return "orchestratorStarted"
        case .orchestratorCompleted: return "orchestratorCompleted"
        case .eventSent: return "eventSent"
        case .eventRaised: return "eventRaised"
        case .genericEvent: return "genericEvent"
        case .historyState: return "historyState"
        case .continueAsNew: return "continueAsNew"
        case .executionSuspended: return "executionSuspended"
        case .executionResumed: return "executionResumed"
        case .opaque(let event): return event.name
        }
    }
}
