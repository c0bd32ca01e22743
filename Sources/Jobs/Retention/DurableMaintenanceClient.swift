import Foundation
import LinkTomeCore

/// An orchestration instance as the durable cleanup sees it.
public struct DurableInstanceSummary: Sendable, Hashable {
    public var instanceId: String
    /// `Running`, `Pending`, `Completed`, `Failed`, `Terminated`, … as the status API names it.
    public var runtimeStatus: String
    public var createdTime: Date?
    public var lastUpdatedTime: Date?
    /// The output (for a failed instance, usually its error).
    public var output: JSONValue

    public init(
        instanceId: String,
        runtimeStatus: String,
        createdTime: Date? = nil,
        lastUpdatedTime: Date? = nil,
        output: JSONValue = .null
    ) {
        self.instanceId = instanceId
        self.runtimeStatus = runtimeStatus
        self.createdTime = createdTime
        self.lastUpdatedTime = lastUpdatedTime
        self.output = output
    }

    /// Whether the instance may still do work (anything but Completed, Failed, Terminated, Canceled).
    public var isActive: Bool {
        !["completed", "failed", "terminated", "canceled"].contains(runtimeStatus.lowercased())
    }
}

/// A page of instances and the token of the next page (`nil` on the last).
public struct DurableInstancePage: Sendable {
    public var instances: [DurableInstanceSummary]
    public var continuation: String?

    public init(instances: [DurableInstanceSummary], continuation: String?) {
        self.instances = instances
        self.continuation = continuation
    }
}

/// What a terminate request found.
public enum DurableTerminateOutcome: Sendable, Hashable {
    /// The terminate request was accepted.
    case accepted
    /// The instance had already completed, failed or been terminated (HTTP 410).
    case alreadyEnded
    /// No such instance (HTTP 404).
    case notFound
}

/// The task-hub operations the durable cleanup needs: the webhook API's list with filters and
/// continuation, purge by creation-time range and status, terminate, and one instance's status.
/// The app adapts the Durable module's client to it.
public protocol DurableMaintenanceClient: Sendable {
    /// One page of instances created no later than `createdTo` in one of `statuses`, at most `top`.
    func listInstances(
        statuses: [String],
        createdTo: Date,
        top: Int,
        continuation: String?
    ) async throws -> DurableInstancePage

    /// Purges the instances created in `createdFrom...createdTo` in one of `statuses`; returns how
    /// many were deleted (0 when none matched).
    func purgeInstances(createdFrom: Date, createdTo: Date, statuses: [String]) async throws -> Int

    /// Asks the instance to terminate with `reason`.
    func terminateInstance(_ instanceId: String, reason: String) async throws -> DurableTerminateOutcome

    /// The instance's status, or `nil` when it does not exist (never started, or purged).
    func instanceStatus(_ instanceId: String) async throws -> DurableInstanceSummary?
}
