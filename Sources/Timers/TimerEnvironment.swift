import Foundation
import LinkTomeCore
import TableStorage

#if canImport(Glibc)
    import Glibc
#endif

/// What the tick, a manual run and the orchestration functions share: the store, the durable
/// client, the registered Swift code, settings, clock and logger.
public struct TimerEnvironment: Sendable {
    public var store: any TableStore
    public var durable: (any TimerDurableClient)?
    public var registry: TimerRegistry
    public var settings: Settings
    public var clock: any TimeSource
    public var logger: Logger
    public var policy: TimerPolicy
    /// Names this process in `ClaimOwner` (host and process id); each run adds a unique suffix.
    public var instanceName: String

    public init(
        store: any TableStore,
        durable: (any TimerDurableClient)?,
        registry: TimerRegistry,
        settings: Settings,
        clock: any TimeSource = SystemTimeSource(),
        logger: Logger,
        policy: TimerPolicy? = nil,
        instanceName: String? = nil
    ) {
        self.store = store
        self.durable = durable
        self.registry = registry
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.policy = policy ?? TimerPolicy(settings: settings)
        self.instanceName = instanceName ?? Self.defaultInstanceName(settings: settings)
    }

    /// The Functions instance id (shortened) or the host name, and the process id.
    public static func defaultInstanceName(settings: Settings) -> String {
        let host =
            settings["WEBSITE_INSTANCE_ID"].map { String($0.prefix(12)) }
            ?? settings.first("COMPUTERNAME", "HOSTNAME")
            ?? ProcessInfo.processInfo.hostName
        return "\(host)/\(getpid())"
    }

    /// A claim owner unique to one run: the instance name and a random suffix.
    func newClaimOwner() -> String {
        instanceName + "/" + UUID().uuidString.prefix(8).lowercased()
    }
}

/// The orchestration instance id of a run: `<timer id>:<occurrence>` (ISO 8601, UTC), with
/// `:attempt-<n>` for retries and `:manual` for operator runs, so a repeated start of the same run
/// names the same instance.
public enum TimerInstanceId {
    public static func make(timerId: String, occurrence: Date, attempt: Int = 1, manual: Bool = false) -> String {
        var id = timerId + ":" + Timestamp(occurrence).iso8601Trimmed
        if manual { id += ":manual" }
        if attempt > 1 { id += ":attempt-\(attempt)" }
        return id
    }
}
