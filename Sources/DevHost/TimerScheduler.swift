import Cron
import Foundation
import LinkTomeCore
import TableStorage

/// The schedule monitor's record for one timer function (the host keeps it in a blob,
/// `timers/{hostId}/{function}/status`; the development host keeps it in table
/// `DevHostScheduleStatus`, PartitionKey = host id, RowKey = function name).
public struct ScheduleStatus: Sendable, Hashable {
    public var last: Timestamp?
    public var next: Timestamp?
    public var lastUpdated: Timestamp?

    public init(last: Timestamp?, next: Timestamp?, lastUpdated: Timestamp?) {
        self.last = last
        self.next = next
        self.lastUpdated = lastUpdated
    }

    /// The `ScheduleStatus` object of a `TimerInfo`.
    var json: JSONValue {
        [
            "Last": .string(last.map { HostEnvelope.hostDate($0) } ?? HostEnvelope.never),
            "Next": .string(next.map { HostEnvelope.hostDate($0) } ?? HostEnvelope.never),
            "LastUpdated": .string(lastUpdated.map { HostEnvelope.hostDate($0) } ?? HostEnvelope.never),
        ]
    }
}

/// Fires one `timerTrigger` function as the timer extension does (cron.md §4): on its schedule,
/// with a `TimerInfo` payload built from the monitor's status, one catch-up run with `IsPastDue`
/// after downtime, and the status written after every run.
public struct TimerScheduler: Sendable {
    public static let statusTable = "DevHostScheduleStatus"
    public static let hostId = "linktome-devhost"

    let core: HostCore
    let function: AppLayout.TimerFunction
    let schedule: CronSchedule
    let zone: TimeZone
    /// The durable client descriptor to bind, when the function has a `durableClient` input.
    let clientDescriptor: @Sendable () -> String

    init(
        core: HostCore,
        function: AppLayout.TimerFunction,
        zone: TimeZone,
        clientDescriptor: @escaping @Sendable () -> String
    ) throws(DevHostError) {
        self.core = core
        self.function = function
        self.zone = zone
        self.clientDescriptor = clientDescriptor
        do {
            schedule = try CronSchedule(parsing: function.schedule)
        } catch {
            throw .appLayout("\(function.name)/function.json: schedule '\(function.schedule)': \(error)")
        }
    }

    /// Whether the schedule monitor is on: `useMonitor` from function.json, turned off (as the
    /// host does) for schedules that fire more than once a minute.
    var monitors: Bool {
        guard function.useMonitor else { return false }
        let now = core.clock.now()
        guard let first = schedule.nextOccurrence(after: now, in: zone),
            let second = schedule.nextOccurrence(after: first, in: zone)
        else { return true }
        return second.timeIntervalSince(first) >= 60
    }

    /// The stored status, or `nil`.
    func readStatus() async throws(DevHostError) -> ScheduleStatus? {
        try await core.durable.storage("read the schedule status of \(function.name)") {
            _ = try await core.durable.store.createTableIfNotExists(Self.statusTable)
            guard
                let row = try await core.durable.store.get(
                    from: Self.statusTable,
                    partitionKey: Self.hostId,
                    rowKey: function.name
                )
            else { return nil }
            return ScheduleStatus(
                last: Self.date(row["Last"]),
                next: Self.date(row["Next"]),
                lastUpdated: Self.date(row["LastUpdated"])
            )
        }
    }

    func writeStatus(_ status: ScheduleStatus) async throws(DevHostError) {
        var properties: [String: TableValue] = [:]
        if let last = status.last { properties["Last"] = .dateTime(last) }
        if let next = status.next { properties["Next"] = .dateTime(next) }
        if let updated = status.lastUpdated { properties["LastUpdated"] = .dateTime(updated) }
        let entity = TableEntity(partitionKey: Self.hostId, rowKey: function.name, properties: properties)
        try await core.durable.storage("write the schedule status of \(function.name)") {
            _ = try await core.durable.store.createTableIfNotExists(Self.statusTable)
            _ = try await core.durable.store.upsert(entity, in: Self.statusTable, mode: .replace)
        }
    }

    /// The next occurrence strictly after `instant`.
    func next(after instant: Timestamp) -> Timestamp? {
        schedule.nextOccurrence(after: instant.date, in: zone).map(Timestamp.init)
    }

    /// The startup check (`ScheduleMonitor.CheckPastDueAsync`): whether a run was missed, and the
    /// status to use from now on (written when it changed).
    func checkPastDue(now: Timestamp) async throws(DevHostError) -> (pastDue: Bool, status: ScheduleStatus) {
        guard monitors else { return (false, ScheduleStatus(last: nil, next: next(after: now), lastUpdated: nil)) }
        guard let stored = try await readStatus() else {
            let fresh = ScheduleStatus(last: nil, next: next(after: now), lastUpdated: now)
            try await writeStatus(fresh)
            return (false, fresh)
        }
        guard let base = stored.last ?? stored.lastUpdated else { return (false, stored) }
        var status = stored
        var expected = next(after: base)
        if expected != stored.next {
            if let recomputed = expected, recomputed < now { expected = next(after: now) }
            status = ScheduleStatus(last: nil, next: expected, lastUpdated: now)
            try await writeStatus(status)
        }
        guard let due = status.next else { return (false, status) }
        return (now > due, status)
    }

    /// Invokes the timer function once and records the run in the status.
    ///
    /// - Parameters:
    ///   - pastDue: the catch-up run after downtime.
    ///   - status: the status before this run (the payload's `ScheduleStatus`).
    ///   - runAll: asks the handler, through the development host's metadata key, to run every
    ///     timer regardless of its schedule.
    @discardableResult
    func fire(
        now: Timestamp,
        pastDue: Bool,
        status: ScheduleStatus,
        runAll: Bool,
        scheduled: Bool = false
    ) async throws(DevHostError) -> InvocationOutcome {
        var payload = status
        if !pastDue {
            let floor = now.date.addingTimeInterval(-400 * 86_400)
            let occurrence = schedule.previousOccurrence(atOrBefore: now.date, notBefore: floor, in: zone)
            payload.next = occurrence.map(Timestamp.init) ?? now
        }
        let timerInfo: JSONValue = [
            "Schedule": ["AdjustForDST": true],
            "ScheduleStatus": monitors ? payload.json : .null,
            "IsPastDue": .bool(pastDue),
        ]
        let body = HostEnvelope.timerBody(
            functionName: function.name,
            timerBinding: function.binding,
            timerInfo: timerInfo,
            clientBinding: function.clientBinding,
            clientDescriptor: clientDescriptor(),
            now: now.date,
            devHostRequest: runAll ? ["RunAll": true] : nil
        )
        let outcome = await core.invoker.invoke(function.name, body: body, context: ["timer.past_due": "\(pastDue)"])

        // Skew guard: a scheduled run that fired before its time counts as that time.
        var last = now
        if scheduled, let due = status.next, now < due { last = due }
        let after = ScheduleStatus(last: last, next: next(after: last), lastUpdated: last)
        if monitors { try await writeStatus(after) }
        return outcome
    }

    /// Fires the function on its schedule until the task is cancelled: first the past-due catch-up
    /// (or `runOnStartup`), then at every occurrence.
    func run() async throws(DevHostError) {
        var (pastDue, status) = try await checkPastDue(now: core.now())
        if pastDue || function.runOnStartup {
            try await fire(now: core.now(), pastDue: pastDue, status: status, runAll: false)
            status = try await readStatus() ?? status
        }
        while !Task.isCancelled {
            guard let due = status.next ?? next(after: core.now()) else {
                core.logger.warning("timer schedule never fires again", metadata: ["function.name": function.name])
                return
            }
            core.logger.info(
                "next timer occurrence",
                metadata: ["function.name": function.name, "at": due.iso8601Trimmed]
            )
            while !Task.isCancelled {
                let wait = due.date.timeIntervalSince(core.clock.now())
                if wait <= 0 { break }
                try? await Task.sleep(for: .milliseconds(Int(min(wait, 30) * 1_000) + 1))
            }
            guard !Task.isCancelled else { return }
            try await fire(now: core.now(), pastDue: false, status: status, runAll: false, scheduled: true)
            status = try await readStatus() ?? ScheduleStatus(last: due, next: next(after: due), lastUpdated: due)
            if !monitors { status = ScheduleStatus(last: due, next: next(after: due), lastUpdated: due) }
        }
    }

    private static func date(_ value: TableValue?) -> Timestamp? {
        if case .dateTime(let date)? = value { return date }
        return nil
    }
}
