import DevHost
import Dispatch
import Foundation
import Glibc
import LinkTomeCore
import TableStorage

/// `linktome dev`: runs the app on this machine with the development host (see docs/devhost.md).
enum DevCommand {
    static let subcommand = Subcommand(name: "dev", summary: "run the app locally: dev [--once] [--all] [--seed-demo]")
    {
        await run($0)
    }

    static let usage = """
        usage: linktome dev [--once] [--all] [--at <ISO 8601>] [--seed-demo] [options]

        Runs the app in this directory as Azure Functions would: starts the handler (this binary), fires
        LinkTomeTimer on its schedule with a durable client bound to a local webhook API, and runs the
        orchestrations and activities through the handler. State lives in .linktome/linktome.sqlite.

          --once                one tick now, wait for the orchestrations it started, print a summary, exit
          --all                 with --once: run every timer of the catalogue in that tick, due or not
          --at <time>           pretend the time is <time> (host and handler clocks are shifted)
          --seed-demo           fill an empty store with the demo data set first
          --app-root <dir>      the app root (default: the current directory)
          --store <path>        the SQLite file (default: <app root>/.linktome/linktome.sqlite)
          --port <n>            the webhook API port (default: a free port)
          --webhook-key <key>   the webhook API's code= key (default: a random one, logged at start-up)
          --timeout <seconds>   with --once: how long to wait for orchestrations (default 600)
          --handler <path>      the handler executable (default: this binary)
          --handler-arg <arg>   an argument for the handler (repeatable)
          --log-level <level>   the host's log level (default info)
          --handler-log-level <level>  LINKTOME_LOG_LEVEL for the handler (default warning)
          --serve-fixture       serve the small test handler the host's tests use, instead of running a host
        """

    struct Arguments {
        var once = false
        var all = false
        var at: Timestamp?
        var seedDemo = false
        var appRoot = FileManager.default.currentDirectoryPath
        var store: String?
        var port = 0
        var webhookKey: String?
        var timeout = 600.0
        var handler: String?
        var handlerArguments: [String] = []
        var logLevel = LogLevel.info
        var handlerLogLevel: String?
        var serveFixture = false
    }

    static func run(_ raw: [String]) async -> Int32 {
        let arguments: Arguments
        do {
            guard let parsed = try parse(raw) else {
                print(usage)
                return 0
            }
            arguments = parsed
        } catch {
            FileHandle.standardError.write(Data("linktome dev: \(error)\n\n\(usage)\n".utf8))
            return 2
        }
        let logger = Logger(label: "devhost", level: arguments.logLevel)
        if arguments.serveFixture {
            let level = LogLevel(name: Settings.process["LINKTOME_LOG_LEVEL"] ?? "") ?? .info
            return await DevFixture.serve(settings: .process, logger: Logger(label: "fixture", level: level))
        }
        do {
            return try await host(arguments, logger: logger)
        } catch {
            logger.error("dev host failed", metadata: ["error": "\(error)"])
            return 1
        }
    }

    static func parse(_ raw: [String]) throws(DevHostError) -> Arguments? {
        var arguments = Arguments()
        var index = 0
        func value(_ name: String) throws(DevHostError) -> String {
            index += 1
            guard index < raw.count else { throw .invalidOption("\(name) needs a value") }
            return raw[index]
        }
        while index < raw.count {
            let option = raw[index]
            switch option {
            case "--once": arguments.once = true
            case "--all": arguments.all = true
            case "--seed-demo": arguments.seedDemo = true
            case "--serve-fixture": arguments.serveFixture = true
            case "--at":
                let text = try value(option)
                guard let at = Timestamp(iso8601: text) else {
                    throw .invalidOption("--at '\(text)' is not an ISO 8601 time")
                }
                arguments.at = at
            case "--app-root": arguments.appRoot = absolute(try value(option))
            case "--store": arguments.store = absolute(try value(option))
            case "--webhook-key":
                let key = try value(option)
                guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw .invalidOption("--webhook-key '\(key)': use letters, digits, '-' and '_'")
                }
                arguments.webhookKey = key
            case "--port":
                let text = try value(option)
                guard let port = Int(text), (0...65_535).contains(port) else {
                    throw .invalidOption("--port '\(text)'")
                }
                arguments.port = port
            case "--timeout":
                let text = try value(option)
                guard let seconds = Double(text), seconds > 0 else { throw .invalidOption("--timeout '\(text)'") }
                arguments.timeout = seconds
            case "--handler": arguments.handler = absolute(try value(option))
            case "--handler-arg": arguments.handlerArguments.append(try value(option))
            case "--log-level":
                let text = try value(option)
                guard let level = LogLevel(name: text) else { throw .invalidOption("--log-level '\(text)'") }
                arguments.logLevel = level
            case "--handler-log-level": arguments.handlerLogLevel = try value(option)
            case "--help", "-h": return nil
            default: throw .invalidOption("unexpected '\(option)'")
            }
            index += 1
        }
        if arguments.all && !arguments.once { throw .invalidOption("--all needs --once") }
        return arguments
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// The SQLite file: `--store`, else a `sqlite` store named by the settings, else the default.
    static func storePath(_ arguments: Arguments, settings: Settings) throws(DevHostError) -> String {
        if let store = arguments.store { return store }
        if settings[StorageConfiguration.storageSetting] != nil
            || settings[StorageConfiguration.sqlitePathSetting] != nil
        {
            switch try? StorageConfiguration.resolve(settings: settings, workingDirectory: arguments.appRoot) {
            case .sqlite(let path, _)?: return path
            default:
                throw .invalidOption(
                    "the dev host keeps its state in SQLite; LINKTOME_STORAGE names another store (pass --store <path>)"
                )
            }
        }
        return arguments.appRoot + "/" + StorageConfiguration.defaultSQLitePath
    }

    private static func host(_ arguments: Arguments, logger: Logger) async throws -> Int32 {
        let settings = Settings.process
        var options = DevHostOptions(
            appRoot: arguments.appRoot,
            storePath: try storePath(arguments, settings: settings),
            handlerCommand: [arguments.handler ?? DevHostOptions.currentExecutable] + arguments.handlerArguments,
            settings: settings,
            logger: logger,
            handlerOutput: { line, _ in Console.write("handler | " + line) }
        )
        options.webhookPort = arguments.port
        options.webhookKey = arguments.webhookKey
        options.timeOffset = arguments.at.map { $0.date.timeIntervalSinceNow } ?? 0
        options.handlerEnvironment["LINKTOME_LOG_LEVEL"] =
            arguments.handlerLogLevel ?? settings["LINKTOME_LOG_LEVEL"] ?? "warning"

        let host = try DevHost(options: options)
        logger.info("dev host starting", metadata: ["app.root": arguments.appRoot, "store": options.storePath])
        if arguments.seedDemo { try await DemoSeed.seedIfEmpty(host, logger: logger) }
        try await host.start()
        if arguments.once { return await once(host, arguments, logger: logger) }
        return await forever(host, logger: logger)
    }

    private static func once(_ host: DevHost, _ arguments: Arguments, logger: Logger) async -> Int32 {
        var failures: [String] = []
        var reports: [JSONValue] = []
        let tickStart = host.core.clock.now()
        do {
            for (function, outcome) in try await host.tick(runAll: arguments.all) {
                if case .succeeded(let value, _) = outcome {
                    if let text = value?.stringValue, let report = try? JSONParser.parse(Array(text.utf8)) {
                        reports.append(report)
                    }
                    continue
                }
                failures.append("the \(function) invocation did not succeed: \(outcome)")
            }
        } catch {
            failures.append("the tick failed: \(error)")
        }
        let open = await host.waitForTrackedInstances(timeout: arguments.timeout)
        if !open.isEmpty {
            failures.append(
                "\(open.count) orchestrations still running after \(Int(arguments.timeout)) s: "
                    + open.joined(separator: ", ")
            )
        }
        for id in host.core.trackedInstances.sorted() {
            if let record = try? await host.core.durable.instance(id), record.failedByHost {
                failures.append("orchestration \(id) was failed by the host: \(record.failure ?? "no details")")
            }
        }

        let settled = await DevRowSettlement.settle(host, settings: .process, logger: logger)
        if !settled.isEmpty { logger.info("timer rows settled", metadata: ["timers": settled.joined(separator: ",")]) }
        let summary = await TickSummary.build(
            core: host.core,
            appRoot: arguments.appRoot,
            tickStart: Timestamp(tickStart),
            reports: reports
        )
        await host.stop()
        let clock = Timestamp(tickStart).iso8601(fractionDigits: 0)
        Console.write("")
        Console.write(
            "Tick at \(clock)\(arguments.all ? " (every timer)" : ""): "
                + "\(host.core.trackedInstances.count) orchestrations"
        )
        Console.write(summary.render())
        for failure in failures { Console.write("infrastructure problem: " + failure) }
        return failures.isEmpty ? 0 : 1
    }

    private static func forever(_ host: DevHost, logger: Logger) async -> Int32 {
        let schedules = Task { try await host.runSchedules() }
        let signal = await Signals.next([SIGINT, SIGTERM])
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        schedules.cancel()
        await host.stop()
        return 0
    }
}

/// Writes whole lines to standard output with one `write` each, so lines from the host and the
/// handler never interleave.
enum Console {
    static func write(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Waits for the first of some signals (their default action is turned off while waiting).
enum Signals {
    static func next(_ numbers: [Int32]) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let box = SignalBox(continuation)
            for number in numbers {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { box.fire(number) }
                source.resume()
                box.keep(source)
            }
        }
    }

    private final class SignalBox: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Int32, Never>?
        private var sources: [any DispatchSourceSignal] = []

        init(_ continuation: CheckedContinuation<Int32, Never>) {
            self.continuation = continuation
        }

        func keep(_ source: any DispatchSourceSignal) {
            lock.withLock { sources.append(source) }
        }

        func fire(_ number: Int32) {
            let pending = lock.withLock { () -> CheckedContinuation<Int32, Never>? in
                defer { continuation = nil }
                for source in sources { source.cancel() }
                return continuation
            }
            pending?.resume(returning: number)
        }
    }
}
