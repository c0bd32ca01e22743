import Foundation
import LinkTomeCore

/// What the orchestrations named in a status row's `OrchestratorId` mean for the next run.
enum OrchestrationCheck: Sendable {
    /// No orchestration is outstanding.
    case none
    /// One is still pending or running: the timer must not start again. `overdue` when it has run
    /// past the maximum age.
    case active(reason: String, overdue: Bool)
    /// All have ended: the row, settled with their outcome (not yet written).
    case finished(TimerStatusRow)
    /// Their state cannot be read (no durable client, or the query failed): treat as running.
    case unknown(reason: String)
}

/// The running guard: reads the state of a row's orchestrations and settles the row once they end.
struct OrchestrationGuard: Sendable {
    let runner: TimerRunner

    var environment: TimerEnvironment { runner.environment }

    func check(_ row: TimerStatusRow) async -> OrchestrationCheck {
        let ids = row.orchestratorIds
        guard !ids.isEmpty else { return .none }
        guard let durable = environment.durable else {
            return .unknown(reason: "orchestration \(row.orchestratorId) cannot be checked: no durable client")
        }

        var statuses: [(String, TimerInstanceStatus?)] = []
        for id in ids {
            do {
                let status = try await durable.instanceStatus(id)
                if let status, status.runtimeStatus.isActive { return active(status, row: row) }
                statuses.append((id, status))
            } catch {
                return .unknown(reason: "status of orchestration \(id) cannot be read: \(error)")
            }
        }
        return .finished(settled(row, statuses))
    }

    private func active(_ status: TimerInstanceStatus, row: TimerStatusRow) -> OrchestrationCheck {
        let now = environment.clock.now()
        let since = status.createdTime ?? row.orchestratorStarted
        let age = since.map { now.timeIntervalSince($0) } ?? 0
        let state = status.runtimeStatus.rawValue
        guard age > environment.policy.orchestrationMaxAge else {
            return .active(reason: "orchestration \(status.instanceId) is \(state)", overdue: false)
        }
        let reason =
            "orchestration \(status.instanceId) has been \(state) for \(TimersError.duration(age)), "
            + "past the maximum age of \(TimersError.duration(environment.policy.orchestrationMaxAge)); "
            + "it is left to the durable cleanup job"
        return .active(reason: reason, overdue: true)
    }

    /// The row with the final outcome of its (ended or vanished) orchestrations.
    private func settled(_ original: TimerStatusRow, _ statuses: [(String, TimerInstanceStatus?)]) -> TimerStatusRow {
        let now = environment.clock.now()
        var row = original
        var failures: [String] = []
        var lastResult: JSONValue = .null
        for (id, status) in statuses {
            switch outcome(id, status) {
            case .success(let result): lastResult = result
            case .failure(let message): failures.append(message.text)
            }
        }

        row.durationMilliseconds = duration(statuses, row: original, now: now)
        if failures.isEmpty {
            row.markCompleted(result: TimerRunner.truncated(lastResult.jsonText), at: now)
        } else {
            runner.markFailed(&row, message: failures.joined(separator: "; "), at: now)
        }
        row.orchestratorId = ""
        return row
    }

    private func outcome(_ id: String, _ status: TimerInstanceStatus?) -> Result<JSONValue, Failure> {
        guard let status else {
            return .failure(Failure("orchestration \(id) no longer exists, so its outcome is unknown"))
        }
        let output = status.output
        switch status.runtimeStatus {
        case .completed:
            guard let summary = OrchestrationSummary(json: output) else { return .success(output) }
            return summary.isSuccess ? .success(summary.countsJSON) : .failure(Failure(summary.errorText))
        case .failed:
            return .failure(Failure("orchestration \(id) failed: \(text(of: output, or: "no error message"))"))
        default:
            let state = status.runtimeStatus.rawValue.lowercased()
            return .failure(Failure("orchestration \(id) was \(state): \(text(of: output, or: "no reason given"))"))
        }
    }

    private func duration(_ statuses: [(String, TimerInstanceStatus?)], row: TimerStatusRow, now: Date) -> Int64? {
        let spans = statuses.compactMap { _, status -> Int64? in
            guard let created = status?.createdTime, let updated = status?.lastUpdatedTime else { return nil }
            return TimerRunner.milliseconds(from: created, to: updated)
        }
        if let longest = spans.max() { return longest }
        return row.orchestratorStarted.map { TimerRunner.milliseconds(from: $0, to: now) }
    }

    private func text(of value: JSONValue, or fallback: String) -> String {
        switch value {
        case .null: return fallback
        case .string(let text): return text.isEmpty ? fallback : text
        default: return value.jsonText
        }
    }

    struct Failure: Error {
        var text: String

        init(_ text: String) {
            self.text = text
        }
    }
}
