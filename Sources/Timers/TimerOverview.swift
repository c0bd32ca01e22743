import Foundation
import LinkTomeCore

/// The catalogue joined with the status rows, for `linktome timers list` (table or `--json`).
public struct TimerOverview: Sendable {
    /// One catalogue timer and its row (if it has one yet).
    public struct Entry: Sendable, Hashable {
        public var timer: TimerDefinition
        public var row: TimerStatusRow?
        /// The next occurrence computed now from the schedule.
        public var nextRun: Date?

        /// The row's status, or `Not yet run` without a row.
        public var statusText: String { row?.status.text ?? "Not yet run" }
    }

    public var entries: [Entry]
    /// Rows whose RowKey is no catalogue Id (the next tick removes them).
    public var orphanRows: [TimerStatusRow]
    /// Catalogue problems (skipped entries and warnings).
    public var problems: [CatalogueProblem]
    /// Set when the status rows could not be read; the entries then have no rows.
    public var storageError: String?
    public var generatedAt: Date

    init(
        catalogue: TimerCatalogue,
        rows: [TimerStatusRow],
        planner: TimerPlanner,
        now: Date,
        storageError: String?
    ) {
        var byId: [String: TimerStatusRow] = [:]
        for row in rows { byId[row.id] = row }
        entries = catalogue.timers.map { timer in
            Entry(timer: timer, row: byId[timer.id], nextRun: planner.nextOccurrence(timer, now: now))
        }
        orphanRows = rows.filter { !catalogue.declaredIds.contains($0.id) }.sorted { $0.id < $1.id }
        problems = catalogue.problems
        self.storageError = storageError
        generatedAt = now
    }

    /// The overview as JSON: `Timers`, `Problems`, `OrphanRows` and `StorageError`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "GeneratedAt": .string(Timestamp(generatedAt).iso8601Trimmed),
            "Timers": .array(entries.map(Self.json)),
            "Problems": .array(problems.map(Self.json)),
            "OrphanRows": .array(orphanRows.map { ["Id": .string($0.id), "Command": .string($0.command)] }),
        ]
        if let storageError { object["StorageError"] = .string(storageError) }
        return .object(object)
    }

    private static func json(_ entry: Entry) -> JSONValue {
        let timer = entry.timer
        var object: [String: JSONValue] = [
            "Id": .string(timer.id), "Command": .string(timer.command), "Description": .string(timer.description),
            "Cron": .string(timer.cron), "Priority": .integer(Int64(timer.priority)),
            "RunOnProcessor": .bool(timer.runOnProcessor), "IsSystem": .bool(timer.isSystem),
            "PreferredProcessor": .string(timer.preferredProcessor), "Status": .string(entry.statusText),
            "NextOccurrence": date(entry.nextRun),
        ]
        if let zone = timer.timeZone { object["TimeZone"] = .string(zone.identifier) }
        guard let row = entry.row else { return .object(object) }

        object["LastOccurrence"] = date(row.lastOccurrence)
        object["LastServedOccurrence"] = date(row.lastServedOccurrence)
        object["LastCompleted"] = date(row.lastCompleted)
        object["DurationMs"] = row.durationMilliseconds.map(JSONValue.integer) ?? .null
        object["ErrorMsg"] = .string(row.errorMessage)
        object["OrchestratorId"] = .string(row.orchestratorId)
        object["Attempt"] = .integer(Int64(row.attempt))
        object["ConsecutiveFailures"] = .integer(Int64(row.consecutiveFailures))
        object["ClaimOwner"] = .string(row.claimOwner)
        object["ClaimExpires"] = date(row.claimExpires)
        object["RetryAt"] = date(row.retryAt)
        object["Trigger"] = .string(row.trigger)
        object["SkippedOccurrence"] = date(row.skippedOccurrence)
        object["SkipReason"] = .string(row.skipReason)
        object["LastResult"] =
            row.lastResult.isEmpty ? .null : ((try? JSONParser.parse(row.lastResult)) ?? .string(row.lastResult))
        object["ManuallyTriggered"] = .bool(row.manuallyTriggered)
        object["ManuallyTriggeredBy"] = .string(row.manuallyTriggeredBy)
        object["ManuallyTriggeredAt"] = date(row.manuallyTriggeredAt)
        object["RowNeedsRepair"] = .bool(row.needsRepair)
        return .object(object)
    }

    private static func json(_ problem: CatalogueProblem) -> JSONValue {
        [
            "Severity": .string(problem.severity.rawValue),
            "Entry": problem.position.map { JSONValue.integer(Int64($0)) } ?? .null,
            "Id": problem.id.map(JSONValue.string) ?? .null,
            "Command": problem.command.map(JSONValue.string) ?? .null,
            "Message": .string(problem.message),
        ]
    }

    private static func date(_ date: Date?) -> JSONValue {
        date.map { .string(Timestamp($0).iso8601Trimmed) } ?? .null
    }
}

extension TimerOverview {
    /// A fixed-width table: command, schedule, priority, status, last run, next run, duration and
    /// error (times in UTC), followed by catalogue problems, orphan rows and a storage error.
    public func renderTable() -> String {
        let header = ["COMMAND", "SCHEDULE", "PRI", "STATUS", "LAST RUN (UTC)", "NEXT RUN (UTC)", "DURATION", "ERROR"]
        let lines = entries.map { entry -> [String] in
            let row = entry.row
            return [
                entry.timer.command, entry.timer.cron, String(entry.timer.priority), entry.statusText,
                Self.short(row?.lastOccurrence), Self.short(entry.nextRun),
                row?.durationMilliseconds.map(Self.duration) ?? "-", Self.clip(row?.errorMessage ?? "", 60),
            ]
        }
        var text = Self.layout([header] + lines)
        if !problems.isEmpty {
            text += "\ncatalogue problems:\n" + problems.map { "  " + $0.description }.joined(separator: "\n") + "\n"
        }
        if !orphanRows.isEmpty {
            let names = orphanRows.map { "  \($0.id)" + ($0.command.isEmpty ? "" : " (\($0.command))") }
            text += "\nstatus rows of timers no longer in the catalogue (removed at the next tick):\n"
            text += names.joined(separator: "\n") + "\n"
        }
        if let storageError { text += "\n" + storageError + "\n" }
        return text
    }

    private static func layout(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// `2026-01-20 02:00:00`, or `-`.
    static func short(_ date: Date?) -> String {
        guard let date else { return "-" }
        let text = Timestamp(date).iso8601(fractionDigits: 0)
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    static func duration(_ milliseconds: Int64) -> String {
        milliseconds < 1_000 ? "\(milliseconds) ms" : TimersError.duration(Double(milliseconds) / 1_000)
    }

    static func clip(_ text: String, _ length: Int) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
    }
}
