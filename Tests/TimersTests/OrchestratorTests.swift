import Durable
import Foundation
import FunctionsHandler
import LinkTomeCore
import Synchronization
import TableStorage
import Testing

@testable import Timers

@Suite("Orchestrator and activity")
struct OrchestratorTests {
    static let billing = "66666666-0000-0000-0000-000000000001"

    struct Declined: Error, CustomStringConvertible {
        var description: String { "card declined for user-9" }
    }

    /// Item handlers: `Ok` succeeds, `Flaky` fails twice then succeeds, `Broken` always fails.
    static func registry(calls: Counters) -> TimerRegistry {
        var registry = TimerRegistry()
        registry.registerActivity("Ok") { item, _ in
            calls.count("Ok")
            return ["Synced": item.parameters["UserId"] ?? .null]
        }
        registry.registerActivity("Flaky") { _, _ in
            if calls.count("Flaky") <= 2 { throw ActivityFailure(errorType: "HTTP503", message: "busy, try later") }
            return "recovered"
        }
        registry.registerActivity("Broken") { _, _ in
            calls.count("Broken")
            throw Declined()
        }
        registry.registerActivity("Report") { item, _ in
            calls.count("Report")
            calls.remember(item.json)
            return .null
        }
        registry.registerActivity("FlakyReport") { _, _ in
            if calls.count("FlakyReport") <= 1 { throw ActivityFailure(errorType: "Killed", message: "handler exited") }
            return "manifest written"
        }
        registry.registerActivity("BrokenReport") { _, _ in
            calls.count("BrokenReport")
            throw ActivityFailure(errorType: "Killed", message: "handler exited")
        }
        registry.registerActivity("MakeBatch") { _, _ in
            [["FunctionName": "Ok", "Parameters": ["UserId": "q1"]], ["FunctionName": "Ok"], ["Nothing": 1]]
        }
        return registry
    }

    static func functions(_ registry: TimerRegistry, clock: ManualTimeSource) -> TimerFunctions {
        TimerFunctions(
            store: InMemoryTableStore(),
            registry: registry,
            settings: Settings(["FUNCTIONS_WORKER_RUNTIME": "custom"]),
            clock: clock,
            cataloguePath: "/nonexistent/LinkTomeTimers.json",
            makeDurableClient: nil
        )
    }

    static let threeItems = OrchestratorInput(
        name: "Billing",
        batch: [
            ActivityItem(functionName: "Ok", parameters: ["UserId": "u1"], extra: ["TaskName": "user-1"]),
            ActivityItem(functionName: "Flaky", extra: ["TaskName": "user-2"]),
            ActivityItem(functionName: "Broken", extra: ["TaskName": "user-9"]),
        ],
        maxAttempts: 3
    )

    @Test("FanOut: one item succeeds, one fails twice then succeeds, one always fails; the timer row says so")
    func fanOutEndToEnd() async throws {
        let calls = Counters()
        var fixture = TimerFixture()
        fixture.registry = Self.registry(calls: calls)
        fixture.register("Start-Billing") { _ in .orchestration(Self.threeItems) }
        let hub = TaskHubSimulator(functions: Self.functions(fixture.registry, clock: fixture.clock))
        var environment = fixture.environment()
        environment.durable = hub
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.billing, command: "Start-Billing", cron: "0 0 0 * * *"))
        )
        let service = TimerService(environment: environment, catalogue: catalogue)

        fixture.clock.set(utc("2026-01-20T00:00:03Z"))
        _ = await service.tick()
        let status = try #require(try await hub.instanceStatus(Self.billing + ":2026-01-20T00:00:00Z"))
        fixture.clock.set(utc("2026-01-20T00:15:00Z"))
        _ = await service.tick()
        let row = try #require(try await fixture.row(Self.billing))

        let summary = try #require(OrchestrationSummary(json: status.output))
        #expect(status.runtimeStatus == .completed)
        #expect(summary.total == 3 && summary.succeeded == 2 && summary.failed == 1)
        #expect(summary.errors == [.init(item: "user-9", message: "card declined for user-9 (after 3 attempts)")])
        #expect(summary.results == [["Synced": "u1"], "recovered"])
        #expect(status.output["Status"] == "Failed")
        #expect(status.customStatus["OrchestratorName"] == "Billing" && status.customStatus["Succeeded"] == 2)
        #expect(calls["Ok"] == 1 && calls["Flaky"] == 3 && calls["Broken"] == 3)
        #expect(row.status == .failed)
        #expect(
            row.errorMessage == "2 of 3 items succeeded, 1 failed: user-9: card declined for user-9 (after 3 attempts)"
        )
        #expect(row.orchestratorId.isEmpty)
    }

    @Test("retries wait 5 s, then 10 s of orchestration time")
    func retryIntervals() async throws {
        let calls = Counters()
        let clock = ManualTimeSource(utc("2026-01-20T00:00:00Z"))
        let hub = TaskHubSimulator(functions: Self.functions(Self.registry(calls: calls), clock: clock))
        let input = OrchestratorInput(name: "One", batch: [ActivityItem(functionName: "Flaky")], maxAttempts: 3)

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "retry", input: input.json)

        #expect(status.output["Succeeded"] == 1)
        #expect(hub.timerDelays == [5, 10])
    }

    @Test("Sequence stops at the first failure; PostExecution still gets the results and the summary")
    func sequenceWithPostExecution() async throws {
        let calls = Counters()
        let hub = TaskHubSimulator(
            functions: Self.functions(Self.registry(calls: calls), clock: ManualTimeSource(.now))
        )
        var input = Self.threeItems
        input.mode = .sequence
        input.maxAttempts = 1
        input.postExecution = ActivityItem(functionName: "Report", parameters: ["Channel": "ops"])

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "seq", input: input.json)

        let summary = try #require(OrchestrationSummary(json: status.output))
        #expect(summary.succeeded == 1 && summary.failed == 1 && summary.notRun == 1)
        #expect(summary.errors.first?.message == "busy, try later")
        #expect(calls["Broken"] == 0 && calls["Report"] == 1)
        let post = try #require(calls.remembered.first)
        #expect(post["Results"] == [["Synced": "u1"]])
        #expect(post["Summary"]?["Failed"] == 1)
        #expect(post["Parameters"] == ["Channel": "ops"])
    }

    @Test("PostExecution is retried like the items: a failure followed by a success leaves the run Succeeded")
    func postExecutionRetried() async throws {
        let calls = Counters()
        let clock = ManualTimeSource(utc("2026-01-20T00:00:00Z"))
        let hub = TaskHubSimulator(functions: Self.functions(Self.registry(calls: calls), clock: clock))
        var input = OrchestratorInput(name: "Backup", batch: [ActivityItem(functionName: "Ok")], maxAttempts: 3)
        input.postExecution = ActivityItem(functionName: "FlakyReport")

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "post-retry", input: input.json)

        #expect(calls["FlakyReport"] == 2)
        #expect(hub.timerDelays == [5])
        #expect(status.output["Status"] == "Succeeded")
        #expect(status.output["OrchestrationError"] == nil)
    }

    @Test("a PostExecution that fails every attempt leaves the output Failed with the reason")
    func postExecutionFailsFinally() async throws {
        let calls = Counters()
        let clock = ManualTimeSource(utc("2026-01-20T00:00:00Z"))
        let hub = TaskHubSimulator(functions: Self.functions(Self.registry(calls: calls), clock: clock))
        var input = OrchestratorInput(name: "Backup", batch: [ActivityItem(functionName: "Ok")], maxAttempts: 3)
        input.mode = .noScaling
        input.postExecution = ActivityItem(functionName: "BrokenReport")

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "post-fail", input: input.json)

        #expect(calls["BrokenReport"] == 3)
        #expect(hub.timerDelays == [5, 10])
        #expect(status.output["Status"] == "Failed")
        let error = try #require(status.output["OrchestrationError"]?.stringValue)
        #expect(error.contains("PostExecution") && error.contains("handler exited (after 3 attempts)"))
        #expect(status.customStatus["Stage"] == "Failed")
    }

    @Test("NoScaling runs items in order without retries")
    func noScaling() async throws {
        let calls = Counters()
        let hub = TaskHubSimulator(
            functions: Self.functions(Self.registry(calls: calls), clock: ManualTimeSource(.now))
        )
        var input = Self.threeItems
        input.mode = .noScaling

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "plain", input: input.json)

        #expect(status.output["Failed"] == 1 && status.output["NotRun"] == 1)
        #expect(calls["Flaky"] == 1)
    }

    @Test("QueueFunction produces the batch when Batch is empty; MaxConcurrency windows the fan-out")
    func queueFunction() async throws {
        let calls = Counters()
        let hub = TaskHubSimulator(
            functions: Self.functions(Self.registry(calls: calls), clock: ManualTimeSource(.now))
        )
        let input = OrchestratorInput(
            name: "Queued",
            queueFunction: ActivityItem(functionName: "MakeBatch"),
            maxConcurrency: 1
        )

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "queued", input: input.json)

        #expect(
            status.output["Total"] == 2 && status.output["Succeeded"] == 2 && status.output["Status"] == "Succeeded"
        )
        #expect(calls["Ok"] == 2)
        #expect(hub.activityCalls == 3)
    }

    @Test("an unknown FunctionName fails the item at once with a clear message that reaches the output")
    func unknownActivity() async throws {
        let calls = Counters()
        let hub = TaskHubSimulator(
            functions: Self.functions(Self.registry(calls: calls), clock: ManualTimeSource(.now))
        )
        let input = OrchestratorInput(
            name: "Typo",
            batch: [ActivityItem(functionName: "Pushh-Thing"), ActivityItem(functionName: "Ok")],
            maxAttempts: 3
        )

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "typo", input: input.json)

        let summary = try #require(OrchestrationSummary(json: status.output))
        let expected = "unknown activity function 'Pushh-Thing': no item handler is registered under that name"
        #expect(summary.errors == [.init(item: "Pushh-Thing", message: expected)])
        #expect(hub.activityCalls == 2)
    }

    @Test("a Command item runs the registered timer command; an item with neither name fails")
    func commandItems() async throws {
        let calls = Counters()
        var registry = Self.registry(calls: calls)
        registry.register("Start-Count", parameters: [String: Int].self) { parameters, context in
            calls.count("Start-Count")
            return .completed([
                "Doubled": .integer(Int64((parameters["n"] ?? 0) * 2)), "Trigger": .string(context.trigger.label),
            ])
        }
        let functions = Self.functions(registry, clock: ManualTimeSource(.now))
        let runner = LinkTomeActivity(
            environment: functions.environment(logger: .silent, durable: nil),
            catalogue: TimerCatalogue(timers: [])
        )

        let result = try await runner.run(["Command": "Start-Count", "Parameters": ["n": 21]], instanceId: "i")
        let neither = await #expect(throws: ActivityFailure.self) {
            try await runner.run(["TaskName": "x"], instanceId: "i")
        }
        let invalid = await #expect(throws: ActivityFailure.self) { try await runner.run("text", instanceId: "i") }

        #expect(result == ["Doubled": 42, "Trigger": "Orchestration"])
        #expect(neither?.message.hasPrefix("the activity item has neither a FunctionName nor a Command") == true)
        #expect(neither?.isNonRetriable == true)
        #expect(invalid?.errorType == "InvalidActivityItem")
    }

    @Test("an unusable orchestrator input fails the orchestration with the reason")
    func invalidInput() async throws {
        let hub = TaskHubSimulator(functions: Self.functions(TimerRegistry(), clock: ManualTimeSource(.now)))

        let status = try await hub.run(LinkTomeOrchestrator.name, instanceId: "bad", input: [1, 2, 3])

        #expect(status.runtimeStatus == .failed)
        #expect(status.output.stringValue?.contains("orchestrator input must be a JSON object") == true)
    }
}

/// Per-name call counters and remembered values, shared with item handlers.
final class Counters: Sendable {
    private let state = Mutex<(counts: [String: Int], remembered: [JSONValue])>(([:], []))

    @discardableResult
    func count(_ name: String) -> Int {
        state.withLock {
            $0.counts[name, default: 0] += 1
            return $0.counts[name] ?? 0
        }
    }

    func remember(_ value: JSONValue) { state.withLock { $0.remembered.append(value) } }

    subscript(name: String) -> Int { state.withLock { $0.counts[name] ?? 0 } }

    var remembered: [JSONValue] { state.withLock { $0.remembered } }
}
