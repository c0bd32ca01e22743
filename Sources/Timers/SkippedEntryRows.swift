import Foundation
import LinkTomeCore

/// Gives every skipped catalogue entry that has an `Id` of its own a status row with `Status =
/// Invalid` and the reasons in `ErrorMsg`, so a mistyped cron or command shows in the status table
/// from the first tick instead of looking like a timer waiting for its time. The row's history
/// (last run, served occurrence) stays; a row whose run is in progress is left alone.
struct SkippedEntryRows {
    let tick: TimerTick

    func mark(
        _ snapshot: inout [String: TimerStatusRow],
        unreadable: [String: String] = [:],
        report: inout TimerTickReport
    ) async {
        guard !tick.catalogue.isUnusable else { return }
        for entry in tick.catalogue.skippedEntries {
            guard let id = entry.id, unreadable[id] == nil else { continue }
            let existing = snapshot[id]
            if existing?.status == .started { continue }

            let marked = Self.marked(existing ?? TimerStatusRow(id: id), entry: entry)
            if let existing, marked == existing, !existing.needsRepair { continue }
            do {
                if let written = try await tick.rows.update(marked) { snapshot[id] = written }
            } catch {
                let shown = id.escapingControlCharacters
                report.problems.append("status row '\(shown)' of a skipped catalogue entry cannot be written: \(error)")
                tick.logger.warning(
                    "status row of a skipped catalogue entry not written",
                    metadata: ["row": shown, "error": "\(error)"]
                )
            }
        }
    }

    /// `row` showing why `entry` does not run.
    static func marked(_ row: TimerStatusRow, entry: SkippedTimerEntry) -> TimerStatusRow {
        var marked = row
        marked.status = .invalid
        let reasons = entry.reasons.joined(separator: "; ")
        marked.errorMessage = TimerRunner.truncated("catalogue entry #\(entry.position) is skipped: \(reasons)")
        if let command = entry.command { marked.command = command }
        if let cron = entry.cron { marked.cron = cron }
        marked.nextOccurrence = nil
        marked.retryAt = nil
        return marked
    }
}
