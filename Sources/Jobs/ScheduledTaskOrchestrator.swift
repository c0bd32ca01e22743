import Cron
import Foundation
import LinkTomeCore
import TableStorage

/// `Start-ScheduledTaskOrchestrator` (every 15 minutes): LinkTome's user-scheduled work.
///
/// 1. **Scheduled links** (one work item): links with `ScheduleEnabled` become active when their
///    `ScheduleStart` passes and inactive at `ScheduleEnd`, read in the owner's time zone (`Users.TimeZone`)
///    when the text has no offset, else UTC. The phase applied is stored (`ScheduleAppliedPhase`), so a
///    link changes only at its transitions and an owner's manual toggle inside a phase is respected.
///    Links the tier cleanup flagged (`ScheduleExceedsTier`, `ExceedsTierLimit`) are left alone.
/// 2. **Scheduled tasks** (items of task keys): rows of `ScheduledTasks` (PartitionKey = owner id)
///    that are due are claimed with an ETag-conditional write (`TaskState=Running`, a lease), so only
///    one runner executes them; a one-off task ends `Completed` and never runs again; a recurring task
///    (`Recurrence`: interval or cron, in the task's or owner's `TimeZone`) is planned at its next
///    occurrence, missed periods skipped; a failure records `LastError` and retries after a doubling
///    backoff until `MaxAttempts` (default 5), after which a one-off task ends `Failed`. A task whose
///    runner died is reclaimed when its lease expires.
public struct ScheduledTaskOrchestrator: BusinessJob {
    public static let command = "Start-ScheduledTaskOrchestrator"

    /// Tuning, from app settings.
    public struct Options: Sendable, Equatable {
        /// `SCHEDULED_TASK_LEASE_SECONDS` (default 900): how long a claim holds before it may be retaken.
        public var leaseSeconds: Int
        /// `SCHEDULED_TASK_MAX_ATTEMPTS` (default 5), unless the row sets `MaxAttempts`.
        public var maxAttempts: Int
        /// Tasks per work item (default 50).
        public var tasksPerItem: Int

        public init(leaseSeconds: Int = 900, maxAttempts: Int = 5, tasksPerItem: Int = 50) {
            self.leaseSeconds = leaseSeconds
            self.maxAttempts = maxAttempts
            self.tasksPerItem = tasksPerItem
        }

        public init(settings: Settings) throws {
            self.init(
                leaseSeconds: try settings.integer("SCHEDULED_TASK_LEASE_SECONDS", default: 900),
                maxAttempts: try settings.integer("SCHEDULED_TASK_MAX_ATTEMPTS", default: 5)
            )
            guard leaseSeconds > 0, maxAttempts > 0 else {
                throw BusinessJobsError(
                    .invalidSetting,
                    "SCHEDULED_TASK_LEASE_SECONDS and SCHEDULED_TASK_MAX_ATTEMPTS must be positive"
                )
            }
        }
    }

    public let store: any TableStore
    public let options: Options
    public let logger: Logger

    public init(store: any TableStore, options: Options = Options(), logger: Logger) {
        self.store = store
        self.options = options
        self.logger = logger
    }

    public func workItems(now: Timestamp) async throws -> [JSONValue] {
        let states = [ScheduledTaskRules.planned, ScheduledTaskRules.retrying, ScheduledTaskRules.running]
        var filter = TableFilter.equal("TaskState", .string(states[0]))
        for state in states.dropFirst() { filter = filter || .equal("TaskState", .string(state)) }
        var keys: [TableEntityKey] = []
        try await BusinessTables.forEach(store, ScheduledTaskRules.table, filter: filter) { task in
            if ScheduledTaskRules.claimReason(task, now: now) != nil { keys.append(task.key) }
        }
        return [.object(["Links": .bool(true)])]
            + WorkItemKeys.chunked(keys, size: options.tasksPerItem, field: "Tasks")
    }

    public func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters {
        if item["Links"]?.boolValue == true {
            return try await ScheduledLinks(store: store, logger: logger).apply(now: now)
        }
        var counters = BusinessCounters()
        var zones = OwnerZones()
        for key in try WorkItemKeys.decode(item["Tasks"], field: "Tasks") {
            do {
                try await runTask(key, now: now, zones: &zones, counters: &counters)
            } catch {
                counters.add("ErrorCount")
                logger.error("scheduled task failed to update", metadata: ["task": key.rowKey, "error": "\(error)"])
            }
        }
        return counters
    }

    public func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult {
        var all = BusinessCounters(["TasksRun": 0, "TasksCompleted": 0, "TasksFailed": 0, "ErrorCount": 0])
        all.merge(counters)
        let message =
            "Scheduled tasks: \(all["TasksRun"]) run, \(all["TasksCompleted"]) completed, \(all["TasksRetrying"]) "
            + "retrying, \(all["TasksFailed"]) failed; links: \(all["LinksActivated"]) activated, "
            + "\(all["LinksDeactivated"]) deactivated"
        return BusinessJobResult(message: message, counters: all)
    }
}
