import Foundation
import LinkTomeCore
import TableStorage

/// Removes status rows whose timers are no longer in the catalogue, one row at a time, so that a
/// failure on one row affects only that row; which rows go follows ``RowRetention``.
///
/// A row keyed by a catalogue timer's `Command` (how rows were keyed before they were keyed by
/// `Id`) first hands its history to the timer's row, unless that row has its own.
struct RowCleanup {
    let tick: TimerTick

    /// Acts on every row whose RowKey is no declared `Id`. An unreadable row (`unreadable`) whose
    /// fate is removal is removed like any other; one whose history should be handed over is kept.
    func removeStaleRows(
        _ snapshot: inout [String: TimerStatusRow],
        unreadable: [String: String] = [:],
        report: inout TimerTickReport
    ) async {
        let retention = RowRetention(catalogue: tick.catalogue)
        for key in Set(snapshot.keys).union(unreadable.keys).sorted() {
            guard let fate = retention.fate(ofRowKey: key, readable: unreadable[key] == nil) else { continue }
            let shown = key.escapingControlCharacters
            do {
                switch fate {
                case .keep: continue
                case .remove: break
                case .handOver(let id):
                    guard let row = snapshot[key], let timer = tick.catalogue.timers.first(where: { $0.id == id })
                    else { continue }
                    try await migrate(row, to: timer, snapshot: &snapshot)
                }
                try await tick.rows.delete(key)
                snapshot[key] = nil
                report.removedRows.append(key)
                tick.logger.info("stale timer status row removed", metadata: ["row": shown])
            } catch {
                let problem = Self.problem(key: shown, error: error)
                report.problems.append(problem)
                tick.logger.warning("stale timer status row not removed", metadata: ["row": shown, "error": problem])
            }
        }
    }

    /// Why a row could not be removed; a key the store refuses outright needs a person.
    static func problem(key: String, error: any Error) -> String {
        if let error = error as? TableStorageError, error.kind == .validation || error.kind == .badRequest {
            return "status row '\(key)' cannot be removed by this program (\(error)); delete it by hand, "
                + "e.g. in Azure Storage Explorer"
        }
        return "status row '\(key)' could not be removed: \(error)"
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
