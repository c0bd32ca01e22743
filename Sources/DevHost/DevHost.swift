import Cron
import Foundation
import LinkTomeCore
import Synchronization
import TableStorage

/// A development and test host that plays the Azure Functions host and the Durable extension for
/// the app in one directory: it starts the handler binary as the host does, fires the timer
/// function on its schedule with the durable client binding, serves the Durable webhook API, and
/// runs orchestrations and activities through the handler over the same HTTP and protobuf
/// protocol, with its state in the SQLite file the handler also uses.
///
/// Not a production engine: in Azure the Functions host and Durable Functions do this.
public final class DevHost: Sendable {
    public let options: DevHostOptions
    public let layout: AppLayout
    public let core: HostCore
    public let handler: HandlerProcess
    public let webhook: WebhookAPI
    let timers: [TimerScheduler]
    private let orchestrationLoop: WorkLoop<String>
    private let activityLoop: WorkLoop<ActivityWorkItem>
    private let loops = LoopTasks()

    /// Reads the app layout and opens the store; nothing runs until ``start()``.
    public init(options: DevHostOptions) throws(DevHostError) {
        self.options = options
        layout = try AppLayout.load(root: options.appRoot, settings: options.settings)
        let clock = OffsetTimeSource(offset: options.timeOffset)
        let store: SQLiteTableStore
        do {
            store = try SQLiteTableStore(path: options.storePath, clock: clock)
        } catch {
            throw .storage("cannot open \(options.storePath): \(error)")
        }

        let handler = HandlerProcess(
            configuration: HandlerProcess.Configuration(
                command: options.handlerCommand,
                directory: options.appRoot,
                environment: Self.handlerEnvironment(options)
            ),
            logger: options.logger.with("component", "handler"),
            output: options.handlerOutput
        )
        self.handler = handler
        let invoker = FunctionInvoker(
            handler: handler,
            client: HostClient(),
            logger: options.logger,
            timeout: layout.functionTimeout
        )
        let core = HostCore(
            durable: DurableStore(store: store, hubName: layout.hubName),
            invoker: invoker,
            layout: layout,
            clock: clock,
            logger: options.logger
        )
        self.core = core
        let webhook = WebhookAPI(core: core, port: options.webhookPort, key: options.webhookKey) { _ in }
        self.webhook = webhook

        let zone: TimeZone
        do {
            zone = try CronTimeZone.resolve(settings: options.settings)
        } catch {
            throw .invalidOption("\(error)")
        }
        var timers: [TimerScheduler] = []
        for function in layout.timers {
            timers.append(try TimerScheduler(core: core, function: function, zone: zone) { webhook.clientDescriptor })
        }
        self.timers = timers

        let cores = ProcessInfo.processInfo.activeProcessorCount
        let episodes = EpisodeRunner(core: core)
        orchestrationLoop = WorkLoop(
            limit: options.maxConcurrentOrchestrations ?? layout.maxConcurrentOrchestrators ?? 10 * cores,
            pollMilliseconds: options.pollMilliseconds,
            wakeup: core.orchestrationWakeup,
            fetch: { limit in (try? await core.durable.instancesWithMessages(now: core.now(), limit: limit)) ?? [] },
            process: { await episodes.process($0) }
        )
        let activities = ActivityRunner(core: core)
        activityLoop = WorkLoop(
            limit: options.maxConcurrentActivities ?? layout.maxConcurrentActivities ?? 10 * cores,
            pollMilliseconds: options.pollMilliseconds,
            wakeup: core.activityWakeup,
            fetch: { limit in (try? await core.durable.availableWorkItems(now: core.now(), limit: limit)) ?? [] },
            process: { await activities.process($0) }
        )
    }

    /// The handler's environment: the app settings, `local.settings.json` values not already set,
    /// the options' extra variables, and what the host sets (worker runtime, script root, the shared
    /// SQLite store, the development-host marker and clock offset).
    static func handlerEnvironment(_ options: DevHostOptions) -> [String: String] {
        var environment = options.settings.values
        for (name, value) in LocalSettings.values(appRoot: options.appRoot) where environment[name] == nil {
            environment[name] = value
        }
        for (name, value) in options.handlerEnvironment { environment[name] = value }
        environment["FUNCTIONS_WORKER_RUNTIME"] = "custom"
        environment["AzureWebJobsScriptRoot"] = options.appRoot
        environment[StorageConfiguration.storageSetting] = "sqlite:" + options.storePath
        environment[StorageConfiguration.sqlitePathSetting] = nil
        environment[DevHostOptions.devHostSetting] = "1"
        environment[DevHostOptions.timeOffsetSetting] = options.timeOffset == 0 ? nil : String(options.timeOffset)
        return environment
    }

    /// Prepares the store, serves the webhook API, starts the handler (waiting for `GET /`) and the
    /// orchestration and activity dispatchers.
    public func start() async throws(DevHostError) {
        try await core.durable.prepare()
        let port = try webhook.start()
        options.logger.info(
            "webhook API listening",
            metadata: ["url": webhook.baseURL, "http.port": "\(port)", "code": webhook.systemKey]
        )
        try await handler.start()
        loops.start([Task { await orchestrationLoop.run() }, Task { await activityLoop.run() }])
    }

    /// Fires every timer function once now: the past-due catch-up when a run was missed, else a
    /// run for the latest occurrence. `runAll` asks the handler to run every timer of its catalogue.
    public func tick(runAll: Bool) async throws(DevHostError) -> [(function: String, outcome: InvocationOutcome)] {
        var results: [(String, InvocationOutcome)] = []
        for timer in timers {
            let now = core.now()
            let (pastDue, status) = try await timer.checkPastDue(now: now)
            let outcome = try await timer.fire(now: now, pastDue: pastDue, status: status, runAll: runAll)
            results.append((timer.function.name, outcome))
        }
        return results
    }

    /// Waits until every instance started through the webhook API (and their sub-orchestrations)
    /// has finished, or `timeout` seconds passed; returns the ids still running.
    public func waitForTrackedInstances(timeout: Double) async -> [String] {
        let deadline = Deadline(seconds: timeout)
        while true {
            var open: [String] = []
            for id in core.trackedInstances.sorted() {
                let record = try? await core.durable.instance(id)
                if record?.runtimeStatus.isTerminal != true { open.append(id) }
            }
            if open.isEmpty || deadline.remainingMilliseconds <= 0 { return open }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Fires the timer functions on their schedules until the task is cancelled.
    public func runSchedules() async throws(DevHostError) {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for timer in timers {
                    group.addTask { try await timer.run() }
                }
                try await group.waitForAll()
            }
        } catch let error as DevHostError {
            throw error
        } catch {
            throw .invalidOption("\(error)")
        }
    }

    /// Stops the dispatchers (letting running work finish), the handler and the webhook API.
    public func stop() async {
        orchestrationLoop.stop()
        activityLoop.stop()
        await loops.wait()
        await handler.stop()
        await webhook.stop()
    }
}

/// The dispatcher tasks, so that ``DevHost/stop()`` can wait for them.
private final class LoopTasks: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    func start(_ started: [Task<Void, Never>]) {
        tasks.withLock { $0 += started }
    }

    func wait() async {
        let current = tasks.withLock { $0 }
        for task in current { await task.value }
    }
}

/// `local.settings.json`'s `Values`, which Core Tools turns into app settings.
enum LocalSettings {
    static func values(appRoot: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: appRoot + "/local.settings.json"),
            let document = try? JSONParser.parse(Array(data)),
            case .object(let values)? = document.member(caseInsensitive: "Values")
        else { return [:] }
        var result: [String: String] = [:]
        for (name, value) in values {
            switch value {
            case .string(let text): result[name] = text
            case .null: continue
            default: result[name] = value.jsonText
            }
        }
        return result
    }
}
