import Foundation
import LinkTomeCore
import TableStorage

/// The table `linktome dev --once` prints: one line per timer of the catalogue with what the tick
/// did. It reads the catalogue (`LinkTomeTimers.json`), the timer status rows (table
/// `LinkTomeTimers`: `Status`, `LastOccurrence`, `NextOccurrence`, `OrchestratorId`, `DurationMs`,
/// `LastResult`, `ErrorMsg`) and, for a timer that started an orchestration, that instance's
/// final status and output.
public struct TickSummary: Sendable {
    public struct Row: Sendable, Hashable {
        public var timer: String
        public var status: String
        public var duration: String
        public var result: String
    }

    public var rows: [Row]
    /// Lines worth showing under the table (catalogue problems, unreadable rows).
    public var notes: [String]

    public static let catalogueFile = "LinkTomeTimers.json"
    public static let statusTable = "LinkTomeTimers"

    /// Builds the summary of a tick that started at `tickStart`. `reports` are the tick reports the
    /// timer functions returned (their `ReturnValue`); with one, each timer's line says what that
    /// tick did with it (ran, not due, skipped, busy, invalid in the catalogue). Without any, the
    /// status rows are read instead: a timer whose `LastOccurrence` is at or after the tick ran.
    public static func build(
        core: HostCore,
        appRoot: String,
        tickStart: Timestamp,
        reports: [JSONValue] = []
    ) async -> TickSummary {
        var notes: [String] = []
        let catalogue: [JSONValue]
        if let data = FileManager.default.contents(atPath: appRoot + "/" + catalogueFile),
            let entries = (try? JSONParser.parse(Array(data)))?.arrayValue
        {
            catalogue = entries.sorted { ($0["Priority"]?.intValue ?? 99) < ($1["Priority"]?.intValue ?? 99) }
        } else {
            catalogue = []
            notes.append("\(catalogueFile) is missing or not a JSON array; no timers to show")
        }
        var rows: [Row] = []
        for entry in catalogue {
            guard let id = entry["Id"]?.stringValue else { continue }
            let command = entry["Command"]?.stringValue ?? id
            let row = try? await core.durable.store.get(from: statusTable, partitionKey: "Timer", rowKey: id)
            if !reports.isEmpty {
                let report = ReportedTick(reports)
                rows.append(await report.describe(id: id, command: command, row: row, core: core))
                continue
            }
            rows.append(await describe(command: command, row: row, core: core, tickStart: tickStart))
        }
        for report in reports {
            for problem in report["Problems"]?.arrayValue ?? [] {
                notes.append(problem.stringValue ?? problem.jsonText)
            }
            if let failure = report["Failure"]?.stringValue { notes.append("the tick failed: " + failure) }
        }
        return TickSummary(rows: rows, notes: notes)
    }

    private static func describe(command: String, row: TableEntity?, core: HostCore, tickStart: Timestamp) async -> Row
    {
        guard let row else { return Row(timer: command, status: "not run", duration: "-", result: "no status row") }
        let status = row["Status"]?.stringValue ?? "Unknown"
        let last = date(row["LastOccurrence"])
        guard let last, last.advanced(bySeconds: 1) >= tickStart else {
            let next = date(row["NextOccurrence"]).map { "next run " + $0.iso8601(fractionDigits: 0) } ?? "no next run"
            return Row(timer: command, status: "not due", duration: "-", result: "\(next); last status \(status)")
        }

        let ids = (row["OrchestratorId"]?.stringValue ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        if let id = ids.first, let instance = try? await core.durable.instance(id) {
            let end = instance.completedTime ?? core.now()
            let seconds = end.date.timeIntervalSince(instance.createdTime.date)
            var result = headline(instance.output)
            var status = instance.runtimeStatus.rawValue
            if let failure = instance.failure, instance.runtimeStatus == .failed {
                result = failure
            } else if instance.runtimeStatus == .completed,
                ReportedTick.outputFailed(OrderedJSON.value(instance.output))
            {
                status = "Failed"
            }
            return Row(
                timer: command,
                status: status,
                duration: format(seconds) + (instance.runtimeStatus.isTerminal ? "" : "+"),
                result: "orchestration: \(result)"
            )
        }
        let duration = row["DurationMs"]?.int64Value.map { format(Double($0) / 1_000) } ?? "-"
        let error = row["ErrorMsg"]?.stringValue ?? ""
        let result = status == "Failed" && !error.isEmpty ? error : headline(row["LastResult"]?.stringValue ?? error)
        return Row(timer: command, status: status, duration: duration, result: result)
    }

    /// A result in a few words: its `Message`, else its item counts (an orchestration's output),
    /// else its compact JSON.
    static func headline(_ text: String?) -> String {
        let value = OrderedJSON.value(text)
        if let message = value.member(caseInsensitive: "Message")?.stringValue, !message.isEmpty { return message }
        if let succeeded = value["Succeeded"]?.intValue {
            var line = "\(succeeded) of \(value["Total"]?.intValue ?? succeeded) items succeeded"
            if let failed = value["Failed"]?.intValue, failed > 0 { line += ", \(failed) failed" }
            if let first = value["Errors"]?.arrayValue?.first { line += ": " + (first.stringValue ?? first.jsonText) }
            let totals = counterTotals(value["Results"]?.arrayValue ?? [])
            if !totals.isEmpty { line += "; " + totals }
            return line
        }
        if case .string(let plain) = value { return plain }
        return text ?? ""
    }

    /// The non-zero numeric members of the items' results, added up: `ProcessedCount=4 Rows=29`.
    static func counterTotals(_ results: [JSONValue]) -> String {
        var totals: [String: Int64] = [:]
        for result in results {
            for (key, value) in result.objectValue ?? [:] {
                if case .integer(let number) = value { totals[key, default: 0] += number }
            }
        }
        return totals.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
    }

    /// The table, at most `width` columns wide, results cut to one line.
    public func render(width: Int = 120) -> String {
        let headers = Row(timer: "TIMER", status: "STATUS", duration: "DURATION", result: "RESULT")
        let all = [headers] + rows
        let timerWidth = all.map(\.timer.count).max() ?? 5
        let statusWidth = all.map(\.status.count).max() ?? 6
        let durationWidth = all.map(\.duration.count).max() ?? 8
        let resultWidth = max(20, width - timerWidth - statusWidth - durationWidth - 6)
        var lines: [String] = []
        for row in all {
            let result = Self.oneLine(row.result, max: resultWidth)
            lines.append(
                [pad(row.timer, timerWidth), pad(row.status, statusWidth), pad(row.duration, durationWidth), result]
                    .joined(separator: "  ")
            )
        }
        return (lines + notes.map { "note: " + $0 }).joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `text` on one line, shortened with an ellipsis.
    static func oneLine(_ text: String, max: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        guard flat.count > max else { return flat }
        return String(flat.prefix(Swift.max(1, max - 1))) + "…"
    }

    static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1_000).rounded())) ms" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
    }

    static func date(_ value: TableValue?) -> Timestamp? {
        switch value {
        case .dateTime(let date)?: return date
        case .string(let text)?: return Timestamp(iso8601: text)
        default: return nil
        }
    }
}
