import Cron
import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// `linktome timers list|run|tick`: the operator's view of the timers and their status rows.
enum TimersCommand {
    static let subcommand = Subcommand(name: "timers", summary: "timer status and manual runs: timers list|run|tick") {
        await run($0)
    }

    static let usage = """
        usage: linktome timers list [--json] [--catalogue PATH]
               linktome timers run <Id|Command> [--by NAME] [--json] [--catalogue PATH]
               linktome timers tick [--at ISO8601] [--json] [--catalogue PATH]

          list   every catalogue timer with its status row: command, schedule, priority, status,
                 last run, next run, duration and error; catalogue problems and stale rows follow
          run    runs one timer now under the same claim as the scheduled tick (refused while the
                 timer runs); it does not use up the next scheduled occurrence
          tick   runs one tick as the timer trigger does (--at fixes the clock, for trials: an ISO 8601
                 time; without Z or an offset it is UTC, and a date alone is midnight UTC)

        The store is the one the settings choose (LINKTOME_STORAGE, LINKTOME_SQLITE_PATH,
        AzureWebJobsStorage, else .linktome/linktome.sqlite). Orchestrations need LINKTOME_DURABLE_URL
        (and LINKTOME_DURABLE_KEY) outside the Functions host.
        Exit status: 0 done, 1 failed, 2 usage or unknown timer, 3 refused because the timer is running.
        """

    struct Options {
        var verb = ""
        var key: String?
        var json = false
        var cataloguePath: String?
        var requester: String?
        var at: Date?
    }

    static func run(_ arguments: [String]) async -> Int32 {
        let options: Options
        do {
            options = try parse(arguments)
        } catch {
            StandardStreams.write("linktome timers: \(error.message)\n\n\(usage)\n", to: .error)
            return 2
        }
        if options.verb == "help" {
            print(usage)
            return 0
        }

        let settings = Settings.process
        let logger = Logger(
            label: "linktome",
            level: LogLevel(name: settings["LINKTOME_LOG_LEVEL"] ?? "") ?? .warning,
            sink: StandardErrorSink()
        )
        let registry = AppTimers.registry()
        let path = options.cataloguePath ?? AppTimers.cataloguePath(settings: settings)
        let catalogue = TimerCatalogue.load(path: path, registry: registry)
        let service: TimerService
        do {
            let environment = try makeEnvironment(options, settings: settings, logger: logger, registry: registry)
            service = TimerService(environment: environment, catalogue: catalogue)
        } catch {
            let message = "the timer status store cannot be opened: \(error)"
            guard options.verb == "list" else {
                StandardStreams.write("linktome timers: \(message)\n", to: .error)
                return 1
            }
            // The catalogue is still worth seeing, e.g. to check it before the storage is fixed.
            let now = options.at ?? SystemTimeSource().now()
            let overview = TimerOverview(catalogue: catalogue, settings: settings, now: now, storageError: message)
            return show(overview, json: options.json)
        }

        switch options.verb {
        case "list": return await list(service, json: options.json)
        case "run": return await runNow(service, options: options, settings: settings)
        default: return await tick(service, json: options.json)
        }
    }

    /// The store, durable client and clock the options and settings choose (`list` needs no durable client).
    private static func makeEnvironment(
        _ options: Options,
        settings: Settings,
        logger: Logger,
        registry: TimerRegistry
    ) throws -> TimerEnvironment {
        let transport = try AppTimers.transport(settings: settings)
        let store = try TableStoreFactory.makeStore(settings: settings, transport: transport, logger: logger)
        let clock: any TimeSource = options.at.map { ManualTimeSource($0) } ?? SystemTimeSource()
        let durable =
            options.verb == "list"
            ? nil : try AppTimers.commandLineDurableClient(settings: settings, transport: transport)
        return TimerEnvironment(
            store: store,
            durable: durable,
            registry: registry,
            settings: settings,
            clock: clock,
            logger: logger
        )
    }

    private static func list(_ service: TimerService, json: Bool) async -> Int32 {
        show(await service.overview(), json: json)
    }

    /// Prints the overview; exit status 1 when the status rows could not be read.
    private static func show(_ overview: TimerOverview, json: Bool) -> Int32 {
        print(json ? overview.json.prettyText : overview.renderTable(), terminator: json ? "\n" : "")
        return overview.storageError == nil ? 0 : 1
    }

    private static func runNow(_ service: TimerService, options: Options, settings: Settings) async -> Int32 {
        let key = options.key ?? ""
        let requester = options.requester ?? settings.first("USER", "LOGNAME").map { "cli:" + $0 } ?? "cli"
        do {
            let run = try await service.runNow(key, requestedBy: requester)
            printRun(run, json: options.json)
            if case .failed = run.result { return 1 }
            return 0
        } catch TimersError.timerBusy(let timer, let reason) {
            StandardStreams.write("linktome timers: \(timer) is running (\(reason)); not started\n", to: .error)
            return 3
        } catch let error as TimersError {
            StandardStreams.write("linktome timers: \(error)\n", to: .error)
            return 2
        } catch {
            StandardStreams.write("linktome timers: \(error)\n", to: .error)
            return 1
        }
    }

    private static func printRun(_ run: TimerManualRun, json: Bool) {
        let (status, detail): (String, JSONValue) =
            switch run.result {
            case .completed(let summary): ("Completed", summary)
            case .startedOrchestration(let id): ("Started", .string(id))
            case .failed(let message): ("Failed", .string(message))
            }
        if json {
            let object: JSONValue = [
                "Id": .string(run.timer.id), "Command": .string(run.timer.command), "Status": .string(status),
                "InstanceId": .string(run.instanceId), "Result": detail,
            ]
            print(object.prettyText)
        } else {
            let text = detail.stringValue ?? detail.jsonText
            print("\(run.timer.command) (\(run.timer.id)): \(status): \(text)")
        }
    }

    private static func tick(_ service: TimerService, json: Bool) async -> Int32 {
        let report = await service.tick()
        if json {
            let entries = report.entries.map { entry -> JSONValue in
                [
                    "Id": .string(entry.timerId), "Command": .string(entry.command),
                    "Outcome": .string("\(entry.outcome)"),
                ]
            }
            let object: JSONValue = [
                "Timers": .array(entries), "Problems": .array(report.problems.map(JSONValue.string)),
                "RemovedRows": .array(report.removedRows.map(JSONValue.string)),
            ]
            print(object.prettyText)
        } else {
            for entry in report.entries {
                print("\(entry.command.escapingControlCharacters): \(describe(entry.outcome))")
            }
            for key in report.removedRows {
                print("removed status row '\(key.escapingControlCharacters)': its timer is no longer in the catalogue")
            }
            for problem in report.problems { print("problem: \(problem.escapingControlCharacters)") }
        }
        if let failure = report.failure {
            StandardStreams.write("linktome timers: \(failure)\n", to: .error)
            return 1
        }
        return 0
    }

    static func describe(_ outcome: TimerTickReport.Outcome) -> String {
        switch outcome {
        case .ran(let occurrence, let attempt, let result):
            let when = Timestamp(occurrence).iso8601Trimmed + (attempt > 1 ? " (attempt \(attempt))" : "")
            switch result {
            case .completed: return "ran \(when): completed"
            case .startedOrchestration(let id): return "ran \(when): started orchestration \(id)"
            case .failed(let message): return "ran \(when): failed: \(message)"
            }
        case .skipped(let occurrence, _): return "skipped missed occurrence \(Timestamp(occurrence).iso8601Trimmed)"
        case .busy(let reason): return "busy: \(reason)"
        case .notDue(let next): return "not due; next \(next.map { Timestamp($0).iso8601Trimmed } ?? "never")"
        case .otherRole: return "left to processor instances"
        case .deferred: return "deferred to the next tick"
        case .contended: return "left to the next tick (row kept changing)"
        case .error(let message): return "error: \(message)"
        }
    }

    struct UsageError: Error {
        var message: String
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        if arguments.contains("--help") || arguments.contains("-h") {
            options.verb = "help"
            return options
        }
        var rest = arguments[...]
        guard let verb = rest.popFirst() else { throw UsageError(message: "missing list, run or tick") }
        guard ["list", "run", "tick", "help", "--help", "-h"].contains(verb) else {
            throw UsageError(message: "unknown verb '\(verb)'")
        }
        options.verb = verb.hasPrefix("-") ? "help" : verb
        while let argument = rest.popFirst() {
            switch argument {
            case "--json": options.json = true
            case "--catalogue": options.cataloguePath = try value(&rest, for: argument)
            case "--by": options.requester = try value(&rest, for: argument)
            case "--at":
                let text = try value(&rest, for: argument)
                guard let instant = CronTimeZone.date(iso8601: text, in: CronTimeZone.utc) else {
                    let shown = text.escapingControlCharacters
                    throw UsageError(message: "--at needs an ISO 8601 time like 2026-01-20T06:00:00Z, got '\(shown)'")
                }
                options.at = instant
            default:
                guard options.verb == "run", options.key == nil, !argument.hasPrefix("--") else {
                    throw UsageError(message: "unexpected '\(argument)'")
                }
                options.key = argument
            }
        }
        if options.verb == "run", options.key == nil { throw UsageError(message: "run needs a timer Id or Command") }
        return options
    }

    private static func value(_ rest: inout ArraySlice<String>, for option: String) throws(UsageError) -> String {
        guard let value = rest.popFirst() else { throw UsageError(message: "\(option) needs a value") }
        return value
    }
}

/// Writes log lines to standard error, keeping standard output for the command's result.
struct StandardErrorSink: LogSink {
    func emit(_ record: LogRecord) {
        StandardStreams.write(record.formatted + "\n", to: .error)
    }
}

extension JSONValue {
    /// Indented JSON for people, keys sorted.
    var prettyText: String {
        var text = ""
        writePretty(into: &text, indent: "")
        return text
    }

    private func writePretty(into text: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty:
            text += "[\n"
            for (index, item) in items.enumerated() {
                text += inner
                item.writePretty(into: &text, indent: inner)
                text += index < items.count - 1 ? ",\n" : "\n"
            }
            text += indent + "]"
        case .object(let members) where !members.isEmpty:
            text += "{\n"
            let keys = members.keys.sorted()
            for (index, key) in keys.enumerated() {
                text += inner + JSONValue.string(key).jsonText + ": "
                members[key]?.writePretty(into: &text, indent: inner)
                text += index < keys.count - 1 ? ",\n" : "\n"
            }
            text += indent + "}"
        default:
            text += jsonText
        }
    }
}
