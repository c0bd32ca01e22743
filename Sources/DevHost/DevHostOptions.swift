import Foundation
import LinkTomeCore

/// How a ``DevHost`` runs.
public struct DevHostOptions: Sendable {
    /// The Functions app root: `host.json`, the function folders, the catalogue.
    public var appRoot: String
    /// The SQLite database shared with the handler.
    public var storePath: String
    /// The handler executable and its arguments (no arguments = serve).
    public var handlerCommand: [String]
    /// App settings: the environment the handler inherits, before the host's own variables.
    public var settings: Settings
    /// Extra variables for the handler only (they win over `settings`).
    public var handlerEnvironment: [String: String] = [:]
    /// The webhook API's port; 0 picks a free one.
    public var webhookPort = 0
    /// The webhook API's system key (`code=`); a random one when `nil`.
    public var webhookKey: String?
    /// Seconds added to the system clock, for the host and the handler (`--at`).
    public var timeOffset: Double = 0
    /// Episodes and activities run at once; `nil` takes `host.json`'s values, else 10 per core.
    public var maxConcurrentOrchestrations: Int?
    public var maxConcurrentActivities: Int?
    /// How often the queues are polled when nothing woke them, in milliseconds.
    public var pollMilliseconds = 200
    public var logger: Logger
    /// Receives the handler's output lines (and whether they came from stderr).
    public var handlerOutput: @Sendable (String, Bool) -> Void

    public init(
        appRoot: String,
        storePath: String,
        handlerCommand: [String],
        settings: Settings,
        logger: Logger,
        handlerOutput: @escaping @Sendable (String, Bool) -> Void
    ) {
        self.appRoot = appRoot
        self.storePath = storePath
        self.handlerCommand = handlerCommand
        self.settings = settings
        self.logger = logger
        self.handlerOutput = handlerOutput
    }

    /// The setting that marks a handler started by the development host.
    public static let devHostSetting = "LINKTOME_DEVHOST"
    /// The setting that shifts the handler's clock by this many seconds (set for `--at`).
    public static let timeOffsetSetting = "LINKTOME_DEVHOST_TIME_OFFSET"

    /// The path of the running executable (`/proc/self/exe`), which serves the handler when run
    /// without arguments.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// The system clock shifted by a fixed number of seconds.
public struct OffsetTimeSource: TimeSource {
    public let offset: Double

    public init(offset: Double) {
        self.offset = offset
    }

    public func now() -> Date { Date().addingTimeInterval(offset) }
}
