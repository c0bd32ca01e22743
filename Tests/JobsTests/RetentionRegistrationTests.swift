import Cron
import Foundation
import LinkTomeCore
import TableStorage
import Testing
import Timers

@testable import Jobs

@Suite("Retention job registration")
struct RetentionRegistrationTests {
    private func context(
        store: any TableStore,
        command: String,
        settings: [String: String] = [:],
        durable: (any TimerDurableClient)? = nil
    ) throws -> TimerCommandContext {
        let timer = TimerDefinition(
            id: "e5f6a7b8-c9d0-1234-ef12-345678901234",
            command: command,
            cron: "0 0 1 * * *",
            schedule: try CronSchedule(parsing: "0 0 1 * * *")
        )
        return TimerCommandContext(
            store: store,
            durable: durable,
            logger: .silent,
            clock: ManualTimeSource(retentionNow.date),
            settings: Settings(settings),
            timer: timer,
            occurrence: retentionNow.date,
            trigger: .schedule,
            attempt: 1,
            instanceId: "test"
        )
    }

    @Test("all seven commands are registered under their catalogue names")
    func registered() {
        var registry = TimerRegistry()
        RetentionJobs.register(into: &registry)
        for name in RetentionJobs.commandNames {
            #expect(registry.command(named: name)?.name == name)
        }
        #expect(RetentionJobs.commandNames.count == 7)
    }

    @Test("a registered command runs with the context's settings and parameters and returns its summary")
    func runsThroughRegistry() async throws {
        var registry = TimerRegistry()
        RetentionJobs.register(into: &registry)
        let store = try makeRetentionStore()
        let old = retentionAt(-40 * 86_400)
        try await seed(
            store,
            "SecurityEvents",
            [
                TableEntity(
                    partitionKey: "LoginSuccess",
                    rowKey: RetentionTime.tickKey(old) + "-00000001",
                    properties: ["EventTimestamp": .dateTime(old)]
                )
            ]
        )
        let command = try #require(registry.command(named: SecurityEventCleanup.command))
        let settings = ["LINKTOME_SECURITY_EVENT_RETENTION_DAYS": "60"]

        let kept = try await command.run(
            [:],
            context: try context(store: store, command: command.name, settings: settings)
        )
        let deleted = try await command.run(
            ["RetentionDays": 30],
            context: try context(store: store, command: command.name, settings: settings)
        )

        guard case .completed(let keptJSON) = kept, case .completed(let deletedJSON) = deleted else {
            Issue.record("expected completed outcomes")
            return
        }
        #expect(keptJSON["DeletedCount"] == 0)
        #expect(keptJSON["RetentionDays"] == 60)
        #expect(deletedJSON["DeletedCount"] == 1)
        #expect(deletedJSON["RetentionDays"] == 30)
    }

    @Test("a bad setting fails the run with a message naming it; durable cleanup without a client says why")
    func failures() async throws {
        var registry = TimerRegistry()
        RetentionJobs.register(into: &registry)
        let store = try makeRetentionStore()
        let rateLimit = try #require(registry.command(named: RateLimitCleanup.command))
        let durable = try #require(registry.command(named: DurableCleanup.command))

        await #expect(throws: RetentionError.self) {
            try await rateLimit.run(
                [:],
                context: try context(
                    store: store,
                    command: rateLimit.name,
                    settings: ["LINKTOME_RATE_LIMIT_WINDOWS": "v1-daily"]
                )
            )
        }
        await #expect(
            throws: RetentionError.durableClientUnavailable(
                "no durable client with list, purge and terminate is available to this run"
            )
        ) {
            try await durable.run([:], context: try context(store: store, command: durable.name))
        }
    }

    @Test("a summary survives a Codable round trip and renders the original's keys")
    func summaryCodable() throws {
        var summary = RetentionSummary(command: "Start-RefreshTokenCleanup", target: "RefreshTokens", examined: 3)
        summary.countDeleted("expired", 2)
        summary.countKept("valid")
        summary.payload = ["TotalTokens": 3]
        let decoded = try JSONDecoder().decode(RetentionSummary.self, from: try JSONEncoder().encode(summary))
        #expect(decoded == summary)
        #expect(decoded.json["DeletedCount"] == 2)
        #expect(decoded.json["TotalTokens"] == 3)
        #expect(decoded.json["DeletedBy"] == ["expired": 2])
    }

    @Test("durable cleanup runs through the registry with the client it is given")
    func durableThroughRegistry() async throws {
        let hub = RetentionTaskHub([hubInstance("old", "Completed", createdAgo: 30 * 86_400)])
        var registry = TimerRegistry()
        RetentionJobs.register(into: &registry) { _ in hub }
        let store = try makeRetentionStore()
        let command = try #require(registry.command(named: DurableCleanup.command))

        let outcome = try await command.run(
            ["RetentionDays": 7, "MaxDuration": 86_400],
            context: try context(store: store, command: command.name)
        )

        guard case .completed(let json) = outcome else {
            Issue.record("expected a completed outcome")
            return
        }
        #expect(json["PurgedCount"] == 1)
        #expect(hub.all.isEmpty)
    }
}
