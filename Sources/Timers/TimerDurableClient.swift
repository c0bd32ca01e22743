import Durable
import Foundation
import LinkTomeCore
import TableStorage

/// The runtime state of an orchestration instance, as the durable status API names it.
public enum TimerInstanceRuntimeStatus: String, Sendable, Hashable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case suspended = "Suspended"
    case continuedAsNew = "ContinuedAsNew"
    case completed = "Completed"
    case failed = "Failed"
    case terminated = "Terminated"
    case canceled = "Canceled"
    case unknown = "Unknown"

    /// Reads a status name ignoring case; anything else is `unknown`.
    public init(lenient text: String) {
        let lowered = text.lowercased()
        self = Self.allCases.first { $0.rawValue.lowercased() == lowered } ?? .unknown
    }

    /// Whether the instance may still do work: pending, running, suspended or continued-as-new.
    /// (`unknown` counts as active, so an unreadable status never starts a second run.)
    public var isActive: Bool {
        switch self {
        case .pending, .running, .suspended, .continuedAsNew, .unknown: return true
        case .completed, .failed, .terminated, .canceled: return false
        }
    }
}

/// What the timer machinery needs to know about one orchestration instance.
public struct TimerInstanceStatus: Sendable, Hashable {
    public var instanceId: String
    public var runtimeStatus: TimerInstanceRuntimeStatus
    public var createdTime: Date?
    public var lastUpdatedTime: Date?
    /// The orchestration's output (for a failed instance, usually its error message).
    public var output: JSONValue
    public var customStatus: JSONValue

    public init(
        instanceId: String,
        runtimeStatus: TimerInstanceRuntimeStatus,
        createdTime: Date? = nil,
        lastUpdatedTime: Date? = nil,
        output: JSONValue = .null,
        customStatus: JSONValue = .null
    ) {
        self.instanceId = instanceId
        self.runtimeStatus = runtimeStatus
        self.createdTime = createdTime
        self.lastUpdatedTime = lastUpdatedTime
        self.output = output
        self.customStatus = customStatus
    }
}

/// The durable operations the tick and the timer commands use. The app adapts the Durable
/// module's client to it; tests use an in-memory stand-in.
public protocol TimerDurableClient: Sendable {
    /// Starts `orchestrator` as instance `instanceId` with `input`. Starting an id that already
    /// exists must not fail (the ids are deterministic, so a repeated start is the same work).
    func startOrchestration(_ orchestrator: String, instanceId: String, input: JSONValue) async throws

    /// The instance's status, or `nil` if no such instance exists (never started, or purged).
    func instanceStatus(_ instanceId: String) async throws -> TimerInstanceStatus?

    /// The Durable module's client behind this one, when there is one (for listing, terminating
    /// and purging instances, as the durable cleanup job does); `nil` by default.
    var webhookClient: DurableClient? { get }
}

/// Everything an activity item handler may use.
public struct ActivityContext: Sendable {
    /// The app's table store.
    public var store: any TableStore
    /// Logs with the activity and orchestration metadata attached.
    public var logger: Logger
    /// The injected clock.
    public var clock: any TimeSource
    /// The app settings.
    public var settings: Settings
    /// The instance id of the orchestration that scheduled this activity (empty if unknown).
    public var instanceId: String

    public init(store: any TableStore, logger: Logger, clock: any TimeSource, settings: Settings, instanceId: String) {
        self.store = store
        self.logger = logger
        self.clock = clock
        self.settings = settings
        self.instanceId = instanceId
    }

    /// The current time from the injected clock.
    public var now: Date { clock.now() }
}
