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
        /// Why the timer's row could not be read, when it exists but cannot be decoded.
        public var rowProblem: String?

        /// The row's status, `Unreadable row`, or `Not yet run` without a row.
        public var statusText: String {
            if rowProblem != nil { return "Unreadable row" }
            return row?.status.text ?? "Not yet run"
        }
    }

    /// A status row that exists but cannot be decoded, and what the next tick does with it when its
    /// RowKey is no declared `Id` (`nil` when it belongs to a catalogue entry).
    public struct UnreadableRow: Sendable, Hashable {
        public var id: String
        public var reason: String
        public var fate: StaleRowFate?
    }

    /// A status row whose RowKey is no `Id` in the catalogue, and what the next tick does with it.
    public struct StaleRow: Sendable, Hashable {
        public var row: TimerStatusRow
        public var fate: StaleRowFate
    }

    public var entries: [Entry]
    /// Rows whose RowKey is no catalogue Id, with what the next tick does with each (``RowRetention``).
    public var staleRows: [StaleRow]
    /// The rows of ``staleRows``.
    public var orphanRows: [TimerStatusRow] { staleRows.map(\.row) }
    /// Rows that exist but cannot be decoded; they are skipped.
    public var unreadableRows: [UnreadableRow]
    /// Catalogue problems (skipped entries and warnings).
    public var problems: [CatalogueProblem]
    /// Set when the status rows could not be read; the entries then have no rows.
    public var storageError: String?
    public var generatedAt: Date

    init(
        catalogue: TimerCatalogue,
        rows: [TimerStatusRow],
        unreadable: [String: String] = [:],
        planner: TimerPlanner,
        now: Date,
        storageError: String?
    ) {
        var byId: [String: TimerStatusRow] = [:]
        for row in rows { byId[row.id] = row }
        entries = catalogue.timers.map { timer in
            Entry(
                timer: timer,
                row: byId[timer.id],
                nextRun: planner.nextOccurrence(timer, now: now),
                rowProblem: unreadable[timer.id]
            )
        }
        let retention = RowRetention(catalogue: catalogue)
        unreadableRows = unreadable.keys.sorted().map { key in
            UnreadableRow(id: key, reason: unreadable[key] ?? "", fate: retention.fate(ofRowKey: key, readable: false))
        }
        staleRows = rows.sorted { $0.id < $1.id }.compactMap { row in
            retention.fate(ofRowKey: row.id).map { StaleRow(row: row, fate: $0) }
        }
        problems = catalogue.problems
        self.storageError = storageError
        generatedAt = now
    }

    /// The catalogue alone, with `storageError` saying why no status row could be read (the store
    /// cannot even be opened); next runs follow the schedule settings in `settings`.
    public init(catalogue: TimerCatalogue, settings: Settings, now: Date, storageError: String) {
        self.init(
            catalogue: catalogue,
            rows: [],
            planner: TimerPlanner(policy: TimerPolicy(settings: settings)),
            now: now,
            storageError: storageError
        )
    }

    /// The overview as JSON: `Timers`, `Problems`, `OrphanRows`, `UnreadableRows` and `StorageError`.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "GeneratedAt": .string(Timestamp(generatedAt).iso8601Trimmed),
            "Timers": .array(entries.map(Self.json)),
            "Problems": .array(problems.map(Self.json)),
            "OrphanRows": .array(staleRows.map(Self.json)),
        ]
        object["UnreadableRows"] = .array(
            unreadableRows.map { row in
                ["Id": .string(row.id), "Error": .string(row.reason), "Fate": .string(row.fate?.summary ?? "kept")]
            }
        )
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
        if let problem = entry.rowProblem { object["RowError"] = .string(problem) }
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

    private static func json(_ stale: StaleRow) -> JSONValue {
        var object: [String: JSONValue] = ["Id": .string(stale.row.id), "Command": .string(stale.row.command)]
        switch stale.fate {
        case .remove:
            object["Fate"] = "remove"
        case .handOver(let id):
            object["Fate"] = "handOver"
            object["HandOverTo"] = .string(id)
        case .keep(let reason):
            object["Fate"] = "keep"
            object["Reason"] = .string(reason)
        }
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
    /// error (times in UTC), followed by catalogue problems, stale rows, unreadable rows and a storage error.
    public func renderTable() -> String {
        let header = ["COMMAND", "SCHEDULE", "PRI", "STATUS", "LAST RUN (UTC)", "NEXT RUN (UTC)", "DURATION", "ERROR"]
        let lines = entries.map { entry -> [String] in
            let row = entry.row
            return [
                entry.timer.command.escapingControlCharacters, entry.timer.cron.escapingControlCharacters,
                String(entry.timer.priority), entry.statusText.escapingControlCharacters,
                Self.short(row?.lastOccurrence), Self.short(entry.nextRun),
                row?.durationMilliseconds.map(Self.duration) ?? "-", Self.clip(row?.errorMessage ?? "", 60),
            ]
        }
        var text = Self.layout([header] + lines)
        if !problems.isEmpty {
            text += "\ncatalogue problems:\n" + problems.map { "  " + $0.description }.joined(separator: "\n") + "\n"
        }
        if !staleRows.isEmpty {
            let lines = staleRows.map { stale in
                let row = stale.row
                let command = row.command.isEmpty ? "" : " (\(row.command.escapingControlCharacters))"
                return "  \(row.id.escapingControlCharacters)\(command): \(stale.fate.summary)"
            }
            text += "\nstatus rows whose Id is not in the catalogue:\n" + lines.joined(separator: "\n") + "\n"
        }
        if !unreadableRows.isEmpty {
            let lines = unreadableRows.map { row in
                "  \(row.id.escapingControlCharacters): \(row.reason.escapingControlCharacters)"
                    + (row.fate.map { " (\($0.summary))" } ?? "")
            }
            text += "\nstatus rows that cannot be read (skipped):\n" + lines.joined(separator: "\n") + "\n"
        }
        if let storageError { text += "\n" + storageError.escapingControlCharacters + "\n" }
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
        let line = text.replacingOccurrences(of: "\n", with: " ").escapingControlCharacters
        return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
    }
}
