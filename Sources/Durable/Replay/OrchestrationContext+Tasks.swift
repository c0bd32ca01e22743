import LinkTomeCore

// Fan-in.
extension OrchestrationContext {
    /// Waits for every task and returns their values in order; if any failed, throws the first
    /// failure in list order once all have settled (as the Durable Task framework does).
    public func whenAll(_ tasks: [DurableTask]) async throws -> [JSONValue] {
        try await waitForAll(tasks)
        return try tasks.map { try $0.result() }
    }

    /// Waits for every task and returns each one's result or error, without failing.
    public func whenAllSettled(_ tasks: [DurableTask]) async throws -> [Result<JSONValue, any Error>] {
        try await waitForAll(tasks)
        return tasks.map { task in Result { try task.result() } }
    }

    /// Waits until one task settles and returns it (the first to settle in history order; among
    /// tasks already settled, the first in list order). Other tasks keep running.
    public func whenAny(_ tasks: [DurableTask]) async throws -> DurableTask {
        if let done = tasks.first(where: \.isCompleted) { return done }
        guard !tasks.isEmpty else {
            throw DurableError.invalidArgument("whenAny needs at least one task")
        }
        let first = FirstSettled()
        for task in tasks { task.whenSettled { first.task = first.task ?? $0 } }
        try replay.run(until: { first.task != nil })
        return first.task ?? tasks[0]
    }

    private func waitForAll(_ tasks: [DurableTask]) async throws {
        let counter = Countdown(tasks.count { !$0.isCompleted })
        for task in tasks where !task.isCompleted {
            task.whenSettled { _ in counter.remaining -= 1 }
        }
        try replay.run(until: { counter.remaining == 0 })
    }
}

private final class Countdown {
    var remaining: Int

    init(_ remaining: Int) {
        self.remaining = remaining
    }
}

private final class FirstSettled {
    var task: DurableTask?
}

// Scheduling primitives and retries.
extension OrchestrationContext {
    func scheduleActivity(_ name: String, _ input: String?) -> DurableTask {
        let task = DurableTask(replay: replay)
        if let id = replay.schedule(.scheduleTask(ScheduleTaskAction(name: name, input: input))) {
            replay.open(id, task: task, kind: .activity(name: name))
        }
        return task
    }

    func scheduleSubOrchestration(_ name: String, _ input: String?, instanceId: String) -> DurableTask {
        let task = DurableTask(replay: replay)
        let action = CreateSubOrchestrationAction(instanceId: instanceId, name: name, input: input)
        if let id = replay.schedule(.createSubOrchestration(action)) {
            replay.open(id, task: task, kind: .subOrchestration(name: name, instanceId: instanceId))
        }
        return task
    }

    func scheduleTimer(_ fireAt: Timestamp) -> DurableTask {
        let task = DurableTask(replay: replay)
        if let id = replay.schedule(.createTimer(CreateTimerAction(fireAt: fireAt))) {
            replay.open(id, task: task, kind: .timer)
        }
        return task
    }

    func addWaiter(_ task: DurableTask, for name: String) {
        replay.eventWaiters[name.lowercased(), default: []].append(task)
    }

    /// Runs `attempt` until it succeeds or `policy` gives up, with a durable timer between attempts.
    func retrying(_ policy: RetryPolicy, _ attempt: @escaping () -> DurableTask) -> DurableTask {
        let whole = DurableTask(replay: replay)
        let firstAttempt = currentTime

        func start(_ number: Int) {
            attempt().whenSettled { [self] settled in
                guard case .failed(let error) = settled.outcome else {
                    settled.outcome.map(whole.settle)
                    return
                }
                let now = currentTime
                guard replay.acceptsActions,
                    policy.allowsRetry(after: number, failure: error, now: now, firstAttempt: firstAttempt)
                else {
                    whole.settle(.failed(Self.counting(error, attempts: number + 1)))
                    return
                }
                logger.debug(
                    "retrying after failure",
                    metadata: ["attempt": String(number + 1), "delay": String(policy.delay(afterAttempt: number))]
                )
                createTimer(fireAt: now.adding(seconds: policy.delay(afterAttempt: number))).whenSettled { _ in
                    start(number + 1)
                }
            }
        }
        start(0)
        return whole
    }

    private static func counting(_ error: any Error, attempts: Int) -> any Error {
        if let failure = error as? any RetriableFailure { return failure.afterAttempts(attempts) }
        return error
    }
}
