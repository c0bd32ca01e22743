import Foundation
import LinkTomeCore
import Testing

@testable import Timers

@Suite("Timer catalogue file")
struct CatalogueFileTests {
    @Test("A catalogue written with a UTF-8 byte order mark (Windows PowerShell 5.1) loads")
    func byteOrderMark() {
        let fixture = TimerFixture()
        let json = catalogueJSON(entry(id: "with-bom", cron: "0 0 * * * *"))
        let catalogue = TimerCatalogue(parsing: [0xEF, 0xBB, 0xBF] + Array(json.utf8), registry: fixture.registry)

        #expect(catalogue.problems.isEmpty)
        #expect(catalogue.timers.map(\.id) == ["with-bom"])
    }
}

@Suite("Timer catalogue problems")
struct CatalogueProblemTests {
    @Test("every problem of an entry is reported, not only the first")
    func allProblemsOfAnEntry() {
        let fixture = TimerFixture()
        let json = """
            [{"Id": "many", "Command": "Start-Nothing", "Cron": "0 0 * * * *", "Priority": "high",
              "TimeZone": "Mars/Olympus", "RunOnProcessor": "yes", "CatchUpWindow": -1, "Colour": "red"},
             {"Id": "", "Command": 7, "Cron": "bad cron"}]
            """

        let catalogue = fixture.catalogue(json)

        #expect(catalogue.timers.isEmpty)
        let first = catalogue.problems.filter { $0.position == 1 }
        #expect(first.filter { $0.severity == .skipped }.count == 5)
        let messages = first.map(\.message).joined(separator: "\n")
        #expect(messages.contains("unknown timer command 'Start-Nothing'"))
        #expect(messages.contains("'Priority' must be an integer"))
        #expect(messages.contains("unknown time zone 'Mars/Olympus'"))
        #expect(messages.contains("'RunOnProcessor' must be true or false"))
        #expect(messages.contains("'CatchUpWindow' must be seconds"))
        #expect(first.contains { $0.severity == .warning && $0.message.contains("'Colour'") })
        #expect(first.allSatisfy { $0.id == "many" && $0.command == "Start-Nothing" })

        let second = catalogue.problems.filter { $0.position == 2 }.map(\.message)
        #expect(second.count == 3)
        #expect(second[0] == "'Id' must be a non-empty string, found an empty string")
        #expect(second[1] == "'Command' must be a non-empty string, found a number")
        #expect(second[2].contains("bad Cron"))
        #expect(catalogue.skippedEntries.map(\.reasons.count) == [5, 3])
        #expect(catalogue.skippedEntries.map(\.id) == ["many", nil])
    }

    @Test("a manual run of a skipped timer names all of its problems")
    func manualRunOfSkippedTimer() async {
        let fixture = TimerFixture()
        let catalogue = fixture.catalogue(
            #"[{"Id": "bad", "Command": "Start-Recorded", "Cron": "bad cron", "Priority": "high"}]"#
        )
        await #expect {
            try await fixture.service(catalogue).runNow("bad", requestedBy: "ops")
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad Cron") && text.contains("'Priority' must be an integer")
        }
    }

    @Test("a catalogue file over 4 MiB is refused without being loaded")
    func oversizedFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("timers-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: path) }
        let padding = String(repeating: " ", count: TimerCatalogue.maximumFileSize)
        try Data((catalogueJSON(entry(id: "a", cron: "0 0 * * * *")) + padding).utf8).write(to: path)

        let catalogue = TimerCatalogue.load(path: path.path, registry: TimerFixture().registry)

        #expect(catalogue.timers.isEmpty && catalogue.isUnusable)
        #expect(catalogue.problems.first?.message.contains("larger than 4 MiB") == true)

        let directory = TimerCatalogue.load(
            path: FileManager.default.temporaryDirectory.path,
            registry: TimerRegistry()
        )
        #expect(directory.problems.first?.message.contains("is a directory") == true)
    }
}
