import Foundation
import LinkTomeCore

extension TimerTickReport {
    /// The report as the timer function's `ReturnValue`, so that a local host can show what the tick
    /// did: `StartedAt`, `Entries` (`TimerId`, `Command`, `Outcome` — `Ran`, `Skipped`, `Busy`,
    /// `NotDue`, `OtherRole`, `Deferred`, `Contended` or `Error` — and `Reason`, `Next`,
    /// `Occurrence`, `Result`, `InstanceId`, `Error` as they apply), `Invalid` (catalogue entries
    /// rejected: `Id`, `Command`, `Reason`), `Problems` and `Failure`.
    public func json(invalid: [CatalogueProblem] = []) -> JSONValue {
        var object: [String: JSONValue] = [
            "StartedAt": .string(Self.text(startedAt)),
            "Entries": .array(entries.map(\.json)),
            "Problems": .array(problems.map { .string($0) }),
            "Invalid": .array(
                invalid.map { problem in
                    [
                        "Id": problem.id.map { .string($0) } ?? .null,
                        "Command": problem.command.map { .string($0) } ?? .null,
                        "Reason": .string(problem.message),
                    ]
                }
            ),
        ]
        if let failure { object["Failure"] = .string(failure) }
        return .object(object)
    }

    static func text(_ date: Date) -> String { Timestamp(date).iso8601(fractionDigits: 0) }
}

extension TimerTickReport.Entry {
    var json: JSONValue {
        var object: [String: JSONValue] = ["TimerId": .string(timerId), "Command": .string(command)]
        switch outcome {
        case .ran(let occurrence, let attempt, let result):
            object["Outcome"] = "Ran"
            object["Occurrence"] = .string(TimerTickReport.text(occurrence))
            object["Attempt"] = .integer(Int64(attempt))
            switch result {
            case .completed(let value): object["Result"] = value
            case .startedOrchestration(let instanceId): object["InstanceId"] = .string(instanceId)
            case .failed(let message): object["Error"] = .string(message)
            }
        case .skipped(let occurrence, let lateness):
            object["Outcome"] = "Skipped"
            object["Occurrence"] = .string(TimerTickReport.text(occurrence))
            object["Reason"] = .string(
                "occurrence \(TimerTickReport.text(occurrence)) was \(Int(lateness)) s late"
            )
        case .busy(let reason):
            object["Outcome"] = "Busy"
            object["Reason"] = .string(reason)
        case .notDue(let next):
            object["Outcome"] = "NotDue"
            object["Next"] = next.map { .string(TimerTickReport.text($0)) } ?? .null
        case .otherRole:
            object["Outcome"] = "OtherRole"
            object["Reason"] = "runs only on processor instances"
        case .deferred:
            object["Outcome"] = "Deferred"
            object["Reason"] = "the tick's time budget ran out"
        case .contended:
            object["Outcome"] = "Contended"
            object["Reason"] = "other writers kept changing the row"
        case .error(let message):
            object["Outcome"] = "Error"
            object["Reason"] = .string(message)
        }
        return .object(object)
    }
}
