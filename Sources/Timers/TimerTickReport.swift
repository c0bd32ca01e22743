import Foundation
import LinkTomeCore

/// What a tick did with each timer, in priority order, and what it reported.
public struct TimerTickReport: Sendable {
    /// What happened to one timer.
    public enum Outcome: Sendable, Hashable {
        /// An occurrence was claimed and run.
        case ran(occurrence: Date, attempt: Int, result: TimerRunResult)
        /// An occurrence was too late to run; it is recorded as skipped.
        case skipped(occurrence: Date, lateness: TimeInterval)
        /// The timer is running (claim held or orchestration active), or its state cannot be read.
        case busy(String)
        /// Nothing was due; the next occurrence.
        case notDue(next: Date?)
        /// The timer runs only on processor instances and this one is not.
        case otherRole
        /// The tick's time budget ran out before the timer was looked at.
        case deferred
        /// Other writers kept changing the row; the timer is left to the next tick.
        case contended
        /// Reading or writing the timer's state failed.
        case error(String)
    }

    public struct Entry: Sendable, Hashable {
        public var timerId: String
        public var command: String
        public var outcome: Outcome
    }

    /// When the tick started.
    public var startedAt: Date
    /// One entry per catalogue timer, in run order.
    public var entries: [Entry] = []
    /// RowKeys of status rows removed because their timers left the catalogue.
    public var removedRows: [String] = []
    /// Catalogue problems, malformed settings and failed cleanups, as logged.
    public var problems: [String] = []
    /// Set when the tick could not run at all (the status table is unreachable).
    public var failure: String?

    /// The entries whose timers ran.
    public var runs: [Entry] {
        entries.filter { if case .ran = $0.outcome { return true } else { return false } }
    }

    /// The outcome for the timer with `id`.
    public func outcome(for id: String) -> Outcome? {
        entries.first { $0.timerId == id }?.outcome
    }
}
