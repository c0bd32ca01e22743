import Foundation
import LinkTomeCore
import Testing

@testable import Timers

@Suite("Timer command registry")
struct RegistryTests {
    struct Cleanup: TimerCommand {
        struct Parameters: Decodable, Sendable {
            var retentionDays: Int
        }

        static let name = "Start-TypedCleanup"

        func run(_ parameters: Parameters, context: TimerCommandContext) async throws -> TimerCommandOutcome {
            .completed(["RetentionDays": .integer(Int64(parameters.retentionDays))])
        }
    }

    @Test("commands and activities are found ignoring case and listed by name")
    func lookup() {
        var registry = TimerRegistry()
        registry.register(Cleanup())
        registry.register("Start-Other") { _ in .completed(.null) }
        registry.registerActivity("SyncUser") { item, _ in item.parameters }

        #expect(registry.command(named: "start-typedcleanup")?.name == "Start-TypedCleanup")
        #expect(registry.command(named: "Start-Missing") == nil)
        #expect(registry.activity(named: "SYNCUSER")?.name == "SyncUser")
        #expect(registry.commandNames == ["Start-Other", "Start-TypedCleanup"])
        #expect(registry.activityNames == ["SyncUser"])
    }

    @Test("a command type decodes its typed parameters from the catalogue's Parameters")
    func typedCommandRuns() async throws {
        var registry = TimerRegistry()
        registry.register(Cleanup())
        let fixture = TimerFixture()
        let command = try #require(registry.command(named: Cleanup.name))
        let timer = try #require(
            TimerFixture().catalogue(catalogueJSON(entry(id: "t", cron: "0 0 * * * *"))).timers.first
        )
        let context = TimerCommandContext(
            store: fixture.store,
            durable: nil,
            logger: .silent,
            clock: fixture.clock,
            settings: Settings([:]),
            timer: timer,
            occurrence: fixture.clock.now(),
            trigger: .schedule,
            attempt: 1,
            instanceId: "t:x"
        )

        let outcome = try await command.run(["retentionDays": 30], context: context)

        #expect(outcome == .completed(["RetentionDays": 30]))
        #expect(throws: TimersError.invalidParameters(command: Cleanup.name, reason: "missing 'retentionDays'")) {
            try command.validate([:])
        }
    }

    @Test("orchestrator input round-trips with the original's keys and reads the PowerShell forms")
    func orchestratorInputJSON() throws {
        let input = OrchestratorInput(
            name: "Billing",
            mode: .sequence,
            batch: [ActivityItem(functionName: "SyncUser", parameters: ["UserId": "u1"], extra: ["TaskName": "u1"])],
            postExecution: ActivityItem(functionName: "Report"),
            maxAttempts: 3
        )

        let decoded = try OrchestratorInput(json: input.json)
        let quoted = try OrchestratorInput(json: .string(input.json.jsonText))
        let legacy = try OrchestratorInput(
            json: ["Batch": [["FunctionName": "A"], ["NoName": 1], ["Command": "Start-X"]], "DurableMode": "weird"]
        )

        #expect(decoded == input)
        #expect(quoted == input)
        #expect(input.json["OrchestratorName"] == "Billing")
        #expect(input.json["DurableMode"] == "Sequence")
        #expect(legacy.mode == .fanOut)
        #expect(legacy.maxAttempts == 1)
        #expect(legacy.batch.map(\.label) == ["A", "Start-X"])
        #expect(throws: TimersError.self) { try OrchestratorInput(json: [1, 2]) }
    }

    @Test("instance ids are deterministic per timer, occurrence, attempt and manual run")
    func instanceIds() {
        let occurrence = utc("2026-01-20T02:00:00Z")
        #expect(TimerInstanceId.make(timerId: "abc", occurrence: occurrence) == "abc:2026-01-20T02:00:00Z")
        #expect(
            TimerInstanceId.make(timerId: "abc", occurrence: occurrence, attempt: 2)
                == "abc:2026-01-20T02:00:00Z:attempt-2"
        )
        #expect(
            TimerInstanceId.make(timerId: "abc", occurrence: occurrence, manual: true)
                == "abc:2026-01-20T02:00:00Z:manual"
        )
    }
}
