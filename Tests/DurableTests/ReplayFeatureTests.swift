import LinkTomeCore
import Testing

@testable import Durable

@Suite("Replay: orchestration API features")
struct ReplayFeatureTests {
    @Test("while suspended no actions are sent; results wait and apply after resume")
    func suspendAndResume() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)
        _ = try await hub.start("HelloCities")
        let suspended = HistoryEvent(kind: .executionSuspended(ExecutionSuspendedEvent(input: "maintenance")))

        let held = try await hub.episode(
            [suspended, Events.taskCompleted(0, "\"Hello, Tokyo!\"")],
            at: Events.start.plus(1)
        )
        let resumed = try await hub.episode(
            [HistoryEvent(kind: .executionResumed(ExecutionResumedEvent()))],
            at: Events.start.plus(2)
        )

        #expect(held.actions == [])
        #expect(resumed.actions == [.activity(1, "SayHello", input: "\"London\"")])
    }

    @Test("the replay-safe logger writes each line once across episodes")
    func replaySafeLogging() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Chatty") { context in
            context.logger.info("starting")
            let value = try await context.callActivity("Work").value
            context.logger.info("finished")
            return value
        }
        let sink = CollectingSink()
        var hub = TaskHubSimulation(registry: registry)
        hub.logger = Logger(label: "test", sink: sink)

        _ = try await hub.start("Chatty")
        _ = try await hub.episode([Events.taskCompleted(0, "1")], at: Events.start.plus(1))

        #expect(sink.collected.map(\.message) == ["starting", "finished"])
        #expect(sink.collected.first?.metadata["orchestration.name"] == "Chatty")
        #expect(sink.collected.first?.metadata["orchestration.instance"] == "inst-1")
    }

    @Test("newGuid is a version-5 UUID that is the same on every replay")
    func deterministicGuid() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Ids") { context in
            let first = context.newGuid()
            _ = try await context.createTimer(after: 1).value
            return [.string(first), .string(context.newGuid())]
        }
        var hub = TaskHubSimulation(registry: registry)
        _ = try await hub.start("Ids")

        let one = try await hub.episode([Events.timerFired(0, nil)], at: Events.start.plus(2))
        hub.past.removeLast(3)
        let two = try await hub.episode([Events.timerFired(0, nil)], at: Events.start.plus(2))

        let output = JSONValue(historyText: one.completion?.result)
        let ids = try #require(output.arrayValue)
        #expect(one.completion?.result == two.completion?.result)
        #expect(ids.count == 2 && ids[0] != ids[1])
        #expect(ids.allSatisfy { $0.stringValue?.count == 36 && Array($0.stringValue ?? "")[14] == "5" })
    }

    @Test("UUID v5 and SHA-1 match their published test vectors")
    func uuidVectors() {
        let dns: [UInt8] = [
            0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8,
        ]
        let abc = SHA1.digest(Array("abc".utf8)).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }

        #expect(DeterministicGuid.uuid(name: "python.org", namespace: dns) == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        #expect(abc.joined() == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.digest(Array(repeating: UInt8(ascii: "a"), count: 1_000)).count == 20)
    }

    @Test("an unknown orchestrator name fails the orchestration with the registered names")
    func unknownOrchestrator() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)

        let response = try await hub.start("Nope")

        #expect(response.completion?.failureDetails?.errorType == "OrchestratorNotRegistered")
        #expect(response.completion?.failureDetails?.errorMessage.contains("FanOutFanIn, HelloCities") == true)
    }

    @Test("unreadable request bytes still get a valid FAILED response")
    func unreadableRequest() async throws {
        for garbage in ["not base64 at all!", "CAE=", Array(repeating: "/", count: 40).joined()] {
            let answer = await OrchestrationEngine.run(requestBase64: garbage, registry: SampleOrchestrators.registry)

            let response = try OrchestratorResponse(protobuf: FixtureBytes.base64(answer))
            #expect(response.completion?.orchestrationStatus == .failed)
            #expect(response.completion?.failureDetails?.errorType == "InvalidOrchestratorRequest")
        }
    }

    @Test("an unreadable event in the middle of history fails the orchestration and drops its actions")
    func unreadableEvent() async throws {
        let request = OrchestratorRequest(
            instanceId: "inst-1",
            newEvents: [Events.orchestratorStarted(Events.start), Events.executionStarted("HelloCities")]
        )
        // One more new event: a taskCompleted whose result string claims 5 bytes that are not there.
        let broken: [UInt8] = [0x22, 0x06] + [0x3A, 0x04, 0x12, 0x02, 0x0A, 0x05]

        let answer = await OrchestrationEngine.run(
            requestBase64: (request.protobufBytes + broken).base64,
            registry: SampleOrchestrators.registry
        )

        let response = try OrchestratorResponse(protobuf: FixtureBytes.base64(answer))
        #expect(response.actions.count == 1)
        #expect(response.completion?.failureDetails?.errorType == "InvalidOrchestratorRequest")
        #expect(response.completion?.failureDetails?.errorMessage.contains("history event 2") == true)
    }

    @Test("every truncation and byte flip of a request still gets a valid response from the engine")
    func fuzzedEngine() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)
        _ = try await hub.start("FanOutFanIn", input: "[\"Tokyo\",\"London\",\"Seattle\"]")
        let request = OrchestratorRequest(
            instanceId: hub.instanceId,
            pastEvents: hub.past,
            newEvents: [Events.orchestratorStarted(Events.start.plus(1)), Events.taskCompleted(1, "\"Hi\"")]
        )
        let bytes = request.protobufBytes
        var generator = SplitMix(seed: 99)
        var variants = stride(from: 0, to: bytes.count, by: 7).map { Array(bytes[..<$0]) }
        for _ in 0..<400 {
            var flipped = bytes
            flipped[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            variants.append(flipped)
        }

        for variant in variants {
            let answer = await OrchestrationEngine.run(
                requestBase64: variant.base64,
                registry: SampleOrchestrators.registry
            )

            #expect((try? OrchestratorResponse(protobuf: FixtureBytes.base64(answer))) != nil)
        }
    }

    @Test("a history without ExecutionStarted fails instead of hanging")
    func missingStart() async throws {
        let request = OrchestratorRequest(instanceId: "x", newEvents: [Events.orchestratorStarted(Events.start)])

        let response = await OrchestrationEngine.execute(request, registry: SampleOrchestrators.registry)

        #expect(
            response.completion?.failureDetails?.errorMessage
                == "the orchestration history has no ExecutionStarted event"
        )
    }

    @Test("an error thrown by orchestrator code fails the orchestration and still sends pending actions")
    func orchestratorError() async throws {
        struct Refused: Error, CustomStringConvertible {
            var description: String { "input was refused" }
        }
        var registry = OrchestratorRegistry()
        registry.register("Thrower") { context in
            context.sendEvent(to: "other", name: "Ping", data: 1)
            throw Refused()
        }
        var hub = TaskHubSimulation(registry: registry)

        let response = try await hub.start("Thrower")

        let ping = SendEventAction(instance: OrchestrationInstance(instanceId: "other"), name: "Ping", data: "1")
        #expect(response.actions.first == OrchestratorAction(id: 0, kind: .sendEvent(ping)))
        #expect(response.completionAction?.id == 1)
        #expect(response.completion?.failureDetails?.errorType == "Refused")
        #expect(response.completion?.failureDetails?.errorMessage == "input was refused")
    }

    @Test("code that swallows the interruption cannot schedule more work in that episode")
    func swallowedInterruption() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Stubborn") { context in
            let first = try? await context.callActivity("A").value
            _ = context.callActivity("B")
            return first ?? "gave up"
        }
        var hub = TaskHubSimulation(registry: registry)

        let response = try await hub.start("Stubborn")

        #expect(response.actions == [.activity(0, "A", input: nil)])
    }

    @Test("continue-as-new restarts with the new input and carries unprocessed events")
    func continueAsNew() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Looper") { context in
            _ = try await context.createTimer(after: 1).value
            context.continueAsNew(["round": 2], preserveUnprocessedEvents: true)
            return "ignored"
        }
        var hub = TaskHubSimulation(registry: registry)
        _ = try await hub.start("Looper")

        let response = try await hub.episode(
            [Events.eventRaised("Later", "7"), Events.timerFired(0, nil), Events.eventRaised("Last", "8")],
            at: Events.start.plus(2)
        )

        let completion = try #require(response.completion)
        #expect(completion.orchestrationStatus == .continuedAsNew)
        #expect(completion.result == "{\"round\":2}")
        #expect(completion.carryoverEvents.map(\.raisedName) == ["Later", "Last"])
    }

    @Test("sub-orchestrations get deterministic instance ids and report their failures")
    func subOrchestrations() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Parent") { context in
            let child = context.callSubOrchestrator("Child", input: 1)
            let named = context.callSubOrchestrator("Child", input: 2, instanceId: "child-two")
            return .array(try await context.whenAll([child, named]))
        }
        var hub = TaskHubSimulation(registry: registry)
        let first = try await hub.start("Parent")
        let failure = HistoryEvent(
            kind: .subOrchestrationInstanceFailed(
                SubOrchestrationInstanceFailedEvent(
                    taskScheduledId: 1,
                    failureDetails: .init(errorMessage: "bad child")
                )
            )
        )
        let completed = HistoryEvent(
            kind: .subOrchestrationInstanceCompleted(
                SubOrchestrationInstanceCompletedEvent(taskScheduledId: 0, result: "1")
            )
        )

        let again = try await hub.episode([completed], at: Events.start.plus(1))
        let last = try await hub.episode([failure], at: Events.start.plus(2))

        guard case .createSubOrchestration(let child) = first.actions.first?.kind else {
            Issue.record("expected a sub-orchestration")
            return
        }
        #expect(child.instanceId.count == 32)
        #expect(again.actions == [])
        #expect(last.completion?.failureDetails?.errorMessage == "Sub-orchestration 'Child' (#1) failed: bad child")
    }

    @Test("custom status is sent with the response once set")
    func customStatus() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Reporter") { context in
            context.setCustomStatus(["step": "fetching"])
            return try await context.callActivity("Fetch").value
        }
        var hub = TaskHubSimulation(registry: registry)

        let response = try await hub.start("Reporter")

        #expect(response.customStatus == "{\"step\":\"fetching\"}")
    }

    @Test("whenAny returns the first task to settle in history order")
    func whenAny() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Race") { context in
            let work = context.callActivity("Work")
            let deadline = context.createTimer(after: 60)
            let winner = try await context.whenAny([work, deadline])
            return winner === work ? try await work.value : "timed out"
        }
        var hub = TaskHubSimulation(registry: registry)
        _ = try await hub.start("Race")

        let response = try await hub.episode(
            [Events.timerFired(1, Events.start.plus(60)), Events.taskCompleted(0, "\"late\"")],
            at: Events.start.plus(61)
        )

        #expect(response.completion?.result == "\"timed out\"")
    }

    @Test("an external event with a timeout fails when the timer wins, and buffered events are used at once")
    func externalEventTimeout() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Patient") { context in
            _ = try await context.createTimer(after: 5).value
            let early = try await context.waitForExternalEvent("Early", timeout: 10).value
            do {
                _ = try await context.waitForExternalEvent("Approval", timeout: 30).value
                return "approved"
            } catch let timeout as ExternalEventTimedOut {
                return [early, .string(timeout.description)]
            }
        }
        var hub = TaskHubSimulation(registry: registry)
        let second = Events.start.plus(6)
        _ = try await hub.start("Patient")

        let buffered = try await hub.episode(
            [Events.eventRaised("early", "\"first\""), Events.timerFired(0, Events.start.plus(5))],
            at: second
        )
        let last = try await hub.episode([Events.timerFired(1, second.plus(30))], at: second.plus(31))

        #expect(buffered.actions == [.timer(1, second.plus(30))])
        #expect(last.completion?.result == "[\"first\",\"no external event 'Approval' arrived within 30.0 seconds\"]")
    }

    @Test("an event that arrives before its timeout wins, and the late timer is ignored")
    func externalEventBeatsTimeout() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Approver") { context in
            try await context.waitForExternalEvent("Approval", timeout: 3_600).value
        }
        var hub = TaskHubSimulation(registry: registry)

        let first = try await hub.start("Approver")
        let last = try await hub.episode(
            [Events.eventRaised("Approval", "\"yes\""), Events.timerFired(0, nil)],
            at: Events.start.plus(9)
        )

        #expect(first.actions == [.timer(0, Events.start.plus(3_600))])
        #expect(last.actions.count == 1)
        #expect(last.completion?.result == "\"yes\"")
    }

    @Test("events the engine does not interpret are ignored")
    func ignoredEvents() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)
        _ = try await hub.start("HelloCities")
        let noise = [
            HistoryEvent(kind: .genericEvent(GenericEvent(data: "x"))),
            HistoryEvent(kind: .opaque(OpaqueEvent(fieldNumber: 24, bytes: [0x0A, 0x00]))),
            HistoryEvent(kind: .none),
            HistoryEvent(eventId: -100, kind: .timerCreated(TimerCreatedEvent(fireAt: Events.start))),
        ]

        let response = try await hub.episode(noise + [Events.taskCompleted(0, "\"Hi\"")], at: Events.start.plus(1))

        #expect(response.actions == [.activity(1, "SayHello", input: "\"London\"")])
    }

    @Test("a completion for an id used by another kind of action is non-determinism")
    func mismatchedCompletion() async throws {
        var hub = TaskHubSimulation(registry: SampleOrchestrators.registry)
        _ = try await hub.start("HelloCities")

        let response = try await hub.episode([Events.timerFired(0, nil)], at: Events.start.plus(1))

        #expect(response.completion?.failureDetails?.errorType == "NonDeterministicOrchestrationError")
        #expect(
            response.completion?.failureDetails?.errorMessage.contains("a timer firing for sequence number 0") == true
        )
    }
}
