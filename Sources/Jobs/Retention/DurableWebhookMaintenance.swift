import Durable
import Foundation
import LinkTomeCore

/// The Durable module's webhook client as the durable cleanup's task-hub client.
///
/// ```swift
/// let client = try DurableClient(descriptor: descriptor, transport: HTTPClient())
/// let summary = try await DurableCleanup.run(
///     client: DurableWebhookMaintenance(client), store: store, now: now, logger: logger)
/// ```
public struct DurableWebhookMaintenance: DurableMaintenanceClient {
    public let client: DurableClient

    public init(_ client: DurableClient) {
        self.client = client
    }

    public func listInstances(
        statuses: [String],
        createdTo: Date,
        top: Int,
        continuation: String?
    ) async throws -> DurableInstancePage {
        let filter = InstanceFilter(
            runtimeStatus: statuses.map(RuntimeStatus.init(rawValue:)),
            createdTimeTo: Timestamp(createdTo)
        )
        let page = try await client.listPage(filter, pageSize: top, continuationToken: continuation)
        return DurableInstancePage(instances: page.instances.map(Self.summary), continuation: page.continuationToken)
    }

    public func purgeInstances(createdFrom: Date, createdTo: Date, statuses: [String]) async throws -> Int {
        let filter = InstanceFilter(
            runtimeStatus: statuses.map(RuntimeStatus.init(rawValue:)),
            createdTimeFrom: Timestamp(createdFrom),
            createdTimeTo: Timestamp(createdTo)
        )
        return try await client.purge(filter)
    }

    public func terminateInstance(_ instanceId: String, reason: String) async throws -> DurableTerminateOutcome {
        switch try await client.terminate(instanceId, reason: reason) {
        case .terminated: return .accepted
        case .alreadyFinished: return .alreadyEnded
        case .notFound: return .notFound
        }
    }

    public func instanceStatus(_ instanceId: String) async throws -> DurableInstanceSummary? {
        try await client.status(of: instanceId).map(Self.summary)
    }

    static func summary(_ status: InstanceStatus) -> DurableInstanceSummary {
        DurableInstanceSummary(
            instanceId: status.instanceId,
            runtimeStatus: status.runtimeStatus.rawValue,
            createdTime: status.createdTime?.date,
            lastUpdatedTime: status.lastUpdatedTime?.date,
            output: status.output
        )
    }
}
