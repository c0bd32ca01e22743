import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// `Start-DurableCleanup` (every 15 minutes; a stub in the original, a table-editing hack in CIPP):
/// keeps the task hub healthy through the runtime's own API.
///
/// 1. **Terminate** instances `Running` or `Pending` for longer than ``Configuration/maxRunning``
///    (default 24 hours), with a reason, as real durable terminations (no status rows rewritten).
/// 2. **Settle** timer status rows in `LinkTomeTimers` whose `OrchestratorId` names instances that
///    have all ended or vanished, so their timers can run again (see ``DurableTimerRows``). This
///    happens before the purge so a row learns its orchestration's real outcome.
/// 3. **Purge** `Completed`, `Failed` and `Terminated` instances created before the cutoff (now
///    minus ``Configuration/retentionDays``, default 7) in creation-time slices, walking back from
///    the cutoff until nothing is left or the time budget ends; slice widths adapt so each slice
///    purges about a thousand instances. A retention that puts the cutoff at or after now is refused.
public enum DurableCleanup {
    public static let command = "Start-DurableCleanup"
    /// Days to keep ended instances (default 7).
    public static let retentionDaysSetting = "LINKTOME_DURABLE_RETENTION_DAYS"
    /// Hours an instance may be running or pending before it is terminated (default 24).
    public static let maxRunningHoursSetting = "LINKTOME_DURABLE_MAX_RUNNING_HOURS"
    /// Seconds one run may spend (default 120); the next run continues where it stopped.
    public static let timeBudgetSetting = "LINKTOME_DURABLE_CLEANUP_BUDGET_SECONDS"
    /// The statuses that are purged.
    public static let purgedStatuses = ["Completed", "Failed", "Terminated"]
    /// The statuses that are terminated when too old.
    public static let stuckStatuses = ["Running", "Pending"]

    /// The job's settings; catalogue `Parameters` (`RetentionDays`, `MaxDuration` in seconds as in
    /// CIPP, `MaxRunningHours`, `TimeBudgetSeconds`) override them.
    public struct Configuration: Sendable, Equatable {
        /// Ended instances created more than this many days ago are purged.
        public var retentionDays: Int
        /// Seconds after which a running or pending instance is terminated.
        public var maxRunning: Double
        /// Seconds one run may spend purging and terminating.
        public var timeBudget: Double
        /// The first purge slice's width in seconds.
        public var initialSlice: Double = 3_600
        /// Instances one slice aims to purge; wider or narrower slices follow.
        public var targetPerSlice: Int = 1_000
        /// The widest slice, in seconds.
        public var maximumSlice: Double = 30 * 86_400

        public init(retentionDays: Int = 7, maxRunning: Double = 86_400, timeBudget: Double = 120) {
            self.retentionDays = retentionDays
            self.maxRunning = maxRunning
            self.timeBudget = timeBudget
        }

        /// Reads the settings. The retention is checked when the job runs (its cutoff must be in
        /// the past); the other two must be positive. Without ``DurableCleanup/maxRunningHoursSetting``
        /// the maximum age is the timers' `LINKTOME_ORCHESTRATION_MAX_AGE` (the age past which the
        /// timer guard reports an orchestration and leaves it to this job), 24 hours by default.
        public init(settings: Settings) throws(RetentionError) {
            let reader = RetentionSettingsReader(settings: settings)
            retentionDays = try reader.integer(retentionDaysSetting, default: 7, in: -36_500...36_500)
            if reader.text(maxRunningHoursSetting) != nil {
                maxRunning = Double(try reader.integer(maxRunningHoursSetting, default: 24, in: 1...87_600)) * 3_600
            } else {
                let name = TimerPolicy.orchestrationMaxAgeSetting
                maxRunning = try reader.seconds(name, default: 86_400, in: 1...315_360_000)
            }
            timeBudget = try reader.seconds(timeBudgetSetting, default: 120, in: 1...86_400)
        }

        /// These settings with the catalogue entry's parameters applied.
        public func applying(_ parameters: DurableCleanupParameters) throws(RetentionError) -> Configuration {
            var copy = self
            if let days = parameters.retentionDays { copy.retentionDays = days }
            if let seconds = parameters.maxDuration { copy.maxRunning = Double(seconds) }
            if let hours = parameters.maxRunningHours { copy.maxRunning = Double(hours) * 3_600 }
            if let budget = parameters.timeBudgetSeconds { copy.timeBudget = Double(budget) }
            guard copy.maxRunning > 0 else {
                throw .invalidSetting(
                    name: "MaxDuration",
                    value: String(copy.maxRunning),
                    expected: "a positive duration"
                )
            }
            guard copy.timeBudget > 0 else {
                throw .invalidSetting(
                    name: "TimeBudgetSeconds",
                    value: String(copy.timeBudget),
                    expected: "a positive number"
                )
            }
            return copy
        }
    }

    /// Runs the cleanup once at `now`.
    ///
    /// - Parameter timerPolicy: the timer retry policy a settled failure is scheduled under.
    /// - Throws: ``RetentionError/cutoffNotInPast(job:cutoff:now:)`` before touching anything when the
    ///   retention is zero or negative; errors reading the timer table.
    public static func run(
        client: any DurableMaintenanceClient,
        store: any TableStore,
        now: Date,
        configuration: Configuration = Configuration(),
        timerPolicy: TimerPolicy = TimerPolicy(),
        logger: Logger
    ) async throws -> RetentionSummary {
        let instant = Timestamp(now)
        let cutoff = RetentionTime.adding(-Int64(configuration.retentionDays) * RetentionTime.day, to: instant)
        guard cutoff < instant else {
            throw RetentionError.cutoffNotInPast(
                job: command,
                cutoff: RetentionTime.text(cutoff),
                now: RetentionTime.text(instant)
            )
        }
        var pass = DurableCleanupPass(
            client: client,
            now: now,
            configuration: configuration,
            deadline: ContinuousClock.now.advanced(by: .milliseconds(Int64(configuration.timeBudget * 1_000))),
            logger: logger
        )
        try await pass.terminateStuck()
        let rows = DurableTimerRows(store: store, client: client, policy: timerPolicy, now: now, logger: logger)
        let settled = try await rows.settle()
        pass.counts.absorb(settled)
        try await pass.purge(before: cutoff.date)
        return pass.summary(cutoff: cutoff)
    }
}

/// The parameters a catalogue entry may give `Start-DurableCleanup`.
public struct DurableCleanupParameters: Decodable, Sendable, Hashable {
    public var retentionDays: Int?
    /// Seconds, as CIPP's `MaxDuration`.
    public var maxDuration: Int?
    public var maxRunningHours: Int?
    public var timeBudgetSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case retentionDays = "RetentionDays"
        case maxDuration = "MaxDuration"
        case maxRunningHours = "MaxRunningHours"
        case timeBudgetSeconds = "TimeBudgetSeconds"
    }

    public init(
        retentionDays: Int? = nil,
        maxDuration: Int? = nil,
        maxRunningHours: Int? = nil,
        timeBudgetSeconds: Int? = nil
    ) {
        self.retentionDays = retentionDays
        self.maxDuration = maxDuration
        self.maxRunningHours = maxRunningHours
        self.timeBudgetSeconds = timeBudgetSeconds
    }
}
