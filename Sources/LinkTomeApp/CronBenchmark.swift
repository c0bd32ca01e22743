import Cron
import Foundation
import LinkTomeCore

/// `linktome cron bench`: the schedule engine's speed goals, measured on this machine.
///
/// Goals (release build): enumerating a year of `0 */15 * * * *` (35,040 occurrences) in under
/// 20 ms, and parsing an expression in under 5 µs. Each figure is the best of several rounds.
enum CronBenchmark {
    static let expressions = [
        "0 */15 * * * *", "0 0 2 * * *", "0 0 5 * * 0", "*/5 * * * * *", "0 30 9-17 * * MON-FRI",
        "15,45 0-30/5 1,13 1-15 JAN,jul *", "0 0 0 29 Feb Mon", "0 1 * * 1",
    ]

    static func run(_ arguments: [String]) -> Int32 {
        let parsed: CommandArguments
        do {
            parsed = try CommandArguments(arguments, options: ["rounds"])
        } catch {
            return CronCommand.fail("linktome cron bench: \(error.message)")
        }
        guard let rounds = Int(parsed.options["rounds"] ?? "7"), (1...1_000).contains(rounds) else {
            return CronCommand.fail("linktome cron bench: --rounds must be a whole number from 1 to 1000")
        }

        do {
            try report(rounds: rounds)
        } catch {
            return CronCommand.fail("linktome cron bench: \(error)")
        }
        return 0
    }

    private static func report(rounds: Int) throws(CronError) {
        let parse = best(rounds) {
            var checksum = 0
            for _ in 0..<2_000 {
                for text in expressions {
                    checksum &+= (try? CronSchedule(parsing: text))?.includesSeconds == true ? 1 : 0
                }
            }
            return checksum
        }
        print(line("parse", parse / Double(2_000 * expressions.count), "per expression (goal < 5 µs)"))

        let schedule = try CronSchedule(parsing: "0 */15 * * * *")
        let start = Date(timeIntervalSince1970: 1_735_689_599)  // 2024-12-31T23:59:59Z
        let end = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        for zoneID in ["UTC", "America/New_York", "Europe/Berlin"] {
            let zone = try CronTimeZone.named(zoneID)
            var count = 0
            let year = best(rounds) {
                count = schedule.occurrences(after: start, before: end, in: zone).reduce(0) { total, _ in total + 1 }
                return count
            }
            print(line("year of 0 */15 * * * * in \(zoneID)", year, "\(count) occurrences (goal < 20 ms)"))
        }

        try single(rounds, "next of never-firing 0 0 0 30 2 *", "0 0 0 30 2 *") { schedule in
            schedule.nextOccurrence(after: start) == nil ? 1 : 0
        }
        try single(rounds, "next of 0 0 0 29 Feb Mon (28-year gaps)", "0 0 0 29 Feb Mon") { schedule in
            schedule.nextOccurrence(after: start) == nil ? 0 : 1
        }
        let berlin = try CronTimeZone.named("Europe/Berlin")
        let floor = Date(timeIntervalSince1970: 1_735_689_600 - 366 * 86_400)
        try single(rounds, "previous of * * * * * * over a year, Berlin", "* * * * * *") { schedule in
            schedule.previousOccurrence(atOrBefore: end, notBefore: floor, in: berlin) == nil ? 0 : 1
        }
    }

    private static func single(
        _ rounds: Int,
        _ label: String,
        _ expression: String,
        _ body: (CronSchedule) -> Int
    ) throws(CronError) {
        let schedule = try CronSchedule(parsing: expression)
        let seconds = best(rounds) {
            var checksum = 0
            for _ in 0..<100 { checksum &+= body(schedule) }
            return checksum
        }
        print(line(label, seconds / 100, "per call"))
    }

    /// The fastest of `rounds` runs of `body`, in seconds. The checksum keeps the work observable.
    private static func best(_ rounds: Int, _ body: () -> Int) -> Double {
        let clock = ContinuousClock()
        var fastest = Double.infinity
        var checksum = 0
        for _ in 0..<rounds {
            let started = clock.now
            checksum &+= body()
            let elapsed = started.duration(to: clock.now).components
            fastest = min(fastest, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
        }
        if checksum == Int.min { print("") }
        return fastest
    }

    private static func line(_ label: String, _ seconds: Double, _ detail: String) -> String {
        let shown =
            seconds >= 1e-3
            ? String(format: "%.2f ms", seconds * 1e3)
            : seconds >= 1e-6 ? String(format: "%.2f µs", seconds * 1e6) : String(format: "%.0f ns", seconds * 1e9)
        return label.padding(toLength: 44, withPad: " ", startingAt: 0)
            + shown.padding(toLength: 12, withPad: " ", startingAt: 0)
            + detail
    }
}
