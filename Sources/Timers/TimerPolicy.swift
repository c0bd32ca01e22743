import Cron
import Foundation
import LinkTomeCore

/// The app settings that shape the tick, with their defaults. A malformed setting falls back to
/// its default and is listed in ``problems`` (logged at every tick), so a typo cannot stop timers.
public struct TimerPolicy: Sendable {
    /// Whether this instance runs timers marked `RunOnProcessor` (`LINKTOME_PROCESSOR`, default true).
    public var isProcessor = true
    /// How late a missed occurrence may still run (`LINKTOME_TIMER_CATCHUP_WINDOW`, default 6 h).
    public var catchUpWindow: TimeInterval = 6 * 3_600
    /// Occurrences this close ahead of the tick count as due, for triggers that fire a little early
    /// (`LINKTOME_TIMER_EARLY_TOLERANCE`, default 5 s).
    public var earlyTolerance: TimeInterval = 5
    /// Retries of a failed occurrence (`LINKTOME_TIMER_MAX_RETRIES`, default 2; 0 turns them off).
    public var maxRetries = 2
    /// Delay before the first retry, doubled for each further one (`LINKTOME_TIMER_RETRY_DELAY`, 5 min).
    public var retryDelay: TimeInterval = 300
    /// The longest retry delay (1 h).
    public var maxRetryDelay: TimeInterval = 3_600
    /// The longest an inline command may run before it is abandoned and marked failed
    /// (`LINKTOME_TIMER_RUN_TIMEOUT`, default 8 min, inside the host's 10-minute function timeout).
    public var runTimeout: TimeInterval = 480
    /// How long a claim lasts beyond the run timeout before another tick may take over.
    public var claimMargin: TimeInterval = 120
    /// How many timers run at once (`LINKTOME_TIMER_CONCURRENCY`, default 4).
    public var concurrency = 4
    /// After this long a tick starts no more timers and leaves them to the next tick
    /// (`LINKTOME_TIMER_TICK_BUDGET`, default 8 min).
    public var tickBudget: TimeInterval = 480
    /// An orchestration running longer than this is reported (`LINKTOME_ORCHESTRATION_MAX_AGE`, 24 h).
    public var orchestrationMaxAge: TimeInterval = 86_400
    /// The zone schedules are read in (`WEBSITE_TIME_ZONE`, then `TZ`, else UTC).
    public var timeZone: TimeZone = CronTimeZone.utc
    /// Settings that were malformed and replaced by their defaults.
    public var problems: [String] = []

    public static let processorSetting = "LINKTOME_PROCESSOR"
    public static let catchUpWindowSetting = "LINKTOME_TIMER_CATCHUP_WINDOW"
    public static let earlyToleranceSetting = "LINKTOME_TIMER_EARLY_TOLERANCE"
    public static let maxRetriesSetting = "LINKTOME_TIMER_MAX_RETRIES"
    public static let retryDelaySetting = "LINKTOME_TIMER_RETRY_DELAY"
    public static let runTimeoutSetting = "LINKTOME_TIMER_RUN_TIMEOUT"
    public static let concurrencySetting = "LINKTOME_TIMER_CONCURRENCY"
    public static let tickBudgetSetting = "LINKTOME_TIMER_TICK_BUDGET"
    public static let orchestrationMaxAgeSetting = "LINKTOME_ORCHESTRATION_MAX_AGE"

    /// The defaults.
    public init() {}

    /// Reads the settings.
    public init(settings: Settings) {
        isProcessor =
            read { () throws(SettingsError) in try settings.bool(Self.processorSetting, default: true) }
            ?? isProcessor
        catchUpWindow = duration(settings, Self.catchUpWindowSetting, catchUpWindow)
        earlyTolerance = duration(settings, Self.earlyToleranceSetting, earlyTolerance)
        maxRetries = count(settings, Self.maxRetriesSetting, maxRetries, minimum: 0)
        retryDelay = duration(settings, Self.retryDelaySetting, retryDelay)
        runTimeout = duration(settings, Self.runTimeoutSetting, runTimeout)
        concurrency = count(settings, Self.concurrencySetting, concurrency, minimum: 1)
        tickBudget = duration(settings, Self.tickBudgetSetting, tickBudget)
        orchestrationMaxAge = duration(settings, Self.orchestrationMaxAgeSetting, orchestrationMaxAge)
        do {
            timeZone = try CronTimeZone.resolve(settings: settings)
        } catch {
            problems.append(error.description + "; schedules are read in UTC")
        }
    }

    /// How long a claim lasts: the run timeout plus a margin.
    public var claimDuration: TimeInterval { runTimeout + claimMargin }

    /// The delay before retry number `retry` (1 = first retry).
    public func retryDelay(forRetry retry: Int) -> TimeInterval {
        let factor = pow(2.0, Double(max(0, min(retry - 1, 20))))
        return min(retryDelay * factor, maxRetryDelay)
    }

    private mutating func read<Value>(_ body: () throws(SettingsError) -> Value) -> Value? {
        do {
            return try body()
        } catch {
            problems.append(error.description + "; the default is used")
            return nil
        }
    }

    private mutating func duration(_ settings: Settings, _ name: String, _ fallback: TimeInterval) -> TimeInterval {
        let value = read { () throws(SettingsError) in try settings.seconds(name, default: fallback) } ?? fallback
        guard value >= 0 else {
            problems.append("setting \(name) must not be negative; the default is used")
            return fallback
        }
        return value
    }

    private mutating func count(_ settings: Settings, _ name: String, _ fallback: Int, minimum: Int) -> Int {
        let value = read { () throws(SettingsError) in try settings.integer(name, default: fallback) } ?? fallback
        guard value >= minimum else {
            problems.append("setting \(name) must be at least \(minimum); the default is used")
            return fallback
        }
        return value
    }
}
