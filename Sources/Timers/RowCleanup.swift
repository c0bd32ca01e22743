import Foundation
import LinkTomeCore

/// Removes status rows whose timers are no longer in the catalogue, one row at a time, so that a
/// failure on one row affects only that row.
///
/// A row keyed by a catalogue timer's `Command` (how rows were keyed before they were keyed by
/// `Id`) first hands its history to the timer's row, unless that row has its own.
struct RowCleanup {
    let tick: TimerTick

    func removeStaleRows(_ snapshot: inout [String: TimerStatusRow], report: inout TimerTickReport) async {
        let catalogue = tick.catalogue
        // A catalogue that failed to load declares nothing; deleting every row would lose all history.
        guard !catalogue.declaredIds.isEmpty, !catalogue.problems.contains(where: { $0.position == nil }) else {
            return
        }

        let stale = snapshot.keys.filter { !catalogue.declaredIds.contains($0) }.sorted()
        for key in stale {
            guard let row = snapshot[key] else { continue }
            do {
                if let timer = catalogue.timers.first(where: { $0.command.lowercased() == key.lowercased() }) {
                    try await migrate(row, to: timer, snapshot: &snapshot)
                }
                try await tick.rows.delete(key)
                snapshot[key] = nil
                report.removedRows.append(key)
                tick.logger.info("stale timer status row removed", metadata: ["row": key])
            } catch {
                let problem = "status row '\(key)' could not be removed: \(error)"
                report.problems.append(problem)
                tick.logger.warning("stale timer status row not removed", metadata: ["row": key, "error": "\(error)"])
            }
        }
    }

    /// Carries a command-keyed row's last run over to the timer's own row when that has no history.
    private func migrate(
        _ legacy: TimerStatusRow,
        to timer: TimerDefinition,
        snapshot: inout [String: TimerStatusRow]
    ) async throws {
        let current = snapshot[timer.id]
        guard current?.servedFloor == nil, let tickTime = legacy.lastOccurrence else { return }

        var migrated = current ?? TimerStatusRow(timer: timer)
        migrated.refresh(from: timer)
        migrated.lastOccurrence = tickTime
        migrated.lastServedOccurrence = tick.planner.legacyServedOccurrence(timer, tickTime: tickTime)
        switch legacy.status {
        case .completed, .failed:
            migrated.status = legacy.status
            migrated.errorMessage = legacy.errorMessage
        default:
            break
        }
        if let written = try await tick.rows.update(migrated) {
            snapshot[timer.id] = written
        }
    }
}
