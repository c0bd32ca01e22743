import LinkTomeCore

/// `OrchestrationStatus` of the Durable Task protocol; unknown numbers are kept as they are.
public struct OrchestrationStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let running = OrchestrationStatus(rawValue: 0)
    public static let completed = OrchestrationStatus(rawValue: 1)
    public static let continuedAsNew = OrchestrationStatus(rawValue: 2)
    public static let failed = OrchestrationStatus(rawValue: 3)
    public static let canceled = OrchestrationStatus(rawValue: 4)
    public static let terminated = OrchestrationStatus(rawValue: 5)
    public static let pending = OrchestrationStatus(rawValue: 6)
    public static let suspended = OrchestrationStatus(rawValue: 7)

    public var description: String {
        let names = [
            "RUNNING", "COMPLETED", "CONTINUED_AS_NEW", "FAILED", "CANCELED", "TERMINATED", "PENDING", "SUSPENDED",
        ]
        return (0..<Int32(names.count)).contains(rawValue) ? names[Int(rawValue)] : "STATUS_\(rawValue)"
    }
}

/// A `google.protobuf.Duration`.
public struct ProtoDuration: Sendable, Hashable {
    public var seconds: Int64
    public var nanos: Int32

    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }
}

/// A `google.protobuf.Value`, kept as its encoded bytes (the engine never reads these maps).
public struct ProtoValue: Sendable, Hashable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

/// `OrchestrationInstance`: an instance id and, optionally, one execution of it.
public struct OrchestrationInstance: Sendable, Hashable {
    public var instanceId: String
    public var executionId: String?

    public init(instanceId: String = "", executionId: String? = nil) {
        self.instanceId = instanceId
        self.executionId = executionId
    }
}

/// `ParentInstanceInfo`: the orchestration that started a sub-orchestration.
public struct ParentInstanceInfo: Sendable, Hashable {
    public var taskScheduledId: Int32
    public var name: String?
    public var version: String?
    public var orchestrationInstance: OrchestrationInstance?

    public init(
        taskScheduledId: Int32 = 0,
        name: String? = nil,
        version: String? = nil,
        orchestrationInstance: OrchestrationInstance? = nil
    ) {
        self.taskScheduledId = taskScheduledId
        self.name = name
        self.version = version
        self.orchestrationInstance = orchestrationInstance
    }
}

/// `TraceContext`: W3C trace propagation fields.
public struct TraceContext: Sendable, Hashable {
    public var traceParent: String
    public var spanId: String
    public var traceState: String?

    public init(traceParent: String = "", spanId: String = "", traceState: String? = nil) {
        self.traceParent = traceParent
        self.spanId = spanId
        self.traceState = traceState
    }
}

/// `TaskFailureDetails`: the error of a failed activity, sub-orchestration or orchestration.
public struct TaskFailureDetails: Sendable, Hashable {
    public var errorType: String
    public var errorMessage: String
    public var stackTrace: String?
    public var isNonRetriable: Bool
    public var properties: [String: ProtoValue]
    /// Zero or one element; an array gives the recursive field its storage.
    private var innerStorage: [TaskFailureDetails]

    public init(
        errorType: String = "",
        errorMessage: String = "",
        stackTrace: String? = nil,
        innerFailure: TaskFailureDetails? = nil,
        isNonRetriable: Bool = false,
        properties: [String: ProtoValue] = [:]
    ) {
        self.errorType = errorType
        self.errorMessage = errorMessage
        self.stackTrace = stackTrace
        self.innerStorage = innerFailure.map { [$0] } ?? []
        self.isNonRetriable = isNonRetriable
        self.properties = properties
    }

    /// The failure that caused this one, if recorded.
    public var innerFailure: TaskFailureDetails? {
        get { innerStorage.first }
        set { innerStorage = newValue.map { [$0] } ?? [] }
    }

    /// `type: message`, followed by each inner failure's, joined with " <- ".
    public var chainDescription: String {
        var parts: [String] = []
        var current: TaskFailureDetails? = self
        while let failure = current {
            parts.append(
                failure.errorType.isEmpty ? failure.errorMessage : "\(failure.errorType): \(failure.errorMessage)"
            )
            current = failure.innerFailure
        }
        return parts.joined(separator: " <- ")
    }
}

/// `OrchestrationState`, found inside `historyState` events.
public struct OrchestrationState: Sendable, Hashable {
    public var instanceId: String = ""
    public var name: String = ""
    public var version: String?
    public var orchestrationStatus: OrchestrationStatus = .running
    public var scheduledStartTimestamp: Timestamp?
    public var createdTimestamp: Timestamp?
    public var lastUpdatedTimestamp: Timestamp?
    public var input: String?
    public var output: String?
    public var customStatus: String?
    public var failureDetails: TaskFailureDetails?
    public var executionId: String?
    public var completedTimestamp: Timestamp?
    public var parentInstanceId: String?
    public var tags: [String: String] = [:]

    public init() {}
}

/// `OrchestrationTraceContext`: the orchestration's own span.
public struct OrchestrationTraceContext: Sendable, Hashable {
    public var spanId: String?
    public var spanStartTime: Timestamp?

    public init(spanId: String? = nil, spanStartTime: Timestamp? = nil) {
        self.spanId = spanId
        self.spanStartTime = spanStartTime
    }
}

/// `OrchestratorEntityParameters`, sent when the backend supports entities.
public struct OrchestratorEntityParameters: Sendable, Hashable {
    public var entityMessageReorderWindow: ProtoDuration?

    public init(entityMessageReorderWindow: ProtoDuration? = nil) {
        self.entityMessageReorderWindow = entityMessageReorderWindow
    }
}
