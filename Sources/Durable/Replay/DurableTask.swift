import LinkTomeCore

/// The eventual result of a durable operation: an activity, timer, sub-orchestration or event.
///
/// Tasks are created by ``OrchestrationContext`` and awaited with ``value``. Awaiting replays
/// history until the task completes; when history runs out first, the episode ends (the await
/// throws ``OrchestrationInterrupted``, which the engine turns into the pending actions) and the
/// orchestrator runs again from the start when the outcome is known. Creating several tasks before
/// awaiting any of them fans out; ``OrchestrationContext/whenAll(_:)`` fans in.
///
/// A task belongs to one orchestrator run and is not `Sendable`: pass it to
/// ``OrchestrationContext`` methods, never to other concurrent tasks.
public final class DurableTask {
    enum Outcome {
        case succeeded(JSONValue)
        case failed(any Error)
    }

    private let replay: ReplayState
    private(set) var outcome: Outcome?
    private var observer: ((DurableTask) -> Void)?
    private var moreObservers: [(DurableTask) -> Void] = []

    init(replay: ReplayState) {
        self.replay = replay
    }

    /// The task's result; throws the task's failure (for example ``ActivityFailed``) or
    /// ``OrchestrationInterrupted`` when the result is not in history yet.
    public var value: JSONValue {
        get async throws {
            try replay.run(until: { self.outcome != nil })
            return try result()
        }
    }

    /// Whether history has settled this task (succeeded or failed).
    public var isCompleted: Bool { outcome != nil }

    /// Whether the task settled with a failure.
    public var isFailed: Bool {
        if case .failed = outcome { return true }
        return false
    }

    /// The settled result; only valid once ``isCompleted``.
    func result() throws -> JSONValue {
        switch outcome {
        case .succeeded(let value): return value
        case .failed(let error): throw error
        case nil: throw OrchestrationInterrupted(reason: .blocked)
        }
    }

    /// Settles the task once and runs its observers; later calls are ignored.
    func settle(_ outcome: Outcome) {
        guard self.outcome == nil else { return }
        self.outcome = outcome
        let first = observer
        let more = moreObservers
        detach()
        first?(self)
        for observer in more { observer(self) }
    }

    /// Runs `observer` when the task settles (immediately if it already has).
    func whenSettled(_ observer: @escaping (DurableTask) -> Void) {
        if outcome != nil {
            observer(self)
        } else if self.observer == nil {
            self.observer = observer
        } else {
            moreObservers.append(observer)
        }
    }

    /// Drops observers so that reference cycles through closures end with the episode.
    func detach() {
        observer = nil
        moreObservers = []
    }
}

/// Thrown from an await when the orchestrator cannot continue in this episode: the awaited result
/// is not in history yet, or history ended the orchestration (terminated, non-deterministic).
///
/// The engine catches it and answers with the actions scheduled so far. Orchestrator code that
/// catches every error should rethrow this one; if it does not, the engine still ignores whatever
/// the code does afterwards, because no new actions are accepted once the episode is interrupted.
public struct OrchestrationInterrupted: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable {
        /// The result is not in history yet; the orchestrator runs again when it is.
        case blocked
        /// History ended the orchestration (terminated, or replay found non-determinism).
        case stopped
    }

    public var reason: Reason

    public var description: String {
        switch reason {
        case .blocked: return "the orchestration is waiting for results that are not in history yet"
        case .stopped: return "the orchestration was ended by its history"
        }
    }
}
