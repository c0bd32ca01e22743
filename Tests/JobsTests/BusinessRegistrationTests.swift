import Cron
import Foundation
import LinkTomeCore
import TableStorage
import Testing
import Timers

@testable import Jobs

/// A durable client that accepts starts; its presence makes the commands orchestrate.
private struct AcceptingDurable: TimerDurableClient {
    func startOrchestration(_ orchestrator: String, instanceId: String, input: JSONValue) async throws {}
    func instanceStatus(_ instanceId: String) async throws -> TimerInstanceStatus? { nil }
}

@Suite("Business commands in the timer registry")
struct BusinessRegistrationTests {
    private func registry() -> TimerRegistry {
        var registry = TimerRegistry()
        BusinessJobs.register(into: &registry, environment: .init(workingDirectory: NSTemporaryDirectory()))
        return registry
    }

    private func commandContext(
        _ store: any TableStore,
        _ command: String,
        durable: (any TimerDurableClient)?
    ) throws
        -> TimerCommandContext
    {
        let schedule = try CronSchedule(parsing: "0 0 3 * * *")
        return TimerCommandContext(
            store: store,
            durable: durable,
            logger: .silent,
            clock: ManualTimeSource(businessNow.date),
            settings: Settings([:]),
            timer: TimerDefinition(id: "t", command: command, cron: "0 0 3 * * *", schedule: schedule),
            occurrence: businessNow.date,
            trigger: .schedule,
            attempt: 1,
            instanceId: "t:1"
        )
    }

    /// Plays the orchestrator: the queue function, every item, then the post-execution step.
    private func orchestrate(
        _ input: OrchestratorInput,
        _ registry: TimerRegistry,
        _ store: any TableStore
    ) async throws
        -> JSONValue
    {
        let context = ActivityContext(
            store: store,
            logger: .silent,
            clock: ManualTimeSource(businessNow.date),
            settings: Settings([:]),
            instanceId: "t:1"
        )
        let queue = try #require(input.queueFunction)
        let listed = try await #require(registry.activity(named: queue.functionName ?? "")).run(queue, context: context)
        var results: [JSONValue] = []
        for entry in listed.arrayValue ?? [] {
            let item = try ActivityItem(json: entry)
            results.append(
                try await #require(registry.activity(named: item.functionName ?? "")).run(item, context: context)
            )
        }
        var post = try #require(input.postExecution)
        post.extra["Results"] = .array(results)
        return try await #require(registry.activity(named: post.functionName ?? "")).run(post, context: context)
    }

    @Test(
        "an orchestrated run changes the same rows and reports the same counts as an inline run",
        arguments: [SubscriptionCleanup.command, AnalyticsAggregation.command, ScheduledTaskOrchestrator.command]
    )
    func orchestratedEqualsInline(command: String) async throws {
        let registry = registry()
        let inlineStore = try await seededBusinessStore()
        let orchestratedStore = try await seededBusinessStore()

        let inline = try await #require(registry.command(named: command)).run(
            [:],
            context: commandContext(inlineStore, command, durable: nil)
        )
        guard case .completed(let inlineResult) = inline else {
            Issue.record("without a durable client the command should run inline")
            return
        }
        let outcome = try await #require(registry.command(named: command)).run(
            [:],
            context: commandContext(orchestratedStore, command, durable: AcceptingDurable())
        )
        guard case .orchestration(let input) = outcome else {
            Issue.record("with a durable client the command should orchestrate")
            return
        }
        let orchestratedResult = try await orchestrate(input, registry, orchestratedStore)
        #expect(orchestratedResult == inlineResult)
        #expect(try await StoreSnapshot.take(orchestratedStore) == StoreSnapshot.take(inlineStore))
    }

    @Test("every business command is registered, and billing without a key completes as skipped")
    func registered() async throws {
        let registry = registry()
        for command in BusinessJobs.commands { #expect(registry.command(named: command) != nil) }
        let store = try await seededBusinessStore()
        let outcome = try await #require(registry.command(named: BillingOrchestrator.command)).run(
            [:],
            context: commandContext(store, BillingOrchestrator.command, durable: AcceptingDurable())
        )
        guard case .completed(let result) = outcome else {
            Issue.record("billing without a key should complete inline")
            return
        }
        #expect(result["Status"] == "Skipped")
    }
}
