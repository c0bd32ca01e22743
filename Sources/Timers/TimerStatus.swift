import Foundation

/// The `Status` column's values, as the original wrote them. Rows may hold other text (older
/// versions, hand edits); ``TimerStatusRow`` keeps it as `other`.
public enum TimerStatus: Sendable, Hashable, CustomStringConvertible {
    /// The row exists but the timer has not run since.
    case notScheduled
    /// A run is in progress: inline under a claim, or as the orchestration in `OrchestratorId`.
    case started
    /// The last run finished and did its work.
    case completed
    /// The last run failed; `ErrorMsg` says why.
    case failed
    /// The timer's catalogue entry is skipped (unknown command, bad cron, …); `ErrorMsg` says why.
    /// The timer does not run until the entry is fixed.
    case invalid
    /// Text this program does not write.
    case other(String)

    public init(text: String?) {
        switch text?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "", "not scheduled": self = .notScheduled
        case "started": self = .started
        case "completed": self = .completed
        case "failed": self = .failed
        case "invalid": self = .invalid
        default: self = .other(text ?? "")
        }
    }

    /// The text written to the row.
    public var text: String {
        switch self {
        case .notScheduled: return "Not Scheduled"
        case .started: return "Started"
        case .completed: return "Completed"
        case .failed: return "Failed"
        case .invalid: return "Invalid"
        case .other(let text): return text
        }
    }

    public var description: String { text }
}
