import Foundation
import LinkTomeCore
import TableStorage

/// One status row of table `LinkTomeTimers` (PartitionKey `Timer`, RowKey = the timer's `Id`).
///
/// The original's columns are kept: `Command`, `Cron`, `LastOccurrence` (when the last run started),
/// `NextOccurrence` (the next future occurrence), `Status`, `OrchestratorId`, `ErrorMsg`,
/// `RunOnProcessor`, `IsSystem`, `PreferredProcessor` and the `ManuallyTriggered*` columns. Added for
/// exactly-once runs and for operators: `LastServedOccurrence`, `Attempt`, `ConsecutiveFailures`,
/// `DurationMs`, `ClaimOwner`, `ClaimExpires`, `RetryAt`, `Trigger`, `LastCompleted`, `LastResult`,
/// `OrchestratorStarted`, `SkippedOccurrence` and `SkipReason`.
///
/// Reading never fails: a column of an unexpected type (the PowerShell app wrote `LastOccurrence =
/// 'Never'`, and dates as strings) reads as absent, or as the date the string holds, and
/// ``needsRepair`` says the row should be rewritten. Columns this type does not know are kept.
public struct TimerStatusRow: Sendable, Hashable {
    public static let table = "LinkTomeTimers"
    public static let partitionKey = "Timer"

    /// The RowKey (the timer's `Id`).
    public var id: String
    public var command: String = ""
    public var cron: String = ""
    /// When the last run started (wall clock).
    public var lastOccurrence: Date?
    /// The next occurrence after the last evaluation.
    public var nextOccurrence: Date?
    public var status: TimerStatus = .notScheduled
    /// The running or last orchestration; empty when none is outstanding. Older rows may hold a
    /// comma-separated list.
    public var orchestratorId: String = ""
    public var errorMessage: String = ""
    public var runOnProcessor: Bool = true
    public var isSystem: Bool = false
    public var preferredProcessor: String = ""

    /// The latest cron occurrence that was claimed (run or deliberately skipped).
    public var lastServedOccurrence: Date?
    /// The attempt number of the run for `lastServedOccurrence` (1 = first run).
    public var attempt: Int = 0
    public var consecutiveFailures: Int = 0
    /// How long the last finished run took.
    public var durationMilliseconds: Int64?
    /// Who holds the claim of a run in progress, and until when.
    public var claimOwner: String = ""
    public var claimExpires: Date?
    /// The orchestration instance id the claimed run starts if its command asks for one; lets a later
    /// tick adopt that orchestration when the run died between starting it and recording it.
    public var claimInstanceId: String = ""
    /// When a failed occurrence may be retried.
    public var retryAt: Date?
    /// `Schedule`, `Retry` or `Manual`: what started the last run.
    public var trigger: String = ""
    public var lastCompleted: Date?
    /// The last run's summary (compact JSON, truncated).
    public var lastResult: String = ""
    public var orchestratorStarted: Date?
    /// The last occurrence that was too late to run, and why.
    public var skippedOccurrence: Date?
    public var skipReason: String = ""
    public var manuallyTriggered: Bool = false
    public var manuallyTriggeredBy: String = ""
    public var manuallyTriggeredAt: Date?

    /// The ETag the row was read with (`nil` for a row not yet stored).
    public var etag: String?
    /// Columns read that this type does not model; written back unchanged.
    public var otherColumns: [String: TableValue] = [:]
    /// Whether the stored row has legacy or mistyped columns that the next write will correct.
    public private(set) var needsRepair = false
    /// Whether the row was written by the PowerShell app (it lacks the `Attempt` column this
    /// program always writes); its `LastOccurrence` is the start of the tick that last ran it.
    public private(set) var isLegacy = false

    public init(id: String) {
        self.id = id
    }

    /// A fresh row for `timer`, status `Not Scheduled`.
    public init(timer: TimerDefinition) {
        id = timer.id
        refresh(from: timer)
    }

    /// Copies the catalogue's columns (`Command`, `Cron`, `RunOnProcessor`, `IsSystem`, `PreferredProcessor`).
    public mutating func refresh(from timer: TimerDefinition) {
        command = timer.command
        cron = timer.cron
        runOnProcessor = timer.runOnProcessor
        isSystem = timer.isSystem
        preferredProcessor = timer.preferredProcessor
    }

    /// Whether `refresh(from:)` would change anything.
    public func differs(from timer: TimerDefinition) -> Bool {
        command != timer.command || cron != timer.cron || runOnProcessor != timer.runOnProcessor
            || isSystem != timer.isSystem || preferredProcessor != timer.preferredProcessor
    }

    /// The instance ids in `OrchestratorId` (older rows may list several, comma-separated).
    public var orchestratorIds: [String] {
        orchestratorId.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Whether a claim is held at `now` by an inline run.
    public func claimHeld(at now: Date) -> Bool {
        guard !claimOwner.isEmpty, let claimExpires else { return false }
        return claimExpires > now
    }

    /// The floor for due computation: the served occurrence, or for rows written by the PowerShell
    /// app (which stored only the tick's start time) that time.
    /// (Rows written here never use `LastOccurrence` for this: a manual run stamps it and must not
    /// suppress the next scheduled occurrence.)
    public var servedFloor: Date? {
        lastServedOccurrence ?? (isLegacy ? lastOccurrence : nil)
    }
}

extension TimerStatusRow {
    /// Reads a stored row.
    public init(entity: TableEntity) {
        var reader = RowReader(entity: entity)
        id = entity.rowKey
        etag = entity.etag
        command = reader.string("Command")
        cron = reader.string("Cron")
        lastOccurrence = reader.date("LastOccurrence")
        nextOccurrence = reader.date("NextOccurrence")
        status = TimerStatus(text: reader.string("Status"))
        orchestratorId = reader.string("OrchestratorId")
        errorMessage = reader.string("ErrorMsg")
        runOnProcessor = reader.bool("RunOnProcessor") ?? true
        isSystem = reader.bool("IsSystem") ?? false
        preferredProcessor = reader.string("PreferredProcessor")
        lastServedOccurrence = reader.date("LastServedOccurrence")
        attempt = reader.int("Attempt") ?? 0
        consecutiveFailures = reader.int("ConsecutiveFailures") ?? 0
        durationMilliseconds = reader.int("DurationMs").map(Int64.init)
        claimOwner = reader.string("ClaimOwner")
        claimExpires = reader.date("ClaimExpires")
        claimInstanceId = reader.string("ClaimInstanceId")
        retryAt = reader.date("RetryAt")
        trigger = reader.string("Trigger")
        lastCompleted = reader.date("LastCompleted")
        lastResult = reader.string("LastResult")
        orchestratorStarted = reader.date("OrchestratorStarted")
        skippedOccurrence = reader.date("SkippedOccurrence")
        skipReason = reader.string("SkipReason")
        manuallyTriggered = reader.bool("ManuallyTriggered") ?? false
        manuallyTriggeredBy = reader.string("ManuallyTriggeredBy")
        manuallyTriggeredAt = reader.date("ManuallyTriggeredAt")
        isLegacy = entity.properties["Attempt"] == nil
        otherColumns = reader.unread
        needsRepair = reader.repairs || isLegacy
    }

    /// The row as an entity to write (with `etag` set, for a conditional update).
    public var entity: TableEntity {
        var properties = otherColumns
        func put(_ name: String, _ value: TableValue?) { properties[name] = value }
        func put(_ name: String, _ date: Date?) { properties[name] = date.map { .dateTime(Timestamp($0)) } }
        func put(_ name: String, text: String) { properties[name] = .string(text) }

        put("Command", text: command)
        put("Cron", text: cron)
        put("LastOccurrence", lastOccurrence)
        put("NextOccurrence", nextOccurrence)
        put("Status", text: status.text)
        put("OrchestratorId", text: orchestratorId)
        put("ErrorMsg", text: errorMessage)
        put("RunOnProcessor", .bool(runOnProcessor))
        put("IsSystem", .bool(isSystem))
        put("PreferredProcessor", text: preferredProcessor)
        put("LastServedOccurrence", lastServedOccurrence)
        put("Attempt", .int32(Int32(clamping: attempt)))
        put("ConsecutiveFailures", .int32(Int32(clamping: consecutiveFailures)))
        put("DurationMs", durationMilliseconds.map(TableValue.int64))
        put("ClaimOwner", text: claimOwner)
        put("ClaimExpires", claimExpires)
        put("ClaimInstanceId", text: claimInstanceId)
        put("RetryAt", retryAt)
        put("Trigger", text: trigger)
        put("LastCompleted", lastCompleted)
        put("LastResult", text: lastResult)
        put("OrchestratorStarted", orchestratorStarted)
        put("SkippedOccurrence", skippedOccurrence)
        put("SkipReason", text: skipReason)
        put("ManuallyTriggered", .bool(manuallyTriggered))
        put("ManuallyTriggeredBy", text: manuallyTriggeredBy)
        put("ManuallyTriggeredAt", manuallyTriggeredAt)
        return TableEntity(partitionKey: Self.partitionKey, rowKey: id, properties: properties, etag: etag)
    }
}

/// Reads typed columns leniently, noting which ones were legacy or mistyped.
private struct RowReader {
    var properties: [String: TableValue]
    var repairs = false

    init(entity: TableEntity) {
        properties = entity.properties
    }

    /// The columns not read yet.
    var unread: [String: TableValue] { properties }

    mutating func take(_ name: String) -> TableValue? {
        properties.removeValue(forKey: name)
    }

    mutating func string(_ name: String) -> String {
        guard let value = take(name) else { return "" }
        if let text = value.stringValue { return text }
        repairs = true
        return value.displayText
    }

    mutating func date(_ name: String) -> Date? {
        guard let value = take(name) else { return nil }
        if let timestamp = value.dateTimeValue { return timestamp.date }
        repairs = true
        guard let text = value.stringValue?.trimmingCharacters(in: .whitespaces) else { return nil }
        return Timestamp(iso8601: text)?.date
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let value = take(name) else { return nil }
        if let flag = value.boolValue { return flag }
        repairs = true
        switch value.stringValue?.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: return nil
        }
    }

    mutating func int(_ name: String) -> Int? {
        guard let value = take(name) else { return nil }
        if let number = value.intValue { return number }
        repairs = true
        return value.doubleValue.flatMap { $0.isFinite ? Int(exactly: $0.rounded()) : nil }
            ?? value.stringValue.flatMap { Int($0) }
    }
}
