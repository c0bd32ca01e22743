import LinkTomeCore

/// What a confirming history event says the code did, for comparison with the pending action.
enum RecordedAction {
    case activity(name: String)
    case timer(fireAt: Timestamp?)
    case subOrchestration(name: String, instanceId: String)
    case eventSent(name: String, instanceId: String)

    func matches(_ kind: OrchestratorAction.Kind) -> Bool {
        switch (self, kind) {
        case (.activity(let name), .scheduleTask(let action)):
            return name.equalsIgnoringCase(action.name)
        case (.timer, .createTimer):
            return true
        case (.subOrchestration(let name, _), .createSubOrchestration(let action)):
            return name.equalsIgnoringCase(action.name)
        case (.eventSent(let name, _), .sendEvent(let action)):
            return name.equalsIgnoringCase(action.name)
        default:
            return false
        }
    }

    var summary: String {
        switch self {
        case .activity(let name): return "activity '\(name)'"
        case .timer(let fireAt): return "a timer" + (fireAt.map { " firing at \($0)" } ?? "")
        case .subOrchestration(let name, let id): return "sub-orchestration '\(name)' (instance \(id))"
        case .eventSent(let name, let id): return "event '\(name)' sent to instance \(id)"
        }
    }

    static func summary(of kind: OrchestratorAction.Kind) -> String {
        switch kind {
        case .scheduleTask(let action): return RecordedAction.activity(name: action.name).summary
        case .createTimer(let action): return RecordedAction.timer(fireAt: action.fireAt).summary
        case .createSubOrchestration(let action):
            return RecordedAction.subOrchestration(name: action.name, instanceId: action.instanceId).summary
        case .sendEvent(let action):
            return RecordedAction.eventSent(name: action.name, instanceId: action.instance?.instanceId ?? "").summary
        default: return "an action of another kind"
        }
    }
}

extension ReplayState {
    /// Applies one history event (§5.3 of the protocol notes).
    func apply(_ event: HistoryEvent) {
        if suspended, event.kind.waitsWhileSuspended {
            suspendedEvents.append(event)
            return
        }
        switch event.kind {
        case .orchestratorStarted:
            if let timestamp = event.timestamp {
                currentTime = timestamp
                timeKnown = true
            }
        case .taskScheduled(let body):
            confirm(event.eventId, .activity(name: body.name))
        case .timerCreated(let body):
            if event.eventId != -100 { confirm(event.eventId, .timer(fireAt: body.fireAt)) }
        case .subOrchestrationInstanceCreated(let body):
            confirm(event.eventId, .subOrchestration(name: body.name, instanceId: body.instanceId))
        case .eventSent(let body):
            confirm(event.eventId, .eventSent(name: body.name, instanceId: body.instanceId))
        case .taskCompleted(let body):
            completeActivity(body.taskScheduledId, result: body.result)
        case .taskFailed(let body):
            failActivity(body.taskScheduledId, details: body.failureDetails)
        case .subOrchestrationInstanceCompleted(let body):
            completeSubOrchestration(body.taskScheduledId, result: body.result, failure: nil)
        case .subOrchestrationInstanceFailed(let body):
            completeSubOrchestration(body.taskScheduledId, result: nil, failure: body.failureDetails ?? .init())
        case .timerFired(let body):
            fireTimer(body.timerId)
        case .eventRaised(let body):
            raise(event, name: body.name, input: body.input)
        case .executionTerminated(let body):
            finish(.terminated(reason: body.input))
        case .executionSuspended:
            suspended = true
        case .executionResumed:
            suspended = false
            inject(suspendedEvents)
            suspendedEvents = []
        case .executionStarted, .orchestratorCompleted, .executionCompleted, .genericEvent, .historyState,
            .continueAsNew, .opaque, .none:
            break
        }
    }

    /// Checks that history's record of action `id` matches what the code scheduled.
    private func confirm(_ id: Int32, _ recorded: RecordedAction) {
        guard let pending = pendingAction(id) else {
            nonDeterminism(recorded, id: id, found: "nothing")
            return
        }
        guard recorded.matches(pending) else {
            nonDeterminism(recorded, id: id, found: RecordedAction.summary(of: pending))
            return
        }
        confirm(id)
    }

    private func nonDeterminism(_ recorded: RecordedAction, id: Int32, found: String) {
        let name = started?.name ?? "?"
        let message =
            "orchestration '\(name)' is not deterministic: history recorded \(recorded.summary) with sequence "
            + "number \(id), but this replay of the code scheduled \(found) with sequence number \(id). "
            + "Orchestrator code must schedule the same actions in the same order on every replay."
        finish(
            .aborted(
                TaskFailureDetails(errorType: "NonDeterministicOrchestrationError", errorMessage: message)
            )
        )
    }

    /// Takes the open task `id` if it is of the expected kind; another kind is non-determinism.
    private func takeOpen(_ id: Int32, event: String, expect: (OpenKind) -> Bool) -> OpenTask? {
        guard let open = openTask(id) else { return nil }  // a duplicate or an abandoned attempt
        guard expect(open.kind) else {
            let message =
                "orchestration '\(started?.name ?? "?")' is not deterministic: history recorded \(event) for "
                + "sequence number \(id), but this replay of the code uses \(id) for something else."
            finish(
                .aborted(
                    TaskFailureDetails(errorType: "NonDeterministicOrchestrationError", errorMessage: message)
                )
            )
            return nil
        }
        close(id)
        return open
    }

    private func completeActivity(_ id: Int32, result: String?) {
        guard let open = takeOpen(id, event: "an activity result", expect: { $0.isActivity }),
            case .activity(let name) = open.kind
        else { return }

        switch ActivityOutcome(taskResult: result) {
        case .completed(let value):
            open.task.settle(.succeeded(value))
        case .failed(let failure):
            open.task.settle(.failed(failure.activityFailed(name: name, taskId: id)))
        }
    }

    private func failActivity(_ id: Int32, details: TaskFailureDetails?) {
        guard let open = takeOpen(id, event: "an activity failure", expect: { $0.isActivity }),
            case .activity(let name) = open.kind
        else { return }

        let details = details ?? TaskFailureDetails(errorMessage: "the activity failed without details")
        let failure = ActivityFailed(
            name: name,
            taskId: id,
            errorType: details.errorType,
            message: details.errorMessage,
            isNonRetriable: details.isNonRetriable,
            failureDetails: details
        )
        open.task.settle(.failed(failure))
    }

    private func completeSubOrchestration(_ id: Int32, result: String?, failure: TaskFailureDetails?) {
        guard let open = takeOpen(id, event: "a sub-orchestration result", expect: { $0.isSubOrchestration }),
            case .subOrchestration(let name, let instanceId) = open.kind
        else { return }

        if let failure {
            let error = SubOrchestrationFailed(
                name: name,
                instanceId: instanceId,
                taskId: id,
                message: failure.errorMessage,
                failureDetails: failure
            )
            open.task.settle(.failed(error))
        } else {
            open.task.settle(.succeeded(JSONValue(historyText: result)))
        }
    }

    private func fireTimer(_ id: Int32) {
        guard let open = takeOpen(id, event: "a timer firing", expect: { $0.isTimer }) else { return }
        open.task.settle(.succeeded(.null))
    }

    /// Hands an external event to the oldest waiter for its name, or buffers it.
    private func raise(_ event: HistoryEvent, name: String, input: String?) {
        let key = name.lowercased()
        if var waiters = eventWaiters[key], !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            eventWaiters[key] = waiters.isEmpty ? nil : waiters
            waiter.settle(.succeeded(JSONValue(historyText: input)))
        } else {
            bufferedEvents.append(event)
        }
    }
}

extension String {
    /// Equality ignoring case, with a fast path for identical strings.
    func equalsIgnoringCase(_ other: String) -> Bool {
        self == other || lowercased() == other.lowercased()
    }
}

extension ReplayState.OpenKind {
    var isActivity: Bool {
        if case .activity = self { return true }
        return false
    }

    var isSubOrchestration: Bool {
        if case .subOrchestration = self { return true }
        return false
    }

    var isTimer: Bool {
        if case .timer = self { return true }
        return false
    }
}

extension HistoryEvent.Kind {
    /// Results and external events wait while the instance is suspended; everything else applies.
    var waitsWhileSuspended: Bool {
        switch self {
        case .taskCompleted, .taskFailed, .subOrchestrationInstanceCompleted, .subOrchestrationInstanceFailed,
            .timerFired, .eventRaised:
            return true
        default:
            return false
        }
    }
}
