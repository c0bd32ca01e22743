import LinkTomeCore

/// Why a timer, a timer command, an orchestration input or an activity could not be used.
///
/// Every case carries what an operator needs to find the cause; ``description`` is written for a
/// log line, a `Status = Failed` row's `ErrorMsg` and the command line.
public enum TimersError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The catalogue file could not be read or is not a JSON array of timers.
    case catalogueUnreadable(source: String, reason: String)
    /// No command of that name is registered.
    case unknownCommand(String)
    /// A command's `Parameters` do not fit the parameters the command declares.
    case invalidParameters(command: String, reason: String)
    /// A command asked for an orchestration where none can be started.
    case orchestrationUnavailable(command: String, reason: String)
    /// No catalogue timer has this Id or Command.
    case timerNotFound(String)
    /// The timer is running (its claim is held or its orchestration is active), so it cannot start again.
    case timerBusy(timer: String, reason: String)
    /// A command ran longer than its time limit and was abandoned.
    case timedOut(command: String, seconds: Double)
    /// An activity named a function for which no item handler is registered.
    case unknownActivity(String)
    /// An activity or orchestration input that cannot be used.
    case invalidInput(String)
    /// The durable client failed (start or status query).
    case durable(String)
    /// The status table cannot be used, so no timer can run.
    case storageUnavailable(String)

    public var description: String {
        switch self {
        case .catalogueUnreadable(let source, let reason):
            return "timer catalogue \(source) cannot be used: \(reason)"
        case .unknownCommand(let name):
            let shown = name.escapingControlCharacters
            return "unknown timer command '\(shown)': no Swift command is registered under that name"
        case .invalidParameters(let command, let reason):
            return "invalid Parameters for \(command): \(reason)"
        case .orchestrationUnavailable(let command, let reason):
            return "\(command) asked for an orchestration, which cannot be started here: \(reason)"
        case .timerNotFound(let key):
            return "no timer in the catalogue has the Id or Command '\(key.escapingControlCharacters)'"
        case .timerBusy(let timer, let reason):
            return "timer \(timer) is already running: \(reason)"
        case .timedOut(let command, let seconds):
            return "\(command) did not finish within \(Self.duration(seconds)) and was abandoned"
        case .unknownActivity(let name):
            return "unknown activity function '\(name)': no item handler is registered under that name"
        case .invalidInput(let reason):
            return reason
        case .durable(let reason):
            return "durable client: \(reason)"
        case .storageUnavailable(let reason):
            return reason
        }
    }

    /// `90 s`, `12 min`, `1.5 h`: short, for messages.
    static func duration(_ seconds: Double) -> String {
        if seconds < 120 { return "\(Int(seconds.rounded())) s" }
        if seconds < 7_200 { return "\(Int((seconds / 60).rounded())) min" }
        let hours = (seconds / 360).rounded() / 10
        return hours == hours.rounded() ? "\(Int(hours)) h" : "\(hours) h"
    }
}
