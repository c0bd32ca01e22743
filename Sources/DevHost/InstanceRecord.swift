import Durable
import Foundation
import LinkTomeCore
import TableStorage

/// The runtime status of an orchestration instance, named as the status API names it.
public enum RuntimeState: String, Sendable, Hashable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case continuedAsNew = "ContinuedAsNew"
    case completed = "Completed"
    case failed = "Failed"
    case terminated = "Terminated"
    case canceled = "Canceled"
    case suspended = "Suspended"

    /// Reads a status name ignoring case.
    public init?(lenient text: String) {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == lowered }) else { return nil }
        self = match
    }

    /// Completed, Failed, Terminated or Canceled: the instance will not run again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .terminated, .canceled: return true
        case .pending, .running, .continuedAsNew, .suspended: return false
        }
    }

    /// The status a `completeOrchestration` action or `ExecutionCompleted` event names.
    init(_ status: OrchestrationStatus) {
        switch status {
        case .completed: self = .completed
        case .continuedAsNew: self = .continuedAsNew
        case .failed: self = .failed
        case .canceled: self = .canceled
        case .terminated: self = .terminated
        case .pending: self = .pending
        case .suspended: self = .suspended
        default: self = .running
        }
    }
}

/// One row of `<hub>Instances` (PartitionKey = instance id, RowKey empty), with the column names
/// of the Durable extension's Azure Storage provider plus the development host's bookkeeping:
/// how many history rows are committed, who holds the episode lease, and the parent of a
/// sub-orchestration.
public struct InstanceRecord: Sendable, Hashable {
    public var instanceId: String
    public var name: String
    public var executionId: String
    public var runtimeStatus: RuntimeState
    public var createdTime: Timestamp
    public var lastUpdatedTime: Timestamp
    public var completedTime: Timestamp?
    /// JSON text; `nil` is null.
    public var input: String?
    public var output: String?
    public var customStatus: String?
    /// The failure, for a failed instance: `type: message <- inner type: inner message`.
    public var failure: String?
    /// Set when the host itself failed the orchestration (the orchestrator's answer was unusable).
    public var failedByHost: Bool = false
    public var parentInstanceId: String?
    public var parentExecutionId: String?
    public var parentTaskId: Int32?
    /// History rows of the current execution that are committed.
    public var historyRows: Int = 0
    public var leaseOwner: String = ""
    public var leaseExpires: Timestamp?
    public var etag: String?

    public init(instanceId: String, name: String, executionId: String, input: String?, now: Timestamp) {
        self.instanceId = instanceId
        self.name = name
        self.executionId = executionId
        self.runtimeStatus = .pending
        self.createdTime = now
        self.lastUpdatedTime = now
        self.input = input
    }

    init(entity: TableEntity) {
        instanceId = entity.partitionKey
        name = entity["Name"]?.stringValue ?? ""
        executionId = entity["ExecutionId"]?.stringValue ?? ""
        runtimeStatus = (entity["RuntimeStatus"]?.stringValue).flatMap(RuntimeState.init(lenient:)) ?? .pending
        createdTime = Self.date(entity["CreatedTime"]) ?? entity.timestamp ?? Timestamp(seconds: 0)
        lastUpdatedTime = Self.date(entity["LastUpdatedTime"]) ?? createdTime
        completedTime = Self.date(entity["CompletedTime"])
        input = StoredColumns.text("Input", in: entity)
        output = StoredColumns.text("Output", in: entity)
        customStatus = StoredColumns.text("CustomStatus", in: entity)
        failure = StoredColumns.text("FailureDetails", in: entity)
        if case .bool(let flag)? = entity["FailedByHost"] { failedByHost = flag }
        parentInstanceId = entity["ParentInstanceId"]?.stringValue
        parentExecutionId = entity["ParentExecutionId"]?.stringValue
        parentTaskId = entity["ParentTaskId"]?.int32Value
        historyRows = entity["HistoryRows"]?.intValue ?? 0
        leaseOwner = entity["LeaseOwner"]?.stringValue ?? ""
        leaseExpires = Self.date(entity["LeaseExpires"])
        etag = entity.etag
    }

    var entity: TableEntity {
        var properties: [String: TableValue] = [
            "Name": .string(name),
            "Version": .string(""),
            "ExecutionId": .string(executionId),
            "RuntimeStatus": .string(runtimeStatus.rawValue),
            "CreatedTime": .dateTime(createdTime),
            "LastUpdatedTime": .dateTime(lastUpdatedTime),
            "HistoryRows": .int32(Int32(clamping: historyRows)),
            "LeaseOwner": .string(leaseOwner),
            "FailedByHost": .bool(failedByHost),
        ]
        if let completedTime { properties["CompletedTime"] = .dateTime(completedTime) }
        if let leaseExpires { properties["LeaseExpires"] = .dateTime(leaseExpires) }
        if let parentInstanceId { properties["ParentInstanceId"] = .string(parentInstanceId) }
        if let parentExecutionId { properties["ParentExecutionId"] = .string(parentExecutionId) }
        if let parentTaskId { properties["ParentTaskId"] = .int32(parentTaskId) }
        StoredColumns.setText(input, "Input", in: &properties)
        StoredColumns.setText(output, "Output", in: &properties)
        StoredColumns.setText(customStatus, "CustomStatus", in: &properties)
        StoredColumns.setText(failure, "FailureDetails", in: &properties)
        return TableEntity(partitionKey: instanceId, rowKey: "", properties: properties, etag: etag)
    }

    /// Whether another host holds the episode lease at `now`.
    func leaseHeld(byOtherThan owner: String, at now: Timestamp) -> Bool {
        guard !leaseOwner.isEmpty, leaseOwner != owner, let leaseExpires else { return false }
        return leaseExpires > now
    }

    /// The status object of the webhook API, members in the extension's order.
    func statusJSON(showInput: Bool) -> String {
        OrderedJSON.object([
            ("name", .string(name)),
            ("instanceId", .string(instanceId)),
            ("runtimeStatus", .string(runtimeStatus.rawValue)),
            ("input", showInput ? OrderedJSON.value(input) : .null),
            ("customStatus", OrderedJSON.value(customStatus)),
            ("output", OrderedJSON.value(output)),
            ("createdTime", .string(createdTime.iso8601(fractionDigits: 0))),
            ("lastUpdatedTime", .string(lastUpdatedTime.iso8601(fractionDigits: 0))),
        ])
    }

    private static func date(_ value: TableValue?) -> Timestamp? {
        if case .dateTime(let date)? = value { return date }
        return nil
    }
}
