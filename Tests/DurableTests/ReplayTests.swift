import LinkTomeCore
import Testing

@testable import Durable

@Suite("Replay: the scenarios of the protocol notes")
struct ReplayTests {
    @Test("a fresh start schedules the first activity with sequence number 0")
    func freshStart() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)

        let response = try await hub.start("HelloCities")

        #expect(response.instanceId == "inst-1")
        #expect(response.actions == [.activity(0, "SayHello", input: "\"Tokyo\"")])
        #expect(response.customStatus == nil)
    }

    @Test("replay after completions sends only new actions, then completes with the outputs")
    func replayAfterCompletions() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)
        _ = try await hub.start("HelloCities")

        let second = try await hub.episode([Events.taskCompleted(0, "\"Hello, Tokyo!\"")], at: Events.start.plus(1))
        let third = try await hub.episode([Events.taskCompleted(1, "\"Hello, London!\"")], at: Events.start.plus(2))
        let last = try await hub.episode([Events.taskCompleted(2, "\"Hello, Seattle!\"")], at: Events.start.plus(3))

        #expect(second.actions == [.activity(1, "SayHello", input: "\"London\"")])
        #expect(third.actions == [.activity(2, "SayHello", input: "\"Seattle\"")])
        let completion = CompleteOrchestrationAction(
            orchestrationStatus: .completed,
            result: "[\"Hello, Tokyo!\",\"Hello, London!\",\"Hello, Seattle!\"]"
        )
        #expect(last.actions == [OrchestratorAction(id: 3, kind: .completeOrchestration(completion))])
    }

    @Test("a fan-out of 3 completing out of order in one batch with one failure fails the orchestration")
    func fanOutWithOneFailure() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)
        let first = try await hub.start("FanOutFanIn", input: "[\"Tokyo\",\"London\",\"Seattle\"]")
        _ = try await hub.episode([Events.taskCompleted(0, "\"Hello, Tokyo!\"")], at: Events.start.plus(1))

        let last = try await hub.episode(
            [Events.taskCompleted(2, "\"Hello, Seattle!\""), Events.taskFailed(1)],
            at: Events.start.plus(2)
        )

        #expect(first.actions.map(\.id) == [0, 1, 2])
        let action = try #require(last.completionAction)
        #expect(action.id == 3)
        let completion = try #require(last.completion)
        #expect(completion.orchestrationStatus == .failed)
        #expect(completion.failureDetails?.errorType == "TaskFailedError")
        #expect(
            completion.failureDetails?.errorMessage
                == "Task 'SayHello' (#1) failed: Exception while executing function: Functions.SayHello"
        )
        #expect(completion.failureDetails?.innerFailure == Events.hostFailure("SayHello"))
        #expect(
            completion.result
                == "\"Task 'SayHello' (#1) failed: Exception while executing function: Functions.SayHello\""
        )
    }

    @Test("a retry policy of 3 attempts, 60 s, coefficient 2 retries at +60 s and +120 s of history time")
    func retryPolicy() async throws {
        var registry = OrchestratorRegistry()
        let policy = RetryPolicy(maxAttempts: 3, firstInterval: 60, backoffCoefficient: 2)
        registry.register("Flaky") { context in
            try await context.callActivity("Fetch", input: "x", retry: policy).value
        }
        var hub = TaskHubSimulation(registry: registry)
        let envelope = ActivityOutcome.failed(ActivityFailure(errorType: "HTTP503", message: "upstream busy"))
            .returnValue
        let t1 = Events.start.plus(5)
        let t3 = Events.start.plus(70)

        let start = try await hub.start("Flaky")
        let afterFirstFailure = try await hub.episode([Events.taskFailed(0)], at: t1)
        let afterFirstTimer = try await hub.episode([Events.timerFired(1, t1.plus(60))], at: t1.plus(60.5))
        let afterSecondFailure = try await hub.episode([Events.taskCompleted(2, envelope.jsonText)], at: t3)
        let afterSecondTimer = try await hub.episode([Events.timerFired(3, t3.plus(120))], at: t3.plus(121))
        let done = try await hub.episode([Events.taskCompleted(4, "{\"ok\":true}")], at: t3.plus(125))

        #expect(start.actions == [.activity(0, "Fetch", input: "\"x\"")])
        #expect(afterFirstFailure.actions == [.timer(1, t1.plus(60))])
        #expect(afterFirstTimer.actions == [.activity(2, "Fetch", input: "\"x\"")])
        #expect(afterSecondFailure.actions == [.timer(3, t3.plus(120))])
        #expect(afterSecondTimer.actions == [.activity(4, "Fetch", input: "\"x\"")])
        #expect(
            done.completion == CompleteOrchestrationAction(orchestrationStatus: .completed, result: "{\"ok\":true}")
        )
        #expect(done.completionAction?.id == 5)
    }

    @Test("a retry policy gives up after its last attempt and reports the activity's own message")
    func retryExhausted() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Flaky") { context in
            try await context.callActivity("Fetch", retry: RetryPolicy(maxAttempts: 2, firstInterval: 10)).value
        }
        var hub = TaskHubSimulation(registry: registry)
        let envelope = ActivityOutcome.failed(ActivityFailure(errorType: "HTTP503", message: "upstream busy"))
            .returnValue

        _ = try await hub.start("Flaky")
        _ = try await hub.episode([Events.taskCompleted(0, envelope.jsonText)], at: Events.start.plus(1))
        _ = try await hub.episode([Events.timerFired(1, Events.start.plus(11))], at: Events.start.plus(11))
        let last = try await hub.episode([Events.taskCompleted(2, envelope.jsonText)], at: Events.start.plus(12))

        let details = try #require(last.completion?.failureDetails)
        #expect(details.errorMessage == "Task 'Fetch' (#2) failed: upstream busy")
        #expect(details.innerFailure?.errorType == "HTTP503")
        #expect(last.completionAction?.id == 3)
    }

    @Test("a timer fires at current time + 30 s and the orchestrator continues")
    func timer() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)

        let first = try await hub.start("WaitThenGreet", input: "\"Tokyo\"", at: Events.start)
        let second = try await hub.episode([Events.timerFired(0, Events.start.plus(30))], at: Events.start.plus(31))

        #expect(first.actions == [.timer(0, Events.start.plus(30))])
        #expect(second.actions == [.activity(1, "SayHello", input: "\"Tokyo\"")])
    }

    @Test("an external event completes a waiting orchestration")
    func externalEvent() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)

        let first = try await hub.start("WaitForApproval", input: "{\"orderId\":42}")
        let second = try await hub.episode([Events.eventRaised("approval", "true")], at: Events.start.plus(50))

        #expect(first.actions == [])
        #expect(second.completionAction?.id == 0)
        #expect(second.completion?.result == "{\"approved\":true,\"orderId\":42}")
    }

    @Test("terminate while waiting answers TERMINATED with the reason and drops pending actions")
    func terminateWhileWaiting() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Waiter") { context in
            let timer = context.createTimer(after: 30)
            _ = context.callActivity("Unconfirmed")
            _ = try await timer.value
            return "done"
        }
        var hub = TaskHubSimulation(registry: registry)
        _ = try await hub.start("Waiter")

        let response = try await hub.episode(
            [Events.terminated("\"stopped by operator\""), Events.timerFired(0, Events.start.plus(30))],
            at: Events.start.plus(10)
        )

        let terminated = CompleteOrchestrationAction(
            orchestrationStatus: .terminated,
            result: "\"stopped by operator\""
        )
        #expect(response.actions == [OrchestratorAction(id: 2, kind: .completeOrchestration(terminated))])
    }

    @Test("a recorded activity name that differs from the code is reported as non-determinism")
    func nonDeterminism() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Changed") { context in
            _ = try await context.callActivity("SayGoodbye", input: "Tokyo").value
            return .null
        }
        let request = OrchestratorRequest(
            instanceId: "inst-1",
            pastEvents: [
                Events.orchestratorStarted(Events.start), Events.executionStarted("Changed"),
                Events.taskScheduled(0, "SayHello", input: "\"Tokyo\""), Events.orchestratorCompleted(Events.start),
            ],
            newEvents: [Events.orchestratorStarted(Events.start.plus(1)), Events.taskCompleted(0, "\"Hello\"")]
        )

        let response = await OrchestrationEngine.execute(request, registry: registry)

        let completion = try #require(response.completion)
        #expect(response.actions.count == 1)
        #expect(completion.orchestrationStatus == .failed)
        #expect(completion.failureDetails?.errorType == "NonDeterministicOrchestrationError")
        #expect(
            completion.failureDetails?.errorMessage
                == "orchestration 'Changed' is not deterministic: history recorded activity 'SayHello' with sequence "
                + "number 0, but this replay of the code scheduled activity 'SayGoodbye' with sequence number 0. "
                + "Orchestrator code must schedule the same actions in the same order on every replay."
        )
    }

    @Test("a 4-day timer is split into a 3-day and a 1-day timer")
    func longTimerSplit() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Patient") { context in
            _ = try await context.createTimer(after: 4 * 86_400).value
            return "woke up"
        }
        var hub = TaskHubSimulation(registry: registry)
        let threeDays = Events.start.plus(3 * 86_400)
        let fourDays = Events.start.plus(4 * 86_400)

        let first = try await hub.start("Patient")
        let second = try await hub.episode([Events.timerFired(0, threeDays)], at: threeDays.plus(0.4))
        let last = try await hub.episode([Events.timerFired(1, fourDays)], at: fourDays.plus(0.2))

        #expect(first.actions == [.timer(0, threeDays)])
        #expect(second.actions == [.timer(1, fourDays)])
        #expect(last.completion?.result == "\"woke up\"")
        #expect(last.completionAction?.id == 2)
    }
}
