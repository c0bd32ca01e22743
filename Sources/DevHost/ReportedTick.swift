import Foundation
import LinkTomeCore
import TableStorage

/// The tick reports the timer functions returned, read for ``TickSummary``: what the tick did with
/// each timer, and the catalogue entries it rejected.
struct ReportedTick: Sendable {
    var entries: [String: JSONValue] = [:]
    var invalid: [String: String] = [:]

    init(_ reports: [JSONValue]) {
        for report in reports {
            for entry in report["Entries"]?.arrayValue ?? [] {
                if let id = entry["TimerId"]?.stringValue { entries[id] = entry }
            }
            for entry in report["Invalid"]?.arrayValue ?? [] {
                if let id = entry["Id"]?.stringValue { invalid[id] = entry["Reason"]?.stringValue ?? "rejected" }
            }
        }
    }

    typealias Row = TickSummary.Row

    /// The line for the catalogue timer `id`.
    func describe(id: String, command: String, row: TableEntity?, core: HostCore) async -> Row {
        guard let entry = entries[id] else {
            if let reason = invalid[id] { return Row(timer: command, status: "invalid", duration: "-", result: reason) }
            return Row(timer: command, status: "not run", duration: "-", result: "not in the tick report")
        }
        let reason = entry["Reason"]?.stringValue ?? ""
        switch entry["Outcome"]?.stringValue ?? "" {
        case "Ran": return await ran(entry, command: command, row: row, core: core)
        case "NotDue":
            let next = entry["Next"]?.stringValue.map { "next " + $0 } ?? "no next run"
            return Row(timer: command, status: "not due", duration: "-", result: next)
        case "Skipped": return Row(timer: command, status: "skipped", duration: "-", result: reason)
        case "Busy": return Row(timer: command, status: "busy", duration: "-", result: reason)
        case "Error": return Row(timer: command, status: "error", duration: "-", result: reason)
        case let other:
            return Row(
                timer: command,
                status: other.isEmpty ? "unknown" : other.lowercased(),
                duration: "-",
                result: reason
            )
        }
    }

    private func ran(_ entry: JSONValue, command: String, row: TableEntity?, core: HostCore) async -> Row {
        let duration = row?["DurationMs"]?.int64Value.map { TickSummary.format(Double($0) / 1_000) } ?? "-"
        if let error = entry["Error"]?.stringValue {
            return Row(timer: command, status: "Failed", duration: duration, result: error)
        }
        guard let id = entry["InstanceId"]?.stringValue else {
            let result = entry["Result"].map { TickSummary.headline($0.jsonText) } ?? ""
            return Row(timer: command, status: "Completed", duration: duration, result: result)
        }
        guard let instance = try? await core.durable.instance(id) else {
            return Row(timer: command, status: "Started", duration: "-", result: "orchestration \(id) not found")
        }
        let end = instance.completedTime ?? core.now()
        let seconds = end.date.timeIntervalSince(instance.createdTime.date)
        let output = OrderedJSON.value(instance.output)
        var status = instance.runtimeStatus.rawValue
        var result = TickSummary.headline(instance.output)
        if let failure = instance.failure, instance.runtimeStatus == .failed {
            result = failure
        } else if instance.runtimeStatus == .completed, Self.outputFailed(output) {
            status = "Failed"
            if let error = output["OrchestrationError"]?.stringValue { result += "; " + error }
        }
        return Row(
            timer: command,
            status: status,
            duration: TickSummary.format(seconds) + (instance.runtimeStatus.isTerminal ? "" : "+"),
            result: "orchestration: \(result)"
        )
    }

    /// An orchestration's output that reports a failure: `Status` `Failed`, failed or not-run items.
    static func outputFailed(_ output: JSONValue) -> Bool {
        if output["Status"]?.stringValue == "Failed" { return true }
        if let failed = output["Failed"]?.intValue, failed > 0 { return true }
        return (output["NotRun"]?.intValue ?? 0) > 0 || output["OrchestrationError"]?.stringValue != nil
    }
}
