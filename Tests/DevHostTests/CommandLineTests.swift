import Foundation
import LinkTomeCore
import Testing

@testable import LinkTomeApp

@Suite("Command-line options")
struct CommandLineTests {
    @Test("cron next takes the expression as one argument and names an extra one")
    func oneExpression() throws {
        #expect(try CommandArguments(["0 * * * *"], options: []).expression() == "0 * * * *")
        #expect(throws: CommandArguments.Failure.self) {
            try CommandArguments(["0 * * * *", "extra"], options: []).expression()
        }
        do {
            _ = try CommandArguments(["0", "*", "*", "*", "*"], options: []).expression()
        } catch {
            #expect(error.message == "unexpected argument '*': quote the whole expression as one argument")
        }
        #expect(CronCommand.run(["next", "0 * * * *", "extra"]) == 2)
    }

    @Test("cron next refuses a signed count and an --until not after --from; --help anywhere prints usage")
    func cronOptions() {
        #expect(CronCommand.run(["next", "0 * * * *", "--count", "+3"]) == 2)
        #expect(CronCommand.run(["next", "0 * * * *", "--count", "0"]) == 2)
        #expect(CronCommand.run(["next", "0 * * * *", "--from", "2026-01-02", "--until", "2026-01-01"]) == 2)
        #expect(CronCommand.run(["next", "0 * * * *", "--from", "2026-01-02", "--until", "2026-01-02"]) == 2)
        #expect(CronCommand.run(["next", "0 * * * *", "--help"]) == 0)
        #expect(CronCommand.run(["describe", "-h"]) == 0)
    }

    @Test("timers tick --at reads a date alone as midnight UTC and a time without offset as UTC")
    func tickAt() throws {
        let date = try TimersCommand.parse(["tick", "--at", "2026-01-20"])
        #expect(date.at == Timestamp(iso8601: "2026-01-20T00:00:00Z")?.date)
        let local = try TimersCommand.parse(["tick", "--at", "2026-01-20T06:15"])
        #expect(local.at == Timestamp(iso8601: "2026-01-20T06:15:00Z")?.date)
        let offset = try TimersCommand.parse(["tick", "--at", "2026-01-20T06:15:00+02:00"])
        #expect(offset.at == Timestamp(iso8601: "2026-01-20T04:15:00Z")?.date)
        #expect(throws: TimersCommand.UsageError.self) { try TimersCommand.parse(["tick", "--at", "soon"]) }
        #expect(try TimersCommand.parse(["tick", "--help"]).verb == "help")
    }

    @Test("help <command> shows that command's usage; an unknown command is a usage error")
    func helpCommand() async {
        #expect(await LinkTomeCommandLine.run(["help", "cron"]) == 0)
        #expect(await LinkTomeCommandLine.run(["help", "timers"]) == 0)
        #expect(await LinkTomeCommandLine.run(["help", "help"]) == 0)
        #expect(await LinkTomeCommandLine.run(["help", "nothing"]) == 2)
    }
}
