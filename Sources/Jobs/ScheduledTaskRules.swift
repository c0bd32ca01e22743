import Cron
import Foundation
import LinkTomeCore
import TableStorage

/// How a `ScheduledTasks` row repeats: once, every fixed interval, or on a cron schedule.
enum TaskRecurrence: Sendable, Equatable {
    case once
    case every(seconds: Int64)
    case cron(CronSchedule)

    /// Reads `Recurrence`: empty or `0` = once; `<n>m`, `<n>h`, `<n>d` or a bare number of days;
    /// otherwise a 5- or 6-field cron expression.
    init(parsing raw: String?) throws(BusinessJobsError) {
        let text = (raw ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if text.isEmpty || text == "0" {
            self = .once
            return
        }
        if let interval = Self.interval(text) {
            self = .every(seconds: interval)
            return
        }
        do {
            self = .cron(try CronSchedule(parsing: text))
        } catch {
            throw BusinessJobsError(
                .invalidRow,
                "Recurrence '\(raw ?? "")' is neither an interval nor a cron expression: \(error)"
            )
        }
    }

    private static func interval(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["m": 60, "h": 3_600, "d": 86_400]
        var digits = Substring(text)
        var unit: Int64 = 86_400
        if let last = text.last, let seconds = units[last] {
            digits = text.dropLast()
            unit = seconds
        }
        guard let count = Int64(digits), count > 0, count < 100_000 else { return nil }
        return count * unit
    }

    /// The first occurrence after `now`. Missed periods are skipped, not replayed: an interval
    /// task due long ago runs once and then continues from now.
    func next(after scheduled: Timestamp, now: Timestamp, zone: TimeZone) -> Timestamp? {
        switch self {
        case .once:
            return nil
        case .every(let seconds):
            let behind = max(0, now.seconds - scheduled.seconds)
            let steps = behind / seconds + 1
            return Timestamp(seconds: scheduled.seconds + steps * seconds)
        case .cron(let schedule):
            return schedule.nextOccurrence(after: now.date, in: zone).map(Timestamp.init)
        }
    }
}

/// The states of a scheduled task and the rules between them.
enum ScheduledTaskRules {
    static let table = "ScheduledTasks"
    static let planned = "Planned"
    static let running = "Running"
    static let retrying = "Retrying"
    static let completed = "Completed"
    static let failed = "Failed"

    /// When the task is next due: `NextRunAt`, else `ScheduledTime`.
    static func due(_ task: TableEntity) -> Timestamp? {
        BusinessFields.instant(task["NextRunAt"]) ?? BusinessFields.instant(task["ScheduledTime"])
    }

    /// Why the task should be claimed now, or `nil`: planned or retrying and due, or running with
    /// an expired lease (its runner died). Completed and failed tasks never run again.
    static func claimReason(_ task: TableEntity, now: Timestamp) -> String? {
        let state = BusinessFields.text(task["TaskState"]) ?? planned
        switch state {
        case planned, retrying:
            guard let due = due(task), due <= now else { return nil }
            return state == planned ? "due" : "retry due"
        case running:
            guard let lease = BusinessFields.instant(task["LeaseUntil"]), lease < now else { return nil }
            return "lease expired"
        default:
            return nil
        }
    }

    /// The wait before retry `attempt` (1-based): 1 minute doubling up to 6 hours.
    static func backoff(attempt: Int) -> Int64 {
        min(60 << Int64(min(max(attempt - 1, 0), 20)), 6 * 3_600)
    }
}
