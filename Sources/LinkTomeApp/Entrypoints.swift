import Durable
import Foundation
import FunctionsHandler
import Jobs
import LinkTomeCore
import LinkTomeHTTP
import TableStorage
import Timers

/// The Swift entrypoints of the app's three functions, in the roles of the PowerShell app's
/// `Receive-LinkTomeTimerTrigger`, `Receive-LinkTomeOrchestrationTrigger` and
/// `Receive-LinkTomeActivityTrigger` (see ``TimerFunctions``).
enum Entrypoints {
    static func register(in app: FunctionsApp) {
        let settings = Settings.process
        let logger = Logger(label: "linktome", level: LogLevel(name: settings["LINKTOME_LOG_LEVEL"] ?? "") ?? .info)
        do {
            let functions = try AppTimers.functions(settings: settings, logger: logger)
            functions.register(in: app)
            DevHostHooks.install(in: app, functions: functions, settings: settings)
        } catch {
            // Serving goes on so the host sees answers; every timer function then fails with the cause.
            logger.error("timer functions unavailable", metadata: ["error": "\(error)"])
            let message = "the table store cannot be opened: \(error)"
            for name in [TimerFunctions.timerFunction, TimerFunctions.orchestratorFunction] {
                app.register(name) { _ in throw TimersError.storageUnavailable(message) }
            }
            app.register(TimerFunctions.activityFunction) { _ in
                InvocationResult(
                    returnValue: ActivityOutcome.failed(ActivityFailure(errorType: "Storage", message: message))
                        .returnValue
                )
            }
        }
    }
}

/// How the app assembles the timer machinery: the table store the settings choose, the registered
/// Swift commands, the catalogue path and the durable client. The command line uses the same parts.
enum AppTimers {
    /// Every timer command and activity item handler of the app. The Jobs module registers its
    /// commands here (`RetentionJobs.register(into:)` and the business jobs' registration).
    static func registry() -> TimerRegistry {
        var registry = TimerRegistry()
        RetentionJobs.register(into: &registry)
        BusinessJobs.register(into: &registry)
        return registry
    }

    /// The registered timer command names (what `doctor` checks the catalogue against).
    static var commandNames: [String] { registry().commandNames }

    /// The HTTP client shared by the table store and the durable client.
    static func transport(settings: Settings) throws -> HTTPClient {
        try HTTPClient(settings: settings)
    }

    /// The three entrypoints over the store chosen by `settings`.
    static func functions(settings: Settings, logger: Logger) throws -> TimerFunctions {
        let transport = try transport(settings: settings)
        let store = try TableStoreFactory.makeStore(settings: settings, transport: transport, logger: logger)
        return TimerFunctions(
            store: store,
            registry: registry(),
            settings: settings,
            cataloguePath: cataloguePath(settings: settings),
            makeDurableClient: { binding, settings in
                let descriptor = try DurableClientDescriptor(bindingValue: binding, settings: settings)
                return DurableWebhookClient(client: try DurableClient(descriptor: descriptor, transport: transport))
            }
        )
    }

    /// `LINKTOME_TIMERS_FILE`, else `LinkTomeTimers.json` in the working directory (the app root
    /// under the Functions host).
    static func cataloguePath(settings: Settings) -> String {
        TimerCatalogue.path(settings: settings, directory: FileManager.default.currentDirectoryPath)
    }

    /// Outside the host there is no `starter` binding: the command line reaches the durable API at
    /// `LINKTOME_DURABLE_URL` (the webhook base, e.g. `http://localhost:7071/runtime/webhooks/durabletask`)
    /// with the system key in `LINKTOME_DURABLE_KEY`. `nil` when the URL is not set.
    static func commandLineDurableClient(settings: Settings, transport: HTTPClient) throws -> (any TimerDurableClient)?
    {
        guard let url = settings["LINKTOME_DURABLE_URL"] else { return nil }
        let query = settings["LINKTOME_DURABLE_KEY"].map { "code=" + $0 } ?? ""
        let descriptor = DurableClientDescriptor(baseURL: url, requiredQueryStringParameters: query)
        return DurableWebhookClient(client: try DurableClient(descriptor: descriptor, transport: transport))
    }
}
