import Foundation
import FunctionsHandler
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

@Suite("Timer trigger entrypoint")
struct TimerTriggerTests {
    func functions(_ fixture: TimerFixture, catalogue path: String) -> TimerFunctions {
        TimerFunctions(
            store: fixture.store,
            registry: fixture.registry,
            settings: Settings([:]),
            clock: fixture.clock,
            cataloguePath: path,
            makeDurableClient: nil
        )
    }

    @Test("a TimerInfo that cannot be read is logged as a warning and the tick runs anyway")
    func garbageTimerInfo() async throws {
        let fixture = TimerFixture(at: utc("2026-01-20T10:00:05Z"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("timers-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: path) }
        try Data(catalogueJSON(entry(id: "hourly", cron: "0 0 * * * *")).utf8).write(to: path)
        let logs = CollectingSink()
        let invocation = Invocation(
            functionName: TimerFunctions.timerFunction,
            invocationId: "tick-1",
            data: ["Timer": "garbage"],
            logger: Logger(label: "test", level: .debug, sink: logs)
        )

        let result = try await functions(fixture, catalogue: path.path).timerTick(invocation)

        let report = try JSONParser.parse(Array((result.returnValue.stringValue ?? "").utf8))
        let first = report["Entries"]?.arrayValue?.first
        #expect(first?["TimerId"] == "hourly" && first?["Outcome"] == "Ran")
        let warning = logs.collected.first { $0.message.contains("TimerInfo cannot be read") }
        #expect(warning?.level == .warning)
        #expect(warning?.metadata["value"] == "\"garbage\"")
        #expect(fixture.log.summary == ["Start-Recorded@2026-01-20T10:00:00Z"])
    }
}
