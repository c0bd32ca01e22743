import LinkTomeCore

@testable import Durable

/// History events as the Durable extension records them (ids per the protocol notes §3.3).
enum Events {
    static let start = Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10)

    static func orchestratorStarted(_ time: Timestamp) -> HistoryEvent {
        HistoryEvent(eventId: -1, timestamp: time, kind: .orchestratorStarted)
    }

    static func orchestratorCompleted(_ time: Timestamp) -> HistoryEvent {
        HistoryEvent(eventId: -1, timestamp: time, kind: .orchestratorCompleted)
    }

    static func executionStarted(_ name: String, input: String? = nil, instanceId: String = "inst-1") -> HistoryEvent {
        let started = ExecutionStartedEvent(
            name: name,
            version: "",
            input: input,
            orchestrationInstance: OrchestrationInstance(instanceId: instanceId, executionId: "exec-1")
        )
        return HistoryEvent(eventId: -1, timestamp: start, kind: .executionStarted(started))
    }

    static func taskScheduled(_ id: Int32, _ name: String, input: String? = nil) -> HistoryEvent {
        HistoryEvent(eventId: id, timestamp: start, kind: .taskScheduled(TaskScheduledEvent(name: name, input: input)))
    }

    static func taskCompleted(_ id: Int32, _ result: String?) -> HistoryEvent {
        HistoryEvent(eventId: -1, kind: .taskCompleted(TaskCompletedEvent(taskScheduledId: id, result: result)))
    }

    static func taskFailed(_ id: Int32, _ details: TaskFailureDetails = hostFailure("SayHello")) -> HistoryEvent {
        HistoryEvent(eventId: -1, kind: .taskFailed(TaskFailedEvent(taskScheduledId: id, failureDetails: details)))
    }

    static func timerCreated(_ id: Int32, _ fireAt: Timestamp) -> HistoryEvent {
        HistoryEvent(eventId: id, timestamp: start, kind: .timerCreated(TimerCreatedEvent(fireAt: fireAt)))
    }

    static func timerFired(_ id: Int32, _ fireAt: Timestamp?) -> HistoryEvent {
        HistoryEvent(eventId: -1, kind: .timerFired(TimerFiredEvent(fireAt: fireAt, timerId: id)))
    }

    static func eventRaised(_ name: String, _ input: String?) -> HistoryEvent {
        HistoryEvent(eventId: -1, kind: .eventRaised(EventRaisedEvent(name: name, input: input)))
    }

    static func terminated(_ reason: String?) -> HistoryEvent {
        HistoryEvent(eventId: -1, kind: .executionTerminated(ExecutionTerminatedEvent(input: reason)))
    }

    /// The failure the extension records when a custom-handler activity answers HTTP 500.
    static func hostFailure(_ activity: String) -> TaskFailureDetails {
        TaskFailureDetails(
            errorType: "Microsoft.Azure.WebJobs.Host.FunctionInvocationException",
            errorMessage: "Exception while executing function: Functions.\(activity)",
            innerFailure: TaskFailureDetails(
                errorType: "System.Net.Http.HttpRequestException",
                errorMessage: "Response status code does not indicate success: 500 (Internal Server Error)."
            )
        )
    }

    /// The history events the extension writes when it applies `actions` (§3.4).
    static func confirmations(of actions: [OrchestratorAction], at time: Timestamp) -> [HistoryEvent] {
        actions.compactMap { action in
            switch action.kind {
            case .scheduleTask(let body):
                let event = TaskScheduledEvent(name: body.name, input: body.input)
                return HistoryEvent(eventId: action.id, timestamp: time, kind: .taskScheduled(event))
            case .createTimer(let body):
                return HistoryEvent(
                    eventId: action.id,
                    timestamp: time,
                    kind: .timerCreated(TimerCreatedEvent(fireAt: body.fireAt))
                )
            case .createSubOrchestration(let body):
                let event = SubOrchestrationInstanceCreatedEvent(
                    instanceId: body.instanceId,
                    name: body.name,
                    input: body.input
                )
                return HistoryEvent(eventId: action.id, timestamp: time, kind: .subOrchestrationInstanceCreated(event))
            case .sendEvent(let body):
                let event = EventSentEvent(
                    instanceId: body.instance?.instanceId ?? "",
                    name: body.name,
                    input: body.data
                )
                return HistoryEvent(eventId: action.id, timestamp: time, kind: .eventSent(event))
            case .completeOrchestration(let body):
                let event = ExecutionCompletedEvent(orchestrationStatus: body.orchestrationStatus, result: body.result)
                return HistoryEvent(eventId: -1, timestamp: time, kind: .executionCompleted(event))
            default:
                return nil
            }
        }
    }
}

/// Plays the Durable extension: keeps an instance's history, runs episodes through the real
/// engine (over base64 protobuf, as the host does) and records the events the actions produce.
struct TaskHubSimulation {
    var registry: OrchestratorRegistry
    var instanceId = "inst-1"
    var past: [HistoryEvent] = []
    var logger = Logger.silent
    private(set) var episodes = 0

    init(registry: OrchestratorRegistry) {
        self.registry = registry
    }

    /// Starts the orchestration: the first episode.
    mutating func start(
        _ name: String,
        input: String? = nil,
        at time: Timestamp = Events.start
    ) async throws
        -> OrchestratorResponse
    {
        try await episode([Events.executionStarted(name, input: input, instanceId: instanceId)], at: time)
    }

    /// Runs one episode whose new events are `events` (after the OrchestratorStarted at `time`).
    mutating func episode(_ events: [HistoryEvent], at time: Timestamp) async throws -> OrchestratorResponse {
        let new = [Events.orchestratorStarted(time)] + events
        let request = OrchestratorRequest(instanceId: instanceId, pastEvents: past, newEvents: new)

        let answer = await OrchestrationEngine.run(
            requestBase64: request.protobufBytes.base64,
            registry: registry,
            logger: logger
        )
        let response = try OrchestratorResponse(protobuf: [UInt8](base64: answer) ?? [])

        past += new + Events.confirmations(of: response.actions, at: time) + [Events.orchestratorCompleted(time)]
        episodes += 1
        return response
    }
}

extension Timestamp {
    func plus(_ seconds: Double) -> Timestamp { adding(seconds: seconds) }
}

extension OrchestratorResponse {
    /// The non-completion actions, as (id, kind) pairs.
    var scheduled: [OrchestratorAction] {
        actions.filter {
            if case .completeOrchestration = $0.kind { return false }
            return true
        }
    }

    var completionAction: OrchestratorAction? {
        actions.first {
            if case .completeOrchestration = $0.kind { return true }
            return false
        }
    }
}

extension OrchestratorAction {
    static func activity(_ id: Int32, _ name: String, input: String?) -> OrchestratorAction {
        OrchestratorAction(id: id, kind: .scheduleTask(ScheduleTaskAction(name: name, input: input)))
    }

    static func timer(_ id: Int32, _ fireAt: Timestamp) -> OrchestratorAction {
        OrchestratorAction(id: id, kind: .createTimer(CreateTimerAction(fireAt: fireAt)))
    }
}

/// Orchestrators shared by several tests.
enum SampleOrchestrators {
    static let cities: [JSONValue] = ["Tokyo", "London", "Seattle"]

    static var registry: OrchestratorRegistry {
        var registry = OrchestratorRegistry()
        registry.register("HelloCities") { context in
            var greetings: [JSONValue] = []
            for city in cities {
                greetings.append(try await context.callActivity("SayHello", input: city).value)
            }
            return .array(greetings)
        }
        registry.register("FanOutFanIn") { context in
            let tasks = (context.input.arrayValue ?? []).map { context.callActivity("SayHello", input: $0) }
            return .array(try await context.whenAll(tasks))
        }
        registry.register("WaitThenGreet") { context in
            _ = try await context.createTimer(after: 30).value
            return try await context.callActivity("SayHello", input: context.input).value
        }
        registry.register("WaitForApproval") { context in
            let approved = try await context.waitForExternalEvent("Approval").value
            var output = context.input.objectValue ?? [:]
            output["approved"] = approved
            return .object(output)
        }
        return registry
    }
}
