import Durable
import Foundation
import LinkTomeCore

/// The Durable module's webhook client as the timers' ``TimerDurableClient``.
///
/// Starts are idempotent: when the service refuses a start because the instance exists and is
/// still active (the ids are deterministic, so it is the same run), the start counts as done.
public struct DurableWebhookClient: TimerDurableClient {
    /// The underlying client, for commands that list, terminate or purge instances.
    public let client: DurableClient

    public init(client: DurableClient) {
        self.client = client
    }

    public func startOrchestration(_ orchestrator: String, instanceId: String, input: JSONValue) async throws {
        do {
            _ = try await client.startNew(orchestrator, instanceId: instanceId, input: input)
        } catch {
            if let existing = try? await client.status(of: instanceId), !existing.runtimeStatus.isFinished {
                return
            }
            throw error
        }
    }

    public func instanceStatus(_ instanceId: String) async throws -> TimerInstanceStatus? {
        guard let status = try await client.status(of: instanceId) else { return nil }
        return TimerInstanceStatus(
            instanceId: status.instanceId,
            runtimeStatus: TimerInstanceRuntimeStatus(lenient: status.runtimeStatus.rawValue),
            createdTime: status.createdTime?.date,
            lastUpdatedTime: status.lastUpdatedTime?.date,
            output: status.output,
            customStatus: status.customStatus
        )
    }

    public var webhookClient: DurableClient? { client }
}

extension TimerDurableClient {
    /// No webhook client behind a stand-in.
    public var webhookClient: DurableClient? { nil }
}
