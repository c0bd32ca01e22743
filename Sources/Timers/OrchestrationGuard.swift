import Foundation
import LinkTomeCore

/// What the orchestrations named in a status row's `OrchestratorId` mean for the next run.
enum OrchestrationCheck: Sendable {
    /// No orchestration is outstanding.
    case none
    /// One is still pending or running: the timer must not start again. `overdue` when it has run
    /// past the maximum age.
    case active(reason: String, overdue: Bool)
    /// All have ended: the row, settled with their outcome (not yet written).
    case finished(TimerStatusRow)
    /// Their state cannot be read (no durable client, or the query failed): treat as running.
    case unknown(reason: String)
}

/// The running guard: reads the state of a row's orchestrations and settles the row once they end.
struct OrchestrationGuard: Sendable {
    let runner: TimerRunner

    var environment: TimerEnvironment { runner.environment }

    func check(_ row: TimerStatusRow) async -> OrchestrationCheck {
        let ids = row.orchestratorIds
        guard !ids.isEmpty else { return .none }
        guard let durable = environment.durable else {
            return .unknown(reason: "orchestration \(row.orchestratorId) cannot be checked: no durable client")
        }

        var instances: [TimerRowSettlement.Instance] = []
        for id in ids {
            do {
                let status = try await durable.instanceStatus(id)
                if let status, status.runtimeStatus.isActive { return active(status, row: row) }
                instances.append(TimerRowSettlement.Instance(id: id, status: status))
            } catch {
                return .unknown(reason: "status of orchestration \(id) cannot be read: \(error)")
            }
        }
        let settled = TimerRowSettlement.settle(
            row: row,
            statuses: instances,
            policy: environment.policy,
            now: environment.clock.now()
        )
        return .finished(settled)
    }

    private func active(_ status: TimerInstanceStatus, row: TimerStatusRow) -> OrchestrationCheck {
        let now = environment.clock.now()
        let since = status.createdTime ?? row.orchestratorStarted
        let age = since.map { now.timeIntervalSince($0) } ?? 0
        let state = status.runtimeStatus.rawValue
        guard age > environment.policy.orchestrationMaxAge else {
            return .active(reason: "orchestration \(status.instanceId) is \(state)", overdue: false)
        }
        let reason =
            "orchestration \(status.instanceId) has been \(state) for \(TimersError.duration(age)), "
            + "past the maximum age of \(TimersError.duration(environment.policy.orchestrationMaxAge)); "
            + "it is left to the durable cleanup job"
        return .active(reason: reason, overdue: true)
    }
}
