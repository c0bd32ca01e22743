import Durable
import Foundation
import LinkTomeCore

/// Runs activity work items as the extension's `CallActivityAsync` does (§3.5, §3.6): the input
/// goes to the activity function with the host's quoting, a 2xx answer becomes `TaskCompleted`
/// with the serialised `ReturnValue`, and any other outcome (a non-2xx status, a refused or reset
/// connection, an unreadable answer) becomes `TaskFailed` with the generic details the host
/// records. A timeout abandons the work item, which runs again later.
struct ActivityRunner: Sendable {
    let core: HostCore

    var durable: DurableStore { core.durable }

    /// Runs `item` if this host gets the claim.
    func process(_ item: ActivityWorkItem) async {
        do {
            try await run(item)
        } catch {
            core.logger.error(
                "activity dispatch failed",
                metadata: ["orchestration.instance": item.instanceId, "task.id": "\(item.taskId)", "error": "\(error)"]
            )
        }
    }

    private func run(_ item: ActivityWorkItem) async throws(DevHostError) {
        let now = core.now()
        guard
            let claimed = try await durable.claim(
                item,
                owner: core.owner,
                until: now.advanced(bySeconds: core.leaseSeconds)
            )
        else { return }
        do {
            try await execute(claimed, now: now)
        } catch {
            // Make the item available again soon rather than when the lease expires.
            try? await durable.release(claimed, at: core.now().advanced(bySeconds: 2))
            throw error
        }
    }

    private func execute(_ claimed: ActivityWorkItem, now: Timestamp) async throws(DevHostError) {
        let item = claimed
        if try await durable.hasMessage(item.instanceId, key: item.resultKey) {
            try await durable.deleteWorkItem(claimed)
            return
        }
        guard let record = try await durable.instance(item.instanceId), record.executionId == item.executionId,
            !record.runtimeStatus.isTerminal
        else {
            core.logger.debug(
                "activity dropped: its orchestration has ended",
                metadata: ["orchestration.instance": item.instanceId]
            )
            try await durable.deleteWorkItem(claimed)
            return
        }

        let event: HistoryEvent.Kind
        if let function = core.layout.activity(named: item.name) {
            let body = HostEnvelope.activityBody(
                functionName: function.name,
                binding: function.binding,
                input: item.input,
                instanceId: item.instanceId,
                now: now.date
            )
            let context = [
                "orchestration.instance": item.instanceId, "task.id": "\(item.taskId)",
                "attempt": "\(claimed.dispatches)",
            ]
            switch await core.invoker.invoke(function.name, body: body, context: context) {
            case .succeeded(let returnValue, _):
                event = .taskCompleted(
                    TaskCompletedEvent(taskScheduledId: item.taskId, result: Self.serialise(returnValue))
                )
            case .failed(let failure):
                event = .taskFailed(
                    TaskFailedEvent(taskScheduledId: item.taskId, failureDetails: Self.details(function.name, failure))
                )
            case .handlerDied(let failure, let delivered):
                guard delivered else {
                    // Refused: the request never reached a handler; send it to the restarted one.
                    try await durable.release(claimed, at: core.now())
                    return
                }
                event = .taskFailed(
                    TaskFailedEvent(taskScheduledId: item.taskId, failureDetails: Self.details(function.name, failure))
                )
            case .timedOut:
                try await durable.release(claimed, at: core.now().advanced(bySeconds: 5))
                return
            }
        } else {
            let failure = InvocationFailure(
                "System.ArgumentException",
                "The function '\(item.name)' doesn't exist, is disabled, or is not an activity function."
            )
            event = .taskFailed(
                TaskFailedEvent(taskScheduledId: item.taskId, failureDetails: Self.details(item.name, failure))
            )
        }
        try await core.enqueue(to: record, key: item.resultKey, kind: event)
        try await durable.deleteWorkItem(claimed)
    }

    /// `TaskCompleted.result`: objects and arrays as compact JSON, other values as JSON text,
    /// nothing for a missing or null `ReturnValue`.
    static func serialise(_ value: JSONValue?) -> String? {
        guard let value, value != .null else { return nil }
        return value.jsonText
    }

    /// What the extension records for a failed activity invocation (§3.6).
    static func details(_ function: String, _ failure: InvocationFailure) -> TaskFailureDetails {
        TaskFailureDetails(
            errorType: "Microsoft.Azure.WebJobs.Host.FunctionInvocationException",
            errorMessage: "Exception while executing function: Functions.\(function)",
            innerFailure: TaskFailureDetails(errorType: failure.exceptionType, errorMessage: failure.message)
        )
    }
}
