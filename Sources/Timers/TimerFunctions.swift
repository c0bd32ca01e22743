import Durable
import Foundation
import FunctionsHandler
import LinkTomeCore
import TableStorage

/// The app's three Functions entrypoints, in the roles of the PowerShell app's
/// `Receive-LinkTomeTimerTrigger`, `Receive-LinkTomeOrchestrationTrigger` and
/// `Receive-LinkTomeActivityTrigger`.
///
/// - `LinkTomeTimer` (bindings `Timer`, `starter`): loads the catalogue and runs one tick.
/// - `LinkTomeOrchestrator` (binding `Context`): runs an episode of ``LinkTomeOrchestrator``.
/// - `LinkTomeActivity` (binding `Item`): runs one item through ``LinkTomeActivity``.
public struct TimerFunctions: Sendable {
    public static let timerFunction = "LinkTomeTimer"
    public static let orchestratorFunction = LinkTomeOrchestrator.name
    public static let activityFunction = LinkTomeOrchestrator.activityName

    /// Builds the durable client from the timer's `starter` binding value; throws when it cannot.
    public typealias DurableClientFactory = @Sendable (JSONValue?, Settings) throws -> any TimerDurableClient

    public var store: any TableStore
    public var registry: TimerRegistry
    public var settings: Settings
    public var clock: any TimeSource
    /// The catalogue file, read at every tick so that a deployment's edits apply at once.
    public var cataloguePath: String
    public var makeDurableClient: DurableClientFactory?

    public init(
        store: any TableStore,
        registry: TimerRegistry,
        settings: Settings,
        clock: any TimeSource = SystemTimeSource(),
        cataloguePath: String,
        makeDurableClient: DurableClientFactory?
    ) {
        self.store = store
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.cataloguePath = cataloguePath
        self.makeDurableClient = makeDurableClient
    }

    /// Registers the three functions.
    public func register(in app: FunctionsApp) {
        app.register(Self.timerFunction) { invocation in try await timerTick(invocation) }
        app.register(Self.orchestratorFunction) { invocation in try await orchestration(invocation) }
        app.register(Self.activityFunction) { invocation in await activity(invocation) }
    }

    /// One tick; fails the invocation only when the status table cannot be used at all.
    public func timerTick(_ invocation: Invocation) async throws -> InvocationResult {
        let logger = invocation.logger
        var info: TimerInfo?
        if let value = invocation.input("Timer"), !value.isNull {
            do {
                info = try TimerInfo(value)
            } catch {
                // The tick does not depend on it: the schedule and the status rows decide what runs.
                logger.warning(
                    "the timer trigger's TimerInfo cannot be read; the tick runs anyway",
                    metadata: ["error": error.description, "value": String(value.jsonText.prefix(200))]
                )
            }
        }
        logger.info(
            "timer fired",
            metadata: [
                "timer.past_due": "\(info?.isPastDue ?? false)",
                "timer.next": info?.scheduleStatus?.next.map(\.description) ?? "unknown",
            ]
        )

        let catalogue = TimerCatalogue.load(path: cataloguePath, registry: registry)
        let report = await TimerService(
            environment: environment(logger: logger, durable: durableClient(invocation, logger: logger)),
            catalogue: catalogue
        ).tick()
        if let failure = report.failure { throw TimersError.storageUnavailable(failure) }
        // The report, for a local host's summary; Azure ignores a timer function's return value.
        let invalid = catalogue.problems.filter { $0.severity == .skipped && $0.id != nil }
        return InvocationResult(returnValue: .string(report.json(invalid: invalid).jsonText))
    }

    /// One orchestrator episode; the answer is the base64 `OrchestratorResponse`.
    public func orchestration(_ invocation: Invocation) async throws -> InvocationResult {
        var orchestrators = OrchestratorRegistry()
        LinkTomeOrchestrator.register(in: &orchestrators)
        let answer = try await OrchestrationEngine.run(
            data: invocation.data,
            binding: "Context",
            registry: orchestrators,
            settings: settings,
            logger: invocation.logger
        )
        return InvocationResult(returnValue: .string(answer))
    }

    /// One activity item; failures travel in the Durable module's failure envelope.
    public func activity(_ invocation: Invocation) async -> InvocationResult {
        let instanceId = ActivityInput.instanceId(metadata: invocation.metadata) ?? ""
        let runner = LinkTomeActivity(
            environment: environment(logger: invocation.logger, durable: nil),
            catalogue: TimerCatalogue.load(path: cataloguePath, registry: registry)
        )
        let outcome = await ActivityExecution.run(
            data: invocation.data,
            binding: "Item",
            name: invocation.functionName,
            logger: invocation.logger
        ) { input in
            try await runner.run(input.value, instanceId: instanceId)
        }
        return InvocationResult(returnValue: outcome.returnValue)
    }

    func environment(logger: Logger, durable: (any TimerDurableClient)?) -> TimerEnvironment {
        TimerEnvironment(
            store: store,
            durable: durable,
            registry: registry,
            settings: settings,
            clock: clock,
            logger: logger
        )
    }

    /// The durable client of this tick; without one, commands that return orchestrations fail clearly.
    private func durableClient(_ invocation: Invocation, logger: Logger) -> (any TimerDurableClient)? {
        guard let makeDurableClient else {
            logger.warning("no durable client is configured; orchestration commands will fail")
            return nil
        }
        do {
            return try makeDurableClient(invocation.input("starter"), settings)
        } catch {
            logger.warning("durable client binding unusable", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
