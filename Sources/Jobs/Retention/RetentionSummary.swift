import LinkTomeCore

/// What one run of a housekeeping job did: how many rows it examined, deleted, kept and failed on,
/// each broken down by reason, a one-line message, and the job's own payload keys (those the
/// PowerShell original returned, such as `DeletedCount` and `TotalEntries`).
///
/// A run that found nothing to do has ``nothingToDo`` set and says so in ``message``: running a job
/// twice in a row is harmless, and the second summary shows it.
public struct RetentionSummary: Sendable, Equatable, Codable {
    /// The overall outcome of a run.
    public enum Status: String, Sendable, Equatable, Codable {
        /// Every row the run acted on was handled.
        case success = "Success"
        /// The run finished, but some rows failed; they are counted in ``failedBy`` and retried next run.
        case completedWithErrors = "CompletedWithErrors"
    }

    /// The timer command, e.g. `Start-SecurityEventCleanup`.
    public var command: String
    /// The table (or service) the job cleaned.
    public var target: String
    /// Rows the job read and judged (the candidates its server-side filter returned).
    public var examined: Int
    /// Rows (or instances) this run removed, by reason.
    public var deletedBy: [String: Int]
    /// Rows (or instances) this run updated or wrote without deleting them, by action.
    public var changedBy: [String: Int]
    /// Rows examined and left in place, by reason (for example `windowOpen`, `unparsableDate`).
    public var keptBy: [String: Int]
    /// Rows whose handling failed, by reason (the storage error kind); the next run retries them.
    public var failedBy: [String: Int]
    /// Rows that were gone by the time this run deleted them (someone else removed them).
    public var vanished: Int
    /// One line for logs and the timer status row.
    public var message: String
    /// The job's own result keys, in the original's spelling.
    public var payload: [String: JSONValue]

    public init(
        command: String,
        target: String,
        examined: Int = 0,
        deletedBy: [String: Int] = [:],
        changedBy: [String: Int] = [:],
        keptBy: [String: Int] = [:],
        failedBy: [String: Int] = [:],
        vanished: Int = 0,
        message: String = "",
        payload: [String: JSONValue] = [:]
    ) {
        self.command = command
        self.target = target
        self.examined = examined
        self.deletedBy = deletedBy
        self.changedBy = changedBy
        self.keptBy = keptBy
        self.failedBy = failedBy
        self.vanished = vanished
        self.message = message
        self.payload = payload
    }

    /// ``Status/success`` unless some rows failed.
    public var status: Status { failed > 0 ? .completedWithErrors : .success }

    /// Rows this run deleted.
    public var deleted: Int { deletedBy.values.reduce(0, +) }
    /// Rows updated or written.
    public var changed: Int { changedBy.values.reduce(0, +) }
    /// Rows examined and kept.
    public var kept: Int { keptBy.values.reduce(0, +) }
    /// Rows whose handling failed.
    public var failed: Int { failedBy.values.reduce(0, +) }
    /// Whether the run changed nothing and had nothing left to do.
    public var nothingToDo: Bool { deleted == 0 && changed == 0 && failed == 0 && vanished == 0 }

    mutating func countDeleted(_ reason: String, _ count: Int = 1) { deletedBy[reason, default: 0] += count }
    mutating func countChanged(_ reason: String, _ count: Int = 1) { changedBy[reason, default: 0] += count }
    mutating func countKept(_ reason: String, _ count: Int = 1) { keptBy[reason, default: 0] += count }
    mutating func countFailed(_ reason: String, _ count: Int = 1) { failedBy[reason, default: 0] += count }

    /// Adds another summary's counts (not its message or payload) to this one.
    mutating func absorb(_ other: RetentionSummary) {
        examined += other.examined
        vanished += other.vanished
        for (reason, count) in other.deletedBy { countDeleted(reason, count) }
        for (reason, count) in other.changedBy { countChanged(reason, count) }
        for (reason, count) in other.keptBy { countKept(reason, count) }
        for (reason, count) in other.failedBy { countFailed(reason, count) }
    }

    /// The summary as the command's JSON result: `Status`, `Message`, `DeletedCount`, `KeptCount`,
    /// `ChangedCount`, `FailedCount`, `ExaminedCount`, `VanishedCount`, `NothingToDo`, the four
    /// breakdowns (`DeletedBy`, `ChangedBy`, `KeptBy`, `FailedBy`) and the job's payload keys.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "Status": .string(status.rawValue),
            "Message": .string(message),
            "Command": .string(command),
            "Target": .string(target),
            "DeletedCount": .integer(Int64(deleted)),
            "ChangedCount": .integer(Int64(changed)),
            "KeptCount": .integer(Int64(kept)),
            "FailedCount": .integer(Int64(failed)),
            "ExaminedCount": .integer(Int64(examined)),
            "VanishedCount": .integer(Int64(vanished)),
            "NothingToDo": .bool(nothingToDo),
            "DeletedBy": RetentionSummary.countsJSON(deletedBy),
            "ChangedBy": RetentionSummary.countsJSON(changedBy),
            "KeptBy": RetentionSummary.countsJSON(keptBy),
            "FailedBy": RetentionSummary.countsJSON(failedBy),
        ]
        for (key, value) in payload { object[key] = value }
        return .object(object)
    }

    private static func countsJSON(_ counts: [String: Int]) -> JSONValue {
        .object(counts.mapValues { .integer(Int64($0)) })
    }

    /// `3 invalidated, 2 expired` style text of a breakdown, largest first; `none` when empty.
    static func describe(_ counts: [String: Int]) -> String {
        let parts = counts.filter { $0.value > 0 }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        guard !parts.isEmpty else { return "none" }
        return parts.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}
