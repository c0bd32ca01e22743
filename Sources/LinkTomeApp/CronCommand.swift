import Cron
import Foundation
import LinkTomeCore

/// `linktome cron`: checks NCRONTAB schedules before they are deployed, and measures the engine.
enum CronCommand {
    static let usage = """
        usage: linktome cron next "<expression>" [--from <ISO 8601>] [--count N] [--until <ISO 8601>]
                                                 [--time-zone <IANA id>]
               linktome cron describe "<expression>"
               linktome cron bench [--rounds N]

        next      prints the next occurrences, one per line, as ISO 8601 wall-clock times with the
                  zone's offset (2026-03-08T03:00:00-04:00; UTC prints +00:00), computed as the Azure
                  timer trigger does (NCrontab 3.3.3 with the host's DST rules).
                  --from       start (exclusive); default now. Without Z or an offset it is a
                               wall-clock time in the zone.
                  --count      how many occurrences (default 1, at most 1000000)
                  --until      stop before this instant (exclusive)
                  --time-zone  IANA zone id (or a Windows id); default UTC. The app itself reads
                               WEBSITE_TIME_ZONE, then TZ.
        describe  prints the canonical form and how Azure classifies the schedule
        bench     measures parsing and enumeration (build with -c release)

        Exit status 2 for an invalid expression or option.
        """

    /// Runs `linktome cron <arguments>` and returns the exit status.
    static func run(_ arguments: [String]) -> Int32 {
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print(usage)
            return 0
        }
        switch arguments.first {
        case "next": return next(rest)
        case "describe": return describe(rest)
        case "bench": return CronBenchmark.run(rest)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            return fail("linktome cron: expected 'next', 'describe' or 'bench'\n\n" + usage)
        }
    }

    // MARK: next

    private static func next(_ arguments: [String]) -> Int32 {
        let parsed: CommandArguments
        do {
            parsed = try CommandArguments(arguments, options: ["from", "count", "until", "time-zone"])
        } catch {
            return fail("linktome cron next: \(error.message)")
        }

        let schedule: CronSchedule
        let zone: TimeZone
        do {
            schedule = try CronSchedule(parsing: try parsed.expression())
            zone =
                try parsed.options["time-zone"].map { id throws(CronError) in try CronTimeZone.named(id) }
                ?? CronTimeZone.utc
        } catch {
            return fail("linktome cron next: \(error)")
        }

        guard let window = window(parsed, zone: zone) else { return 2 }
        warn(about: schedule)
        if schedule.neverFires { return 0 }

        var printed = 0
        for occurrence in schedule.occurrences(after: window.from, before: window.until, in: zone) {
            print(CronTimeZone.iso8601(occurrence, in: zone))
            printed += 1
            if printed == window.count { break }
        }
        if printed == 0, parsed.options["until"] == nil {
            note("no occurrence after \(CronTimeZone.iso8601(window.from, in: zone)) before the year 10000")
        }
        return 0
    }

    private static func window(_ parsed: CommandArguments, zone: TimeZone) -> (from: Date, until: Date, count: Int)? {
        var from = SystemTimeSource().now()
        if let text = parsed.options["from"] {
            guard let date = CronTimeZone.date(iso8601: text, in: zone) else {
                _ = fail("linktome cron next: --from '\(text)' is not an ISO 8601 time like 2026-03-08T03:00:00Z")
                return nil
            }
            from = date
        }

        var until = Date.distantFuture.addingTimeInterval(400 * 365 * 86_400 * 20)
        if let text = parsed.options["until"] {
            guard let date = CronTimeZone.date(iso8601: text, in: zone) else {
                _ = fail("linktome cron next: --until '\(text)' is not an ISO 8601 time like 2026-03-08T03:00:00Z")
                return nil
            }
            guard date > from else {
                let start = CronTimeZone.iso8601(from, in: zone)
                _ = fail(
                    "linktome cron next: --until \(CronTimeZone.iso8601(date, in: zone)) is not later than \(start)"
                )
                return nil
            }
            until = date
        }

        var count = 1
        if let text = parsed.options["count"] {
            let digits = !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
            guard digits, let value = Int(text), (1...1_000_000).contains(value) else {
                _ = fail("linktome cron next: --count '\(text)' must be a whole number from 1 to 1000000")
                return nil
            }
            count = value
        }
        return (from, until, count)
    }

    // MARK: describe

    private static func describe(_ arguments: [String]) -> Int32 {
        let schedule: CronSchedule
        do {
            let parsed = try CommandArguments(arguments, options: [])
            schedule = try CronSchedule(parsing: try parsed.expression())
        } catch let error as CommandArguments.Failure {
            return fail("linktome cron describe: \(error.message)")
        } catch {
            return fail("linktome cron describe: \(error)")
        }

        let fields =
            schedule.includesSeconds
            ? "6 (second minute hour day month day-of-week)"
            : "5 (minute hour day month day-of-week; second 0). Prefer 6: the Consumption plan's scale "
                + "controller only reads 6"
        let interval =
            schedule.isIntervalSchedule
            ? "yes: at the DST fall-back it runs in both passes of the repeated hour"
            : "no (point in time): at the DST fall-back it runs once, in the first pass"
        print("canonical:    \(schedule.canonical)")
        print("fields:       \(fields)")
        print("interval:     \(interval)")
        print("never fires:  \(schedule.neverFires ? "yes" : "no")")
        warn(about: schedule)
        return 0
    }

    // MARK: Output

    private static func warn(about schedule: CronSchedule) {
        if schedule.neverFires {
            note(
                "warning: '\(schedule.canonical)' never fires: no date has a day in its day field in one of its months"
            )
        }
        if schedule.includesSeconds && schedule.values(of: .second).count == 60 {
            note("warning: the seconds field is '*', so it fires every second of each matching minute; use 0")
        }
    }

    private static func note(_ text: String) {
        StandardStreams.write(text + "\n", to: .error)
    }

    @discardableResult
    static func fail(_ text: String) -> Int32 {
        note(text)
        return 2
    }
}

/// Options as `--name value` or `--name=value`; the one other argument is the expression.
struct CommandArguments {
    var positional: [String] = []
    var options: [String: String] = [:]

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    init(_ arguments: [String], options allowed: Set<String>) throws(Failure) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }

            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard allowed.contains(name) else { throw Failure(message: "unknown option '--\(name)'") }
            if value == nil {
                guard index < arguments.count else { throw Failure(message: "option '--\(name)' needs a value") }
                value = arguments[index]
                index += 1
            }
            options[name] = value
        }
    }

    /// The one positional argument: the whole expression, quoted by the shell as one word.
    func expression() throws(Failure) -> String {
        guard let expression = positional.first else {
            throw Failure(message: "missing the cron expression (quote it)")
        }
        if positional.count > 1 {
            let extra = positional[1].escapingControlCharacters
            throw Failure(message: "unexpected argument '\(extra)': quote the whole expression as one argument")
        }
        return expression
    }
}
