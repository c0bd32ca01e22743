import LinkTomeCore
import Synchronization

/// The replay of one orchestrator episode: a cursor over past and new history, the actions the
/// code has scheduled that history has not confirmed yet, and the tasks waiting for results.
///
/// Everything runs on the orchestrator's own task, one event at a time: awaiting a
/// ``DurableTask`` calls ``run(until:)``, which applies history events until the condition holds
/// or history runs out. There is no executor and no suspension, so the order in which actions get
/// their sequence numbers depends only on the code and the history, as replay requires.
final class ReplayState {
    /// A decided end of the orchestration, sent as a `completeOrchestration` action.
    enum Completion {
        case completed(output: JSONValue)
        /// `preserveEvents`: carry over external events nobody waited for, including those applied
        /// after the orchestrator returned.
        case continuedAsNew(input: JSONValue, preserveEvents: Bool)
        case failed(TaskFailureDetails)
        case terminated(reason: String?)
        /// History contradicts the code, or cannot be read; scheduled actions are dropped.
        case aborted(TaskFailureDetails)
    }

    /// What a scheduled action waits for.
    enum OpenKind {
        case activity(name: String)
        case subOrchestration(name: String, instanceId: String)
        case timer
    }

    struct OpenTask {
        var task: DurableTask
        var kind: OpenKind
    }

    let instanceId: String
    let history: HistorySource
    private var cursor = 0
    /// Events released by `executionResumed`, applied before the cursor moves on.
    private var injected: [HistoryEvent] = []
    private var injectedIndex = 0

    let replayFlag = ReplayFlag()
    private(set) var isReplaying = true
    var currentTime = Timestamp(seconds: 0)
    /// Whether an `orchestratorStarted` event has set ``currentTime``.
    var timeKnown = false
    private(set) var started: ExecutionStartedEvent?

    private var sequence: Int32 = 0
    /// Scheduled actions history has not confirmed yet, indexed by sequence number.
    private var pendingActions: [OrchestratorAction.Kind?] = []
    /// Tasks waiting for a result, indexed by sequence number.
    private var openTasks: [OpenTask?] = []
    /// Tasks waiting for an external event, by lower-cased name, oldest first.
    var eventWaiters: [String: [DurableTask]] = [:]
    /// `eventRaised` events nobody waited for yet, in arrival order.
    var bufferedEvents: [HistoryEvent] = []
    var suspended = false
    var suspendedEvents: [HistoryEvent] = []

    var customStatus: String?
    var continueAsNew: (input: JSONValue, preserveEvents: Bool)?
    var guidCounter = 0
    private(set) var completion: Completion?
    private var completionId: Int32 = 0
    /// Set once the episode cannot go on: history ran out (`blocked`) or ended the orchestration.
    private(set) var interrupted: OrchestrationInterrupted.Reason?

    init(history: HistorySource) {
        self.history = history
        instanceId = history.instanceId
        isReplaying = history.pastCount > 0
        replayFlag.set(isReplaying)
    }

    /// Whether code may still schedule actions (not interrupted, no completion decided).
    var acceptsActions: Bool { interrupted == nil && completion == nil }

    /// The next history event, or `nil` when history is exhausted.
    func nextEvent() -> HistoryEvent? {
        if injectedIndex < injected.count {
            injectedIndex += 1
            return injected[injectedIndex - 1]
        }
        if !injected.isEmpty {
            injected = []
            injectedIndex = 0
        }
        guard interrupted == nil, cursor < history.pastCount + history.newCount else { return nil }

        let fromPast = cursor < history.pastCount
        let event: HistoryEvent
        do {
            event = try history.event(at: cursor)
        } catch {
            let message = "the orchestration request could not be read: history event \(cursor): \(error)"
            abort(
                TaskFailureDetails(errorType: "InvalidOrchestratorRequest", errorMessage: message, isNonRetriable: true)
            )
            return nil
        }
        cursor += 1
        if isReplaying != fromPast {
            isReplaying = fromPast
            replayFlag.set(fromPast)
        }
        return event
    }

    /// Applies history until `condition` holds.
    ///
    /// - Throws: ``OrchestrationInterrupted`` when history runs out first (`blocked`) or has
    ///   ended the orchestration (`stopped`).
    func run(until condition: () -> Bool) throws(OrchestrationInterrupted) {
        while true {
            if let interrupted { throw OrchestrationInterrupted(reason: interrupted) }
            if condition() { return }
            guard let event = nextEvent() else {
                if interrupted == nil { interrupted = .blocked }
                throw OrchestrationInterrupted(reason: interrupted ?? .blocked)
            }
            apply(event)
        }
    }

    /// Releases events held back while suspended, to be applied next.
    func inject(_ events: [HistoryEvent]) {
        injected.append(contentsOf: events)
    }

    /// Records `ExecutionStarted`; the engine then runs the orchestrator function.
    func begin(_ event: ExecutionStartedEvent, timestamp: Timestamp?) {
        started = event
        if !timeKnown, let timestamp {
            currentTime = timestamp
            timeKnown = true
        }
    }

    /// Takes the next sequence number and records `kind` as pending, or returns nil when the
    /// episode no longer accepts actions.
    func schedule(_ kind: OrchestratorAction.Kind) -> Int32? {
        guard acceptsActions else { return nil }
        let id = sequence
        sequence += 1
        pendingActions.append(kind)
        openTasks.append(nil)
        return id
    }

    /// Makes `task` wait for the result of action `id`.
    func open(_ id: Int32, task: DurableTask, kind: OpenKind) {
        openTasks[Int(id)] = OpenTask(task: task, kind: kind)
    }

    /// The pending action `id`, if history has not confirmed it yet.
    func pendingAction(_ id: Int32) -> OrchestratorAction.Kind? {
        pendingActions.indices.contains(Int(id)) ? pendingActions[Int(id)] : nil
    }

    /// Removes a pending action that history confirmed.
    func confirm(_ id: Int32) {
        if pendingActions.indices.contains(Int(id)) { pendingActions[Int(id)] = nil }
    }

    /// The task waiting for action `id`, if any.
    func openTask(_ id: Int32) -> OpenTask? {
        openTasks.indices.contains(Int(id)) ? openTasks[Int(id)] : nil
    }

    /// Stops waiting for action `id`.
    func close(_ id: Int32) {
        if openTasks.indices.contains(Int(id)) { openTasks[Int(id)] = nil }
    }

    /// Decides how the orchestration ends (first decision wins) and takes its sequence number.
    func finish(_ completion: Completion) {
        guard self.completion == nil else { return }
        self.completion = completion
        completionId = sequence
        sequence += 1
        switch completion {
        case .terminated, .aborted: interrupted = .stopped
        case .completed, .continuedAsNew, .failed: break
        }
    }

    /// Ends the episode with `details`, replacing any completion already decided.
    func abort(_ details: TaskFailureDetails) {
        if completion == nil {
            completionId = sequence
            sequence += 1
        }
        completion = .aborted(details)
        interrupted = .stopped
    }

    /// The orchestrator function returned `output`.
    func functionReturned(_ output: JSONValue) {
        guard acceptsActions else { return }
        if let next = continueAsNew {
            finish(.continuedAsNew(input: next.input, preserveEvents: next.preserveEvents))
        } else {
            finish(.completed(output: output))
        }
    }

    /// The orchestrator function threw `error`; an interruption (even a swallowed one) wins.
    func functionThrew(_ error: any Error) {
        guard acceptsActions else { return }
        finish(.failed(FailureDetailsBuilder.details(for: error)))
    }

    /// The answer for this episode.
    func response() -> OrchestratorResponse {
        var actions: [OrchestratorAction] = []
        switch completion {
        case nil:
            if !suspended { actions = sortedPendingActions() }
        case .terminated, .aborted:
            break
        case .completed, .continuedAsNew, .failed:
            actions = sortedPendingActions()
        }
        if let completion {
            let action = Self.action(completion, buffered: bufferedEvents)
            actions.append(OrchestratorAction(id: completionId, kind: .completeOrchestration(action)))
        }
        return OrchestratorResponse(instanceId: instanceId, actions: actions, customStatus: customStatus)
    }

    private func sortedPendingActions() -> [OrchestratorAction] {
        pendingActions.enumerated().compactMap { id, kind in kind.map { OrchestratorAction(id: Int32(id), kind: $0) } }
    }

    private static func action(_ completion: Completion, buffered: [HistoryEvent]) -> CompleteOrchestrationAction {
        switch completion {
        case .completed(let output):
            return CompleteOrchestrationAction(orchestrationStatus: .completed, result: output.nullableJSONText)
        case .continuedAsNew(let input, let preserveEvents):
            return CompleteOrchestrationAction(
                orchestrationStatus: .continuedAsNew,
                result: input.jsonText,
                carryoverEvents: preserveEvents ? buffered : []
            )
        case .failed(let details), .aborted(let details):
            return CompleteOrchestrationAction(
                orchestrationStatus: .failed,
                result: JSONValue.string(details.errorMessage).jsonText,
                failureDetails: details
            )
        case .terminated(let reason):
            return CompleteOrchestrationAction(orchestrationStatus: .terminated, result: reason)
        }
    }

    /// Breaks the task ↔ state reference cycles once the episode is answered.
    func teardown() {
        for open in openTasks { open?.task.detach() }
        for task in eventWaiters.values.joined() { task.detach() }
        openTasks = []
        eventWaiters = [:]
        pendingActions = []
    }
}

/// Whether the engine is replaying, readable from log sinks on any thread.
final class ReplayFlag: Sendable {
    private let value = Atomic<Bool>(true)

    func set(_ replaying: Bool) {
        value.store(replaying, ordering: .relaxed)
    }

    var isReplaying: Bool { value.load(ordering: .relaxed) }
}

extension JSONValue {
    /// The JSON text, or nil for `null` (an unset protobuf wrapper means null).
    var nullableJSONText: String? {
        switch self {
        case .null: return nil
        case .integer(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .string(let text) where text.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }):
            return "\"" + text + "\""
        default: return jsonText
        }
    }

    /// Parses JSON text from history; absent means null, and text that is not JSON is kept as a string.
    init(historyText text: String?) {
        guard let text else {
            self = .null
            return
        }
        self = (try? JSONParser.parse(text)) ?? .string(text)
    }
}
