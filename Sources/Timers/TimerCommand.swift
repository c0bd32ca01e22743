import Foundation
import LinkTomeCore
import TableStorage

/// What a timer command returns: a summary of work done, or a request to do the work in an
/// orchestration (the tick starts it under a deterministic instance id and records `Started`).
///
/// A command that fails throws; the status row then says `Failed` with the error's description.
public enum TimerCommandOutcome: Sendable, Hashable {
    /// The work is done; the value is recorded (truncated) as the row's `LastResult`.
    case completed(JSONValue)
    /// Start `LinkTomeOrchestrator` with this input; the row stays `Started` until it ends.
    case orchestration(OrchestratorInput)
}

/// How the run of a timer command came about.
public enum TimerRunTrigger: Sendable, Hashable {
    /// The tick found the occurrence due.
    case schedule
    /// The tick retried an occurrence whose earlier attempt failed.
    case retry
    /// An operator ran the timer (`linktome timers run`); the name of who asked.
    case manual(by: String)
    /// An orchestration ran the command as a work item (`Command` item of `LinkTomeActivity`).
    case orchestration(instanceId: String)

    /// `Schedule`, `Retry` or `Manual`, as written to the row's `Trigger` column.
    public var label: String {
        switch self {
        case .schedule: return "Schedule"
        case .retry: return "Retry"
        case .manual: return "Manual"
        case .orchestration: return "Orchestration"
        }
    }
}

/// Everything a timer command may use. Commands never read the system clock: `clock` and
/// `occurrence` say what time it is and which scheduled time is being served.
public struct TimerCommandContext: Sendable {
    /// The app's table store (the same one that holds the timer status rows).
    public var store: any TableStore
    /// Starts and inspects orchestrations; `nil` where no durable endpoint is available (the
    /// command line without a host), in which case `.orchestration` outcomes fail clearly.
    public var durable: (any TimerDurableClient)?
    /// Logs with `timer.id`, `timer.command` and `timer.occurrence` metadata already attached.
    public var logger: Logger
    /// The injected clock.
    public var clock: any TimeSource
    /// The app settings.
    public var settings: Settings
    /// The catalogue entry being run.
    public var timer: TimerDefinition
    /// The cron occurrence being served (for a manual run: the time the operator asked).
    public var occurrence: Date
    /// Why this run happens.
    public var trigger: TimerRunTrigger
    /// 1 for the first run of an occurrence, 2 and up for retries.
    public var attempt: Int
    /// The orchestration instance id this run uses if it returns `.orchestration`.
    public var instanceId: String

    public init(
        store: any TableStore,
        durable: (any TimerDurableClient)?,
        logger: Logger,
        clock: any TimeSource,
        settings: Settings,
        timer: TimerDefinition,
        occurrence: Date,
        trigger: TimerRunTrigger,
        attempt: Int,
        instanceId: String
    ) {
        self.store = store
        self.durable = durable
        self.logger = logger
        self.clock = clock
        self.settings = settings
        self.timer = timer
        self.occurrence = occurrence
        self.trigger = trigger
        self.attempt = attempt
        self.instanceId = instanceId
    }

    /// The current time from the injected clock.
    public var now: Date { clock.now() }
}

/// A timer command written as a type: the catalogue's `Command` name, typed parameters decoded from
/// the entry's `Parameters`, and the work.
///
/// ```swift
/// struct RateLimitCleanup: TimerCommand {
///     struct Parameters: Decodable, Sendable { var idleHours: Int? }
///     static let name = "Start-RateLimitCleanup"
///     func run(_ parameters: Parameters, context: TimerCommandContext) async throws -> TimerCommandOutcome {
///         .completed(["DeletedCount": 0])
///     }
/// }
/// registry.register(RateLimitCleanup())
/// ```
public protocol TimerCommand: Sendable {
    /// The parameters, decoded from the catalogue's `Parameters` object (missing or `{}` decodes
    /// from an empty object, so give optional members defaults).
    associatedtype Parameters: Decodable & Sendable = NoParameters

    /// The name the catalogue's `Command` uses, e.g. `Start-RateLimitCleanup`.
    static var name: String { get }

    /// Does the work, or returns the orchestration that will.
    func run(_ parameters: Parameters, context: TimerCommandContext) async throws -> TimerCommandOutcome
}

/// Parameters of a command that takes none; any object decodes to it.
public struct NoParameters: Decodable, Sendable, Hashable {
    public init() {}
    public init(from decoder: any Decoder) throws {}
}

/// A command as the registry keeps it: its name, a parameter check and the type-erased work.
public struct RegisteredCommand: Sendable {
    /// The name as registered.
    public let name: String
    let check: @Sendable (JSONValue) throws(TimersError) -> Void
    let work: @Sendable (JSONValue, TimerCommandContext) async throws -> TimerCommandOutcome

    /// Validates `parameters` as the command would decode them (the catalogue does this at load).
    public func validate(_ parameters: JSONValue) throws(TimersError) {
        try check(parameters)
    }

    /// Decodes `parameters` and runs the command.
    public func run(_ parameters: JSONValue, context: TimerCommandContext) async throws -> TimerCommandOutcome {
        try await work(parameters, context)
    }
}
