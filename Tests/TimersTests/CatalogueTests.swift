import Foundation
import LinkTomeCore
import Testing

@testable import Timers

@Suite("Timer catalogue")
struct CatalogueTests {
    static let repositoryCommands = [
        "Start-DurableCleanup", "Start-SubscriptionCleanup", "Start-AnalyticsAggregation", "Start-BillingOrchestrator",
        "Start-SecurityEventCleanup", "Start-RateLimitCleanup", "Start-TwoFactorSessionCleanup",
        "Start-ScheduledTaskOrchestrator", "Start-BackupOrchestrator", "Start-HealthCheckOrchestrator",
        "Start-FeatureUsageCleanup", "Start-InactiveAccountCleanup", "Start-RefreshTokenCleanup",
    ]

    static var repositoryCatalogue: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("LinkTomeTimers.json").path
    }

    @Test("the repository's catalogue loads all 13 timers with the original Ids, crons and priorities")
    func repositoryCatalogue() {
        var registry = TimerRegistry()
        for name in Self.repositoryCommands { registry.register(name) { _ in .completed(.null) } }

        let catalogue = TimerCatalogue.load(path: Self.repositoryCatalogue, registry: registry)

        #expect(catalogue.problems.isEmpty)
        #expect(catalogue.timers.count == 13)
        #expect(catalogue.timers.map(\.priority) == Array(0...12))
        let cleanup = catalogue.timer(matching: "a1b2c3d4-e5f6-7890-abcd-ef1234567890")
        #expect(cleanup?.command == "Start-DurableCleanup")
        #expect(cleanup?.cron == "0 */15 * * * *")
        #expect(catalogue.timer(matching: "start-inactiveaccountcleanup")?.cron == "0 0 5 * * 0")
        #expect(catalogue.timers.allSatisfy { $0.runOnProcessor })
        #expect(catalogue.timers.filter(\.isSystem).count == 7)
    }

    @Test("never-firing cron, bad cron, unknown command and duplicate Id are each reported; the rest load")
    func badEntriesAreReportedAndSkipped() {
        let fixture = TimerFixture()
        let json = catalogueJSON(
            entry(id: "good-1", cron: "0 0 * * * *", priority: 2),
            entry(id: "never", cron: "0 0 0 31 2 *"),
            entry(id: "bad-cron", cron: "bad cron"),
            entry(id: "unknown", command: "Start-Nothing", cron: "0 0 * * * *"),
            entry(id: "GOOD-1", cron: "0 30 * * * *"),
            entry(id: "good-2", cron: "0 0 1 * * *", priority: 1)
        )

        let catalogue = fixture.catalogue(json)

        #expect(catalogue.timers.map(\.id) == ["good-2", "good-1"])
        #expect(catalogue.skipped.map(\.id) == ["never", "bad-cron", "unknown", "GOOD-1"])
        #expect(catalogue.skipped.map(\.position) == [2, 3, 4, 5])
        let messages = catalogue.skipped.map(\.message)
        #expect(messages[0].contains("never fires"))
        #expect(messages[1].contains("bad Cron") && messages[1].contains("found 2"))
        #expect(messages[2].contains("unknown timer command 'Start-Nothing'"))
        #expect(messages[3].contains("duplicate Id") && messages[3].contains("entry #1"))
        #expect(catalogue.declaredIds.isSuperset(of: ["never", "bad-cron", "unknown", "good-1"]))
    }

    @Test("missing keys, wrong types and non-objects are reported; unknown keys only warn")
    func shapeProblems() {
        let fixture = TimerFixture()
        let json = """
            [ 42,
              {"Command": "Start-Recorded", "Cron": "0 0 * * * *"},
              {"Id": "no-cron", "Command": "Start-Recorded"},
              {"Id": "prio", "Command": "Start-Recorded", "Cron": "0 0 * * * *", "Priority": "high"},
              {"Id": "flag", "Command": "Start-Recorded", "Cron": "0 0 * * * *", "IsSystem": "yes"},
              {"Id": "bad/key", "Command": "Start-Recorded", "Cron": "0 0 * * * *"},
              {"Id": "zone", "Command": "Start-Recorded", "Cron": "0 0 * * * *", "TimeZone": "Mars/Olympus"},
              {"Id": "typo", "Command": "Start-Recorded", "Cron": "0 0 * * * *", "Paramaters": {}},
              {"id": "lower", "command": "start-recorded", "cron": "0 0 * * *", "TimeZone": "Europe/Berlin",
               "CatchUpWindow": "01:00:00"} ]
            """

        let catalogue = fixture.catalogue(json)

        #expect(catalogue.timers.map(\.id) == ["typo", "lower"])
        let skipped = catalogue.skipped.map(\.message)
        #expect(skipped.count == 7)
        #expect(skipped[0].contains("expected an object"))
        #expect(skipped[1].contains("missing required key 'Id'"))
        #expect(skipped[2].contains("missing required key 'Cron'"))
        #expect(skipped[3].contains("'Priority' must be an integer"))
        #expect(skipped[4].contains("'IsSystem' must be true or false"))
        #expect(skipped[5].contains("contains '/'"))
        #expect(skipped[6].contains("unknown time zone 'Mars/Olympus'"))
        let warning = catalogue.problems.first { $0.severity == .warning }
        #expect(warning?.id == "typo" && warning?.message.contains("'Paramaters'") == true)

        let lower = catalogue.timers[1]
        #expect(lower.command == "Start-Recorded")
        #expect(lower.priority == TimerDefinition.defaultPriority)
        #expect(lower.timeZone?.identifier == "Europe/Berlin")
        #expect(lower.catchUpWindow == 3_600)
        #expect(lower.schedule.includesSeconds == false)
    }

    @Test("Parameters are checked against the command's typed parameters at load")
    func typedParametersAreValidated() {
        struct Retention: Decodable, Sendable {
            var days: Int
            var dryRun: Bool?
        }
        var fixture = TimerFixture()
        fixture.registry.register("Start-Retention", parameters: Retention.self) { parameters, _ in
            .completed(["Days": .integer(Int64(parameters.days))])
        }
        let json = catalogueJSON(
            entry(id: "ok", command: "Start-Retention", cron: "0 0 * * * *").replacingOccurrences(
                of: "\"Parameters\": {}",
                with: "\"Parameters\": {\"days\": 90}"
            ),
            entry(id: "text", command: "Start-Retention", cron: "0 0 * * * *").replacingOccurrences(
                of: "\"Parameters\": {}",
                with: "\"Parameters\": {\"days\": \"ninety\"}"
            ),
            entry(id: "missing", command: "Start-Retention", cron: "0 0 * * * *"),
            entry(id: "array", command: "Start-Retention", cron: "0 0 * * * *").replacingOccurrences(
                of: "\"Parameters\": {}",
                with: "\"Parameters\": [1]"
            )
        )

        let catalogue = fixture.catalogue(json)

        #expect(catalogue.timers.map(\.id) == ["ok"])
        #expect(catalogue.timers.first?.parameters == ["days": 90])
        let messages = catalogue.skipped.map(\.message)
        #expect(messages[0] == "invalid Parameters for Start-Retention: 'days' is not a number (Int)")
        #expect(messages[1] == "invalid Parameters for Start-Retention: missing 'days'")
        #expect(messages[2] == "invalid Parameters for Start-Retention: expected an object, found an array")
    }

    @Test("an unreadable or malformed file gives no timers and one problem")
    func unreadableFile() {
        let registry = TimerRegistry()

        let missing = TimerCatalogue.load(path: "/nonexistent/LinkTomeTimers.json", registry: registry)
        let malformed = TimerCatalogue(parsing: Array("[{\"Id\": ".utf8), registry: registry)
        let object = TimerCatalogue(parsing: Array("{}".utf8), registry: registry)

        for catalogue in [missing, malformed, object] {
            #expect(catalogue.timers.isEmpty)
            #expect(catalogue.problems.count == 1)
            #expect(catalogue.problems.first?.position == nil)
        }
        #expect(missing.problems[0].message.contains("no such file"))
        #expect(object.problems[0].message.contains("expected a JSON array"))
    }

    @Test("the catalogue path comes from LINKTOME_TIMERS_FILE or defaults to the app directory")
    func cataloguePath() {
        #expect(TimerCatalogue.path(settings: Settings([:]), directory: "/app") == "/app/LinkTomeTimers.json")
        let relative = Settings([TimerCatalogue.pathSetting: "config/timers.json"])
        #expect(TimerCatalogue.path(settings: relative, directory: "/app/") == "/app/config/timers.json")
        let absolute = Settings([TimerCatalogue.pathSetting: "/etc/timers.json"])
        #expect(TimerCatalogue.path(settings: absolute, directory: "/app") == "/etc/timers.json")
    }
}
