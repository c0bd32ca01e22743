import LinkTomeCore

/// What orchestrator code uses to schedule durable work; one context per orchestrator run.
///
/// Orchestrator code runs again from the start in every episode and must make the same calls in
/// the same order each time: read time from ``currentTime``, ids from ``newGuid()``, and do all I/O
/// in activities. Calls that schedule work return a ``DurableTask`` at once; `await task.value`
/// to get its result. Awaiting a result that history does not have yet ends the episode (see
/// ``OrchestrationInterrupted``); the orchestrator runs again once the result is recorded.
///
/// ```swift
/// registry.register("HelloCities") { context in
///     let cities: [JSONValue] = ["Tokyo", "London", "Seattle"]
///     let greetings = cities.map { context.callActivity("SayHello", input: $0) }
///     return .array(try await context.whenAll(greetings))
/// }
/// ```
public final class OrchestrationContext {
    let replay: ReplayState
    private let baseLogger: Logger

    /// Timers longer than this are split into chunks (the Azure Storage backend's limit): 3 days.
    public static let maximumTimerInterval: Double = 3 * 86_400

    init(replay: ReplayState, logger: Logger) {
        self.replay = replay
        self.baseLogger = logger
    }

    /// The orchestration instance id.
    public var instanceId: String { replay.instanceId }

    /// The orchestrator name from `ExecutionStarted`.
    public var name: String { replay.started?.name ?? "" }

    /// This execution's id (changes with continue-as-new), if the history recorded one.
    public var executionId: String? { replay.started?.orchestrationInstance?.executionId }

    /// The parent orchestration's instance id when this is a sub-orchestration.
    public var parentInstanceId: String? { replay.started?.parentInstance?.orchestrationInstance?.instanceId }

    /// The input JSON text as recorded in history; `nil` for no input.
    public var rawInput: String? { replay.started?.input }

    /// The parsed input; `.null` for no input.
    public private(set) lazy var input: JSONValue = JSONValue(historyText: rawInput)

    /// Whether the code is re-running past events (use it to avoid repeating side effects like logs).
    public var isReplaying: Bool { replay.isReplaying }

    /// The orchestration's notion of now: the start time of the episode being replayed.
    public var currentTime: Timestamp { replay.currentTime }

    /// A logger that stays quiet while replaying, with the instance id and orchestrator name attached.
    public var logger: Logger {
        var logger = baseLogger
        logger.metadata["orchestration.instance"] = instanceId
        logger.metadata["orchestration.name"] = name
        logger.sink = ReplaySafeSink(base: baseLogger.sink, flag: replay.replayFlag)
        return logger
    }

    /// Schedules activity `name` with `input`, retried per `retry` when given.
    public func callActivity(_ name: String, input: JSONValue = .null, retry: RetryPolicy? = nil) -> DurableTask {
        let inputText = input.nullableJSONText
        guard let retry else { return scheduleActivity(name, inputText) }
        return retrying(retry) { self.scheduleActivity(name, inputText) }
    }

    /// Starts orchestrator `name` as a sub-orchestration and returns its output.
    ///
    /// - Parameter instanceId: the child's instance id; by default a deterministic GUID (32 hex
    ///   digits, a new one per attempt).
    public func callSubOrchestrator(
        _ name: String,
        input: JSONValue = .null,
        instanceId: String? = nil,
        retry: RetryPolicy? = nil
    ) -> DurableTask {
        let inputText = input.nullableJSONText
        let start = {
            self.scheduleSubOrchestration(name, inputText, instanceId: instanceId ?? self.compactGuid())
        }
        guard let retry else { return start() }
        return retrying(retry, start)
    }

    /// A durable timer that completes at `fireAt` (history time); timers beyond
    /// ``maximumTimerInterval`` are chained.
    public func createTimer(fireAt: Timestamp) -> DurableTask {
        guard fireAt.secondsSince(currentTime) > Self.maximumTimerInterval else { return scheduleTimer(fireAt) }

        let whole = DurableTask(replay: replay)
        func nextChunk() {
            let chunkEnd = currentTime.adding(seconds: Self.maximumTimerInterval)
            let finalChunk = fireAt.secondsSince(currentTime) <= Self.maximumTimerInterval
            let chunk = scheduleTimer(finalChunk ? fireAt : chunkEnd)
            chunk.whenSettled { _ in
                if finalChunk { whole.settle(.succeeded(.null)) } else { nextChunk() }
            }
        }
        nextChunk()
        return whole
    }

    /// A durable timer that completes `seconds` after ``currentTime``.
    public func createTimer(after seconds: Double) -> DurableTask {
        createTimer(fireAt: currentTime.adding(seconds: seconds))
    }

    /// Waits for an external event named `name` (ignoring case); its payload is the task's value.
    ///
    /// Events are delivered to waiters oldest first; events that arrive before anyone waits are
    /// kept. With a `timeout` (seconds), a durable timer races the event and the task fails with
    /// ``ExternalEventTimedOut`` if the timer wins; a timeout of 0 or less fails at once unless
    /// the event is already there.
    public func waitForExternalEvent(_ name: String, timeout: Double? = nil) -> DurableTask {
        let task = DurableTask(replay: replay)
        if let index = replay.bufferedEvents.firstIndex(where: { $0.raisedName?.lowercased() == name.lowercased() }) {
            let event = replay.bufferedEvents.remove(at: index)
            task.settle(.succeeded(JSONValue(historyText: event.raisedInput)))
            return task
        }
        guard let timeout else {
            addWaiter(task, for: name)
            return task
        }
        guard timeout > 0 else {
            task.settle(.failed(ExternalEventTimedOut(name: name, timeout: timeout)))
            return task
        }

        addWaiter(task, for: name)
        let timer = createTimer(after: timeout)
        let outcome = DurableTask(replay: replay)
        task.whenSettled { settled in settled.outcome.map(outcome.settle) }
        timer.whenSettled { [replay] _ in
            guard !task.isCompleted else { return }
            replay.eventWaiters[name.lowercased()]?.removeAll { $0 === task }
            outcome.settle(.failed(ExternalEventTimedOut(name: name, timeout: timeout)))
        }
        return outcome
    }

    /// Sends event `name` with `data` to another orchestration instance (fire and forget).
    public func sendEvent(to instanceId: String, name: String, data: JSONValue = .null) {
        let action = SendEventAction(
            instance: OrchestrationInstance(instanceId: instanceId),
            name: name,
            data: data.nullableJSONText
        )
        _ = replay.schedule(.sendEvent(action))
    }

    /// Ends this execution when the orchestrator returns and starts a new one with `input`.
    ///
    /// The orchestrator's return value is then ignored. With `preserveUnprocessedEvents`, external
    /// events nobody has waited for yet are carried over to the new execution.
    public func continueAsNew(_ input: JSONValue, preserveUnprocessedEvents: Bool = false) {
        replay.continueAsNew = (input, preserveUnprocessedEvents)
    }

    /// Sets the custom status shown by the status API (sent with every following response);
    /// `nil` clears it.
    public func setCustomStatus(_ status: JSONValue?) {
        replay.customStatus = status?.jsonText
    }

    /// A GUID that is the same on every replay (UUID v5 of the instance id, current time and a counter).
    public func newGuid() -> String {
        let name = "\(instanceId)_\(currentTime.iso8601(fractionDigits: 7))_\(replay.guidCounter)"
        replay.guidCounter += 1
        return DeterministicGuid.uuid(name: name)
    }

    private func compactGuid() -> String {
        newGuid().replacingOccurrences(of: "-", with: "")
    }
}

extension HistoryEvent {
    var raisedName: String? {
        if case .eventRaised(let body) = kind { return body.name }
        return nil
    }

    var raisedInput: String? {
        if case .eventRaised(let body) = kind { return body.input }
        return nil
    }
}
