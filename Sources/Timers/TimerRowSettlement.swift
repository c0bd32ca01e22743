import Foundation
import LinkTomeCore

/// How a status row is settled once every orchestration named in its `OrchestratorId` has ended
/// or vanished: the one rule the timer tick's running guard and the durable cleanup job share, so
/// they never disagree about a row.
///
/// The row becomes `Completed` when every instance completed and no orchestration summary reports
/// failed items (`LastResult` holds the last instance's summary), else `Failed` with the reasons in
/// `ErrorMsg`, the failure counted and a retry scheduled under the policy (not for manual runs).
/// `DurationMs` is the longest instance's run time (or the time since `OrchestratorStarted` when
/// no instance reports one), and `OrchestratorId` is cleared.
public enum TimerRowSettlement {
    /// The state of one instance named by the row; `status` is `nil` when the instance no longer exists.
    public struct Instance: Sendable, Hashable {
        public var id: String
        public var status: TimerInstanceStatus?

        public init(id: String, status: TimerInstanceStatus?) {
            self.id = id
            self.status = status
        }
    }

    /// `row` settled with the outcome of `instances` at `now` (not written).
    public static func settle(
        row original: TimerStatusRow,
        statuses instances: [Instance],
        policy: TimerPolicy,
        now: Date
    ) -> TimerStatusRow {
        var row = original
        var failures: [String] = []
        var lastResult: JSONValue = .null
        for instance in instances {
            switch outcome(instance.id, instance.status) {
            case .success(let result): lastResult = result
            case .failure(let failure): failures.append(failure.text)
            }
        }

        row.durationMilliseconds = duration(instances, row: original, now: now)
        if failures.isEmpty {
            row.markCompleted(result: TimerRunner.truncated(lastResult.jsonText), at: now)
        } else {
            markFailed(&row, message: failures.joined(separator: "; "), policy: policy, at: now)
        }
        row.orchestratorId = ""
        return row
    }

    /// Marks `row` failed with `message`, counting the failure and scheduling a retry when allowed.
    static func markFailed(_ row: inout TimerStatusRow, message: String, policy: TimerPolicy, at now: Date) {
        row.status = .failed
        row.errorMessage = TimerRunner.truncated(message)
        row.consecutiveFailures += 1
        row.lastCompleted = now
        row.lastResult = ""
        row.orchestratorId = ""
        let retriable = row.trigger != TimerRunTrigger.manual(by: "").label && row.attempt <= policy.maxRetries
        row.retryAt = retriable ? now.addingTimeInterval(policy.retryDelay(forRetry: row.attempt)) : nil
    }

    struct Failure: Error {
        var text: String
    }

    private static func outcome(_ id: String, _ status: TimerInstanceStatus?) -> Result<JSONValue, Failure> {
        guard let status else {
            return .failure(Failure(text: "orchestration \(id) no longer exists, so its outcome is unknown"))
        }
        let output = status.output
        switch status.runtimeStatus {
        case .completed:
            guard let summary = OrchestrationSummary(json: output) else { return .success(output) }
            return summary.isSuccess ? .success(summary.countsJSON) : .failure(Failure(text: summary.errorText))
        case .failed:
            return .failure(Failure(text: "orchestration \(id) failed: \(text(of: output, or: "no error message"))"))
        default:
            let state = status.runtimeStatus.rawValue.lowercased()
            return .failure(
                Failure(text: "orchestration \(id) was \(state): \(text(of: output, or: "no reason given"))")
            )
        }
    }

    private static func duration(_ instances: [Instance], row: TimerStatusRow, now: Date) -> Int64? {
        let spans = instances.compactMap { instance -> Int64? in
            guard let created = instance.status?.createdTime, let updated = instance.status?.lastUpdatedTime else {
                return nil
            }
            return TimerRunner.milliseconds(from: created, to: updated)
        }
        if let longest = spans.max() { return longest }
        return row.orchestratorStarted.map { TimerRunner.milliseconds(from: $0, to: now) }
    }

    private static func text(of value: JSONValue, or fallback: String) -> String {
        switch value {
        case .null: return fallback
        case .string(let text): return text.isEmpty ? fallback : text
        default: return value.jsonText
        }
    }
}
