import Durable
import Foundation
import FunctionsHandler
import LinkTomeCore
import Synchronization

@testable import Timers

/// Plays the Durable extension for timer tests: `startOrchestration` runs the orchestration to
/// its end through the real replay engine, over base64 protobuf histories built with the Durable
/// codec, executing each scheduled activity through ``TimerFunctions/activity(_:)`` with the
/// host's input quoting and firing each durable timer at its due time.
final class TaskHubSimulator: TimerDurableClient {
    let functions: TimerFunctions
    private let state = Mutex<
        (instances: [String: TimerInstanceStatus], episodes: Int, activities: Int, delays: [Double])
    >(
        ([:], 0, 0, [])
    )

    init(functions: TimerFunctions) {
        self.functions = functions
    }

    var episodes: Int { state.withLock { $0.episodes } }
    var activityCalls: Int { state.withLock { $0.activities } }
    /// For each durable timer, seconds from its creation to its due time.
    var timerDelays: [Double] { state.withLock { $0.delays } }

    func startOrchestration(_ orchestrator: String, instanceId: String, input: JSONValue) async throws {
        let status = try await run(orchestrator, instanceId: instanceId, input: input)
        state.withLock { $0.instances[instanceId] = status }
    }

    func instanceStatus(_ instanceId: String) async throws -> TimerInstanceStatus? {
        state.withLock { $0.instances[instanceId] }
    }

    /// Runs episodes until the orchestration completes; returns its final status.
    func run(_ name: String, instanceId: String, input: JSONValue) async throws -> TimerInstanceStatus {
        let started = Timestamp.utc(year: 2026, month: 1, day: 20)
        var time = started
        var past: [HistoryEvent] = []
        let execution = ExecutionStartedEvent(
            name: name,
            version: "",
            input: input.jsonText,
            orchestrationInstance: OrchestrationInstance(instanceId: instanceId, executionId: "exec-1")
        )
        var new = [HistoryEvent(timestamp: time, kind: .orchestratorStarted)]
        new.append(HistoryEvent(timestamp: time, kind: .executionStarted(execution)))
        var customStatus: String?

        for _ in 0..<200 {
            let request = OrchestratorRequest(instanceId: instanceId, pastEvents: past, newEvents: new)
            let invocation = Invocation(
                functionName: TimerFunctions.orchestratorFunction,
                invocationId: UUID().uuidString,
                data: ["Context": .string(JSONValue.string(request.protobufBytes.base64).jsonText)],
                logger: .silent
            )
            let answer = try await functions.orchestration(invocation).returnValue.stringValue ?? ""
            let response = try OrchestratorResponse(protobuf: [UInt8](base64: answer) ?? [])
            state.withLock { $0.episodes += 1 }
            customStatus = response.customStatus ?? customStatus
            past += new + confirmations(of: response.actions, at: time)
            past.append(HistoryEvent(timestamp: time, kind: .orchestratorCompleted))

            if let completion = response.completion {
                return TimerInstanceStatus(
                    instanceId: instanceId,
                    runtimeStatus: completion.orchestrationStatus == .completed ? .completed : .failed,
                    createdTime: started.date,
                    lastUpdatedTime: time.date,
                    output: JSONValue(jsonText: completion.result),
                    customStatus: JSONValue(jsonText: customStatus)
                )
            }
            (new, time) = try await results(of: response.actions, instanceId: instanceId, after: time)
        }
        throw TimersError.invalidInput("the orchestration did not finish within 200 episodes")
    }

    /// The events that complete the scheduled work: activity results, and fired timers (the clock
    /// moves to the latest timer).
    private func results(
        of actions: [OrchestratorAction],
        instanceId: String,
        after time: Timestamp
    ) async throws -> ([HistoryEvent], Timestamp) {
        var next = Timestamp(seconds: time.seconds + 1, nanoseconds: time.nanoseconds)
        var events: [HistoryEvent] = []
        for action in actions {
            switch action.kind {
            case .scheduleTask(let task):
                let result = await activity(task.input, instanceId: instanceId)
                events.append(
                    HistoryEvent(kind: .taskCompleted(TaskCompletedEvent(taskScheduledId: action.id, result: result)))
                )
            case .createTimer(let timer):
                if let fireAt = timer.fireAt, fireAt > next { next = fireAt }
                events.append(
                    HistoryEvent(kind: .timerFired(TimerFiredEvent(fireAt: timer.fireAt, timerId: action.id)))
                )
            default:
                continue
            }
        }
        return ([HistoryEvent(timestamp: next, kind: .orchestratorStarted)] + events, next)
    }

    /// Runs one activity as the host would call it and returns `TaskCompleted.result`.
    private func activity(_ rawInput: String?, instanceId: String) async -> String? {
        state.withLock { $0.activities += 1 }
        let invocation = Invocation(
            functionName: TimerFunctions.activityFunction,
            invocationId: UUID().uuidString,
            data: ["Item": .string(JSONValue.string(rawInput ?? "null").jsonText)],
            metadata: ["instanceId": .string(JSONValue.string(instanceId).jsonText)],
            logger: .silent
        )
        let value = await functions.activity(invocation).returnValue
        return value.isNull ? nil : value.jsonText
    }

    private func confirmations(of actions: [OrchestratorAction], at time: Timestamp) -> [HistoryEvent] {
        actions.compactMap { action in
            switch action.kind {
            case .scheduleTask(let body):
                let event = TaskScheduledEvent(name: body.name, input: body.input)
                return HistoryEvent(eventId: action.id, timestamp: time, kind: .taskScheduled(event))
            case .createTimer(let body):
                if let fireAt = body.fireAt {
                    let delay = fireAt.date.timeIntervalSince(time.date)
                    state.withLock { $0.delays.append(delay) }
                }
                return HistoryEvent(
                    eventId: action.id,
                    timestamp: time,
                    kind: .timerCreated(TimerCreatedEvent(fireAt: body.fireAt))
                )
            case .completeOrchestration(let body):
                let event = ExecutionCompletedEvent(orchestrationStatus: body.orchestrationStatus, result: body.result)
                return HistoryEvent(timestamp: time, kind: .executionCompleted(event))
            default:
                return nil
            }
        }
    }
}

extension JSONValue {
    /// Parses history JSON text; `nil` or unparsable text is `.null` or a string.
    init(jsonText: String?) {
        guard let jsonText else {
            self = .null
            return
        }
        self = (try? JSONParser.parse(jsonText)) ?? .string(jsonText)
    }
}
