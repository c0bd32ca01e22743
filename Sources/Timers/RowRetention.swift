import Foundation
import LinkTomeCore

/// What happens to a status row whose RowKey is no `Id` written in the catalogue. The tick acts on
/// it and `linktome timers list` shows it, from the same rules (``RowRetention``).
public enum StaleRowFate: Sendable, Hashable {
    /// The row's timer left the catalogue: the tick removes the row.
    case remove
    /// The row is keyed by a valid timer's `Command` (as rows were keyed before they were keyed by
    /// `Id`): the tick hands its last run to that timer's row (unless that row has history of its
    /// own), then removes it.
    case handOver(toTimerId: String)
    /// The row stays, for the reason given.
    case keep(String)

    /// What the tick will do, for a table or a log line.
    public var summary: String {
        switch self {
        case .remove: return "removed at the next tick"
        case .handOver(let id):
            return "history handed to timer \(id.escapingControlCharacters), then removed at the next tick"
        case .keep(let reason): return "kept: " + reason
        }
    }
}

/// The rules for rows whose RowKey is no catalogue `Id`:
///
/// - While the catalogue cannot be read, or declares no `Id` at all (`[]`), no row is removed:
///   a broken or emptied file must not wipe every timer's history.
/// - A row keyed by a valid timer's `Command` hands its history over, then is removed.
/// - A row keyed by the `Command` of an entry that is declared but skipped (unknown command, bad
///   cron, …) is kept, so the history is still there to hand over once the entry is fixed.
/// - Any other row is removed.
///
/// Rows keyed by a declared `Id` always stay, whether the entry is valid or skipped.
struct RowRetention {
    let catalogue: TimerCatalogue

    /// The fate of the row keyed `key`, or `nil` when the key is a declared `Id`. A row that cannot
    /// be decoded (`readable` false) cannot hand its history over, so it is kept instead.
    func fate(ofRowKey key: String, readable: Bool = true) -> StaleRowFate? {
        guard !catalogue.declaredIds.contains(key) else { return nil }
        if catalogue.isUnusable {
            return .keep("the catalogue cannot be used, so no status row is removed")
        }
        if catalogue.declaredIds.isEmpty {
            return .keep("the catalogue declares no timer, so no status row is removed")
        }
        let lowered = key.lowercased()
        if let timer = catalogue.timers.first(where: { $0.command.lowercased() == lowered }) {
            guard readable else {
                return .keep("it cannot be read, so its history cannot be handed to timer \(timer.id)")
            }
            return .handOver(toTimerId: timer.id)
        }
        if catalogue.declaredCommands.contains(lowered) {
            return .keep(
                "the catalogue entry with this Command is skipped; its history is kept until the entry is fixed"
            )
        }
        return .remove
    }
}
