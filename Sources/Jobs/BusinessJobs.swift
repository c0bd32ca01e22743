import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage
import Timers

/// The six business timer commands and their orchestration activities.
///
/// Each command runs **inline** (the command itself works through every item) when no durable
/// client is available or `LINKTOME_BUSINESS_JOBS_INLINE=true`; otherwise it returns an
/// orchestration whose `QueueFunction` lists the work items (``listFunction``), whose batch runs
/// one activity per item (``itemFunction``: a page of users, a partition, a table, a user to sync)
/// and whose `PostExecution` adds up the items' counters and finishes (``finishFunction``). The
/// run's instant travels in every item, so both ways compute the same result. The health check
/// always runs inline: it needs the durable client, which activities do not have.
public enum BusinessJobs {
    public static let listFunction = "BusinessJobList"
    public static let itemFunction = "BusinessJobItem"
    public static let finishFunction = "BusinessJobFinish"

    /// The commands registered by ``register(into:environment:)``.
    public static let commands = [
        SubscriptionCleanup.command, AnalyticsAggregation.command, BillingOrchestrator.command,
        ScheduledTaskOrchestrator.command, BackupOrchestrator.command, HealthCheckOrchestrator.command,
    ]

    /// What the jobs need beyond the timer contexts.
    public struct Environment: Sendable {
        /// The HTTP client for Stripe; `nil` makes one from the settings when needed.
        public var transport: (any HTTPTransport)?
        /// The base of relative paths (the backup directory).
        public var workingDirectory: String

        public init(
            transport: (any HTTPTransport)? = nil,
            workingDirectory: String = FileManager.default.currentDirectoryPath
        ) {
            self.transport = transport
            self.workingDirectory = workingDirectory
        }
    }

    /// Registers the six commands and the three activity functions.
    public static func register(into registry: inout TimerRegistry, environment: Environment = Environment()) {
        for command in commands {
            registry.register(command) { context in
                try await start(command, context: context, environment: environment)
            }
        }
        registry.registerActivity(listFunction) { item, context in
            let (job, now) = try job(for: item, context: context, environment: environment)
            let work = try await job.workItems(now: now)
            return .array(
                work.enumerated().map { index, entry in
                    var parameters = item.parameters.objectValue ?? [:]
                    parameters["Item"] = entry
                    let label = "\(type(of: job).command) item \(index + 1) of \(work.count)"
                    return ActivityItem(
                        functionName: itemFunction,
                        parameters: .object(parameters),
                        extra: ["TaskName": .string(label)]
                    ).json
                }
            )
        }
        registry.registerActivity(itemFunction) { item, context in
            let (job, now) = try job(for: item, context: context, environment: environment)
            return .object(try await job.process(item.parameters["Item"] ?? .null, now: now).json)
        }
        registry.registerActivity(finishFunction) { item, context in
            let (job, now) = try job(for: item, context: context, environment: environment)
            let result = try await job.finish(counters(of: item), now: now)
            guard result.status != .failed else { throw BusinessJobsError(.invalidWorkItem, result.message) }
            return result.json
        }
    }

    /// Runs a command inline, or returns the orchestration that runs it.
    static func start(
        _ command: String,
        context: TimerCommandContext,
        environment: Environment
    ) async throws
        -> TimerCommandOutcome
    {
        let now = Timestamp(context.clock.now())
        let job = try makeJob(
            command,
            store: context.store,
            settings: context.settings,
            logger: context.logger,
            durable: context.durable,
            environment: environment
        )
        let inline = try context.settings.bool("LINKTOME_BUSINESS_JOBS_INLINE", default: false)
        if inline || context.durable == nil || command == HealthCheckOrchestrator.command
            || (command == BillingOrchestrator.command && context.settings["STRIPE_API_KEY"] == nil)
        {
            let result = try await job.runInline(now: now, logger: context.logger)
            guard result.status != .failed else { throw BusinessJobsError(.invalidWorkItem, result.message) }
            return .completed(result.json)
        }
        let parameters: JSONValue = ["Command": .string(command), "Now": .string(now.iso8601(fractionDigits: 9))]
        return .orchestration(
            OrchestratorInput(
                name: command,
                mode: .fanOut,
                queueFunction: ActivityItem(functionName: listFunction, parameters: parameters),
                postExecution: ActivityItem(functionName: finishFunction, parameters: parameters),
                maxAttempts: 3,
                maxConcurrency: 8
            )
        )
    }

    /// The job and instant an activity item names.
    private static func job(
        for item: ActivityItem,
        context: ActivityContext,
        environment: Environment
    ) throws
        -> (any BusinessJob, Timestamp)
    {
        guard let command = item.parameters["Command"]?.stringValue,
            let now = item.parameters["Now"]?.stringValue.flatMap({ Timestamp(iso8601: $0) })
        else {
            throw BusinessJobsError(.invalidWorkItem, "the item has no Command and Now: \(item.parameters.jsonText)")
        }
        let job = try makeJob(
            command,
            store: context.store,
            settings: context.settings,
            logger: context.logger,
            durable: nil,
            environment: environment
        )
        return (job, now)
    }

    /// The counters of the batch's results; failed items (from `Summary.Failed`) count as errors.
    static func counters(of item: ActivityItem) -> BusinessCounters {
        var counters = BusinessCounters()
        for result in item.results ?? [] { counters.merge(BusinessCounters(json: result)) }
        let summary = item.extra.first { $0.key.lowercased() == "summary" }?.value
        if let failed = summary?.member(caseInsensitive: "Failed")?.intValue, failed > 0 {
            counters.add("FailedItems", failed)
            counters.add("ErrorCount", failed)
        }
        return counters
    }

    /// Builds the job for `command` from the settings.
    public static func makeJob(
        _ command: String,
        store: any TableStore,
        settings: Settings,
        logger: Logger,
        durable: (any TimerDurableClient)?,
        environment: Environment = Environment()
    ) throws -> any BusinessJob {
        switch command.lowercased() {
        case SubscriptionCleanup.command.lowercased():
            return SubscriptionCleanup(store: store, options: try .init(settings: settings), logger: logger)
        case AnalyticsAggregation.command.lowercased():
            return AnalyticsAggregation(store: store, options: try .init(settings: settings), logger: logger)
        case BillingOrchestrator.command.lowercased():
            let transport = try environment.transport ?? HTTPClient(settings: settings)
            return BillingOrchestrator(
                store: store,
                stripe: try BillingOrchestrator.client(settings: settings, transport: transport),
                logger: logger
            )
        case ScheduledTaskOrchestrator.command.lowercased():
            return ScheduledTaskOrchestrator(store: store, options: try .init(settings: settings), logger: logger)
        case BackupOrchestrator.command.lowercased():
            let options = try BackupOrchestrator.Options(
                settings: settings,
                workingDirectory: environment.workingDirectory
            )
            return BackupOrchestrator(store: store, options: options, logger: logger)
        case HealthCheckOrchestrator.command.lowercased():
            return HealthCheckOrchestrator(
                store: store,
                durable: durable,
                options: try .init(settings: settings),
                logger: logger
            )
        default:
            throw BusinessJobsError(.invalidWorkItem, "'\(command)' is not a business command")
        }
    }
}
