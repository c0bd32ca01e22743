import Durable
import Foundation
import LinkTomeCore

/// Applies an orchestrator's answer as the Durable Task dispatcher does: each action becomes its
/// confirming history event (`TaskScheduled`, `TimerCreated`, `SubOrchestrationInstanceCreated`,
/// `EventSent`, `ExecutionCompleted`) and its message (an activity work item, a delayed
/// `TimerFired`, the child's `ExecutionStarted`, an `EventRaised`); the episode's history is
/// committed with a conditional write on the instance row, and only then are the messages sent.
struct ActionApplier: Sendable {
    let core: HostCore
    let episode: Episode
    var failedByHost = false

    private enum Effect {
        case activity(ActivityWorkItem)
        case timer(id: Int32, fireAt: Timestamp)
        case child(id: Int32, CreateSubOrchestrationAction)
        case raise(instanceId: String, name: String, data: String?)
    }

    func apply(_ response: OrchestratorResponse) async throws(DevHostError) {
        let now = episode.now
        var record = episode.record
        var produced: [HistoryEvent] = []
        var effects: [Effect] = []
        var completion: CompleteOrchestrationAction?

        for action in response.actions {
            let event: HistoryEvent.Kind?
            switch action.kind {
            case .scheduleTask(let task):
                event = .taskScheduled(TaskScheduledEvent(name: task.name, version: task.version, input: task.input))
                effects.append(
                    .activity(
                        ActivityWorkItem(
                            instanceId: record.instanceId,
                            executionId: record.executionId,
                            taskId: action.id,
                            name: task.name,
                            input: task.input,
                            availableAt: now
                        )
                    )
                )
            case .createTimer(let timer):
                let fireAt = timer.fireAt ?? now
                event = .timerCreated(TimerCreatedEvent(fireAt: fireAt))
                effects.append(.timer(id: action.id, fireAt: fireAt))
            case .createSubOrchestration(let sub):
                event = .subOrchestrationInstanceCreated(
                    SubOrchestrationInstanceCreatedEvent(
                        instanceId: sub.instanceId,
                        name: sub.name,
                        version: sub.version,
                        input: sub.input
                    )
                )
                effects.append(.child(id: action.id, sub))
            case .sendEvent(let send):
                let target = send.instance?.instanceId ?? ""
                event = .eventSent(EventSentEvent(instanceId: target, name: send.name, input: send.data))
                effects.append(.raise(instanceId: target, name: send.name, data: send.data))
            case .completeOrchestration(let complete):
                event = nil
                if completion == nil { completion = complete }
            default:
                event = nil
            }
            if let event { produced.append(HistoryEvent(eventId: action.id, timestamp: now, kind: event)) }
        }

        record.customStatus = response.customStatus
        record.lastUpdatedTime = now
        record.leaseOwner = ""
        record.leaseExpires = nil
        if record.runtimeStatus == .pending || record.runtimeStatus == .continuedAsNew {
            record.runtimeStatus = .running
        }

        var continuation: (input: String?, carryover: [HistoryEvent])?
        if let completion {
            let status = RuntimeState(completion.orchestrationStatus)
            produced.append(
                HistoryEvent(
                    eventId: -1,
                    timestamp: now,
                    kind: .executionCompleted(
                        ExecutionCompletedEvent(
                            orchestrationStatus: completion.orchestrationStatus,
                            result: completion.result,
                            failureDetails: completion.failureDetails
                        )
                    )
                )
            )
            if status == .continuedAsNew {
                continuation = (completion.result, completion.carryoverEvents)
            } else {
                finish(&record, status: status, completion, now: now)
            }
        }
        produced.append(HistoryEvent(eventId: -1, timestamp: now, kind: .orchestratorCompleted))

        if let continuation {
            record.executionId = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            record.input = continuation.input
            record.output = nil
            record.historyRows = 0
            record.runtimeStatus = .continuedAsNew
        } else {
            record.historyRows += try await core.durable.appendHistory(
                episode.newEvents + produced,
                consumed: episode.consumed,
                to: episode.record,
                start: episode.record.historyRows
            )
        }
        guard let committed = try await core.durable.update(record) else {
            core.logger.warning(
                "orchestration episode discarded: another host took the instance over",
                metadata: ["orchestration.instance": record.instanceId]
            )
            return
        }
        // The episode is committed: from here on each step is retried on its own, so that a busy
        // store cannot lose the messages the orchestration waits for. Consumed messages left behind
        // are recognised by the history's consumed keys.
        for effect in effects { await persist("send \(effect)") { try await send(effect, from: committed) } }
        if let continuation {
            await persist("continue as new") { try await restart(committed, continuation.carryover) }
        }
        if committed.runtimeStatus.isTerminal {
            await persist("notify the parent") { try await notifyParent(committed) }
        }
        await persist("delete consumed messages") {
            try await core.durable.deleteMessages(record.instanceId, keys: episode.consumed)
        }
        log(committed, actions: response.actions.count)
    }

    /// Runs `step` until it succeeds, at most five times with a growing pause; logs a final failure.
    private func persist(_ what: String, _ step: () async throws -> Void) async {
        var pause = 50
        for attempt in 1...5 {
            do {
                try await step()
                return
            } catch {
                if attempt == 5 {
                    core.logger.error(
                        "orchestration step lost after retries",
                        metadata: [
                            "orchestration.instance": episode.record.instanceId, "step": what, "error": "\(error)",
                        ]
                    )
                    return
                }
                try? await Task.sleep(for: .milliseconds(pause))
                pause *= 2
            }
        }
    }

    private func finish(
        _ record: inout InstanceRecord,
        status: RuntimeState,
        _ completion: CompleteOrchestrationAction,
        now: Timestamp
    ) {
        record.runtimeStatus = status.isTerminal ? status : .failed
        record.completedTime = now
        record.output =
            completion.result ?? completion.failureDetails.map { JSONValue.string($0.errorMessage).jsonText }
        record.failure = completion.failureDetails?.chainDescription
        record.failedByHost = failedByHost
        if !status.isTerminal {
            record.failure =
                "the orchestrator completed with status \(completion.orchestrationStatus), which is not a final status"
            record.failedByHost = true
        }
    }

    private func send(_ effect: Effect, from record: InstanceRecord) async throws(DevHostError) {
        switch effect {
        case .activity(let item):
            try await core.durable.addWorkItem(item)
            core.activityWakeup.signal()
        case .timer(let id, let fireAt):
            let fired = TimerFiredEvent(fireAt: fireAt, timerId: id)
            try await core.enqueue(
                to: record,
                key: "timer-\(record.executionId)-\(id)",
                kind: .timerFired(fired),
                visibleAt: fireAt
            )
        case .child(let id, let sub):
            try await startChild(id, sub, parent: record)
        case .raise(let instanceId, let name, let data):
            try await raise(instanceId, name: name, data: data, from: record)
        }
    }

    private func startChild(
        _ id: Int32,
        _ sub: CreateSubOrchestrationAction,
        parent: InstanceRecord
    ) async throws(DevHostError) {
        let link = (instanceId: parent.instanceId, executionId: parent.executionId, taskId: id)
        let details: TaskFailureDetails
        if (try? WebhookAPI.validate(instanceId: sub.instanceId)) == nil {
            details = TaskFailureDetails(
                errorType: "System.ArgumentException",
                errorMessage: "The sub-orchestration instance id '\(sub.instanceId)' is not valid."
            )
        } else if core.layout.orchestrator(named: sub.name) == nil {
            details = TaskFailureDetails(
                errorType: "System.ArgumentException",
                errorMessage:
                    "The function '\(sub.name)' doesn't exist, is disabled, or is not an orchestrator function."
            )
        } else {
            let result = try await core.startInstance(
                name: sub.name,
                instanceId: sub.instanceId,
                input: sub.input,
                parent: link
            )
            guard case .alreadyActive = result else { return }
            details = TaskFailureDetails(
                errorType: "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException",
                errorMessage: "An orchestration with instance id '\(sub.instanceId)' is already running."
            )
        }
        try await core.enqueue(
            to: parent,
            key: "sub-\(parent.executionId)-\(id)",
            kind: .subOrchestrationInstanceFailed(
                SubOrchestrationInstanceFailedEvent(taskScheduledId: id, failureDetails: details)
            )
        )
    }

    private func raise(
        _ instanceId: String,
        name: String,
        data: String?,
        from record: InstanceRecord
    ) async throws(DevHostError) {
        guard let target = try await core.durable.instance(instanceId), !target.runtimeStatus.isTerminal else {
            core.logger.warning(
                "event dropped: its target instance does not exist or has finished",
                metadata: ["orchestration.instance": record.instanceId, "event.target": instanceId, "event.name": name]
            )
            return
        }
        try await core.enqueue(
            to: target,
            key: core.uniqueKey("event"),
            kind: .eventRaised(EventRaisedEvent(name: name, input: data)),
            anyExecution: true
        )
    }

    private func restart(_ record: InstanceRecord, _ carryover: [HistoryEvent]) async throws(DevHostError) {
        try await core.durable.deleteOtherExecutions(of: record)
        let started = ExecutionStartedEvent(
            name: record.name,
            version: "",
            input: record.input,
            orchestrationInstance: OrchestrationInstance(
                instanceId: record.instanceId,
                executionId: record.executionId
            ),
            parentInstance: record.parentInstanceId.map {
                ParentInstanceInfo(
                    taskScheduledId: record.parentTaskId ?? 0,
                    name: nil,
                    version: nil,
                    orchestrationInstance: OrchestrationInstance(instanceId: $0, executionId: record.parentExecutionId)
                )
            }
        )
        try await core.enqueue(to: record, key: "start-" + record.executionId, kind: .executionStarted(started))
        for event in carryover {
            guard case .eventRaised = event.kind else { continue }
            try await core.enqueue(to: record, key: core.uniqueKey("event"), kind: event.kind)
        }
    }

    private func notifyParent(_ record: InstanceRecord) async throws(DevHostError) {
        guard let parentId = record.parentInstanceId, let taskId = record.parentTaskId,
            let parent = try await core.durable.instance(parentId), parent.executionId == record.parentExecutionId
        else { return }
        let kind: HistoryEvent.Kind
        if record.runtimeStatus == .completed {
            kind = .subOrchestrationInstanceCompleted(
                SubOrchestrationInstanceCompletedEvent(taskScheduledId: taskId, result: record.output)
            )
        } else {
            let details = TaskFailureDetails(
                errorType: "SubOrchestrationFailed",
                errorMessage:
                    "Sub-orchestration '\(record.name)' (\(record.instanceId)) ended \(record.runtimeStatus.rawValue): "
                    + (record.failure ?? record.output ?? "no details")
            )
            kind = .subOrchestrationInstanceFailed(
                SubOrchestrationInstanceFailedEvent(taskScheduledId: taskId, failureDetails: details)
            )
        }
        try await core.enqueue(to: parent, key: "sub-\(parent.executionId)-\(taskId)", kind: kind)
    }

    private func log(_ record: InstanceRecord, actions: Int) {
        var metadata = [
            "orchestration.instance": record.instanceId,
            "orchestration.status": record.runtimeStatus.rawValue,
            "actions": "\(actions)",
        ]
        if record.runtimeStatus.isTerminal {
            metadata["duration"] =
                "\(Int(record.lastUpdatedTime.date.timeIntervalSince(record.createdTime.date) * 1_000))ms"
            if let failure = record.failure { metadata["error"] = failure }
            core.logger.info("orchestration finished", metadata: metadata)
        } else {
            core.logger.debug("orchestration episode committed", metadata: metadata)
        }
    }
}
