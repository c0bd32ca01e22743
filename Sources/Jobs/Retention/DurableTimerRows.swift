import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// Settles timer status rows whose orchestrations have ended or vanished, exactly as the timer
/// tick's running guard settles them, so the two never disagree about a row.
///
/// A row of `LinkTomeTimers` with a non-empty `OrchestratorId` keeps its timer from running while
/// that orchestration is pending or running. Once every instance it names has ended, or no longer
/// exists (purged, or lost with a reset hub), the row becomes `Completed` (every instance completed
/// and no orchestration summary reports failed items) or `Failed` with the reason in `ErrorMsg`, a
/// failure counted and its retry scheduled under the timer policy, and `OrchestratorId` is cleared:
/// the timer runs again at its next occurrence (or retry). Each row is replaced on the ETag it was
/// read with, so a tick settling the same row at the same moment wins without harm.
struct DurableTimerRows {
    let store: any TableStore
    let client: any DurableMaintenanceClient
    let policy: TimerPolicy
    let now: Date
    let logger: Logger

    /// Settles every settleable row; counts `timerSettled` (changed) and `timerStillRunning` (kept).
    func settle() async throws -> RetentionSummary {
        var counts = RetentionSummary(command: DurableCleanup.command, target: TimerStatusRow.table)
        let filter =
            TableFilter.partitionKey(TimerStatusRow.partitionKey)
            && .greaterThan("OrchestratorId", .string(""))
        let rows: [TableEntity]
        do {
            rows = try await store.queryAll(TimerStatusRow.table, filter: filter)
        } catch let error as TableStorageError where error.kind == .notFound {
            return counts
        }
        for entity in rows {
            do {
                try await settle(TimerStatusRow(entity: entity), counts: &counts)
            } catch {
                if error is CancellationError { throw error }
                counts.countFailed("timerSettle")
                logger.warning(
                    "timer row could not be settled; the next run retries",
                    metadata: ["timerId": entity.rowKey, "error": String(describing: error)]
                )
            }
        }
        return counts
    }

    private func settle(_ original: TimerStatusRow, counts: inout RetentionSummary) async throws {
        var statuses: [(String, DurableInstanceSummary?)] = []
        for id in original.orchestratorIds {
            let status = try await client.instanceStatus(id)
            if let status, status.isActive {
                counts.countKept("timerStillRunning")
                return
            }
            statuses.append((id, status))
        }

        let row = settled(original, statuses)
        guard let etag = original.etag else { return }
        do {
            try await store.replace(row.entity, in: TimerStatusRow.table, ifMatch: .matching(etag))
            counts.countChanged("timerSettled")
            logger.info(
                "timer row settled",
                metadata: ["timerId": row.id, "status": row.status.text, "error": row.errorMessage]
            )
        } catch let error as TableStorageError where error.kind == .preconditionFailed || error.kind == .notFound {
            counts.countKept("timerChangedSinceRead")
        }
    }

    /// The row with the outcome of its ended or vanished orchestrations.
    func settled(_ original: TimerStatusRow, _ statuses: [(String, DurableInstanceSummary?)]) -> TimerStatusRow {
        var row = original
        var failures: [String] = []
        var lastResult: JSONValue = .null
        for (id, status) in statuses {
            switch Self.outcome(id, status) {
            case .success(let result): lastResult = result
            case .failure(let failure): failures.append(failure.message)
            }
        }
        row.durationMilliseconds = duration(statuses, row: original)
        row.lastCompleted = now
        row.orchestratorId = ""
        if failures.isEmpty {
            row.status = .completed
            row.errorMessage = ""
            row.lastResult = Self.truncated(lastResult.jsonText)
            row.consecutiveFailures = 0
            row.retryAt = nil
        } else {
            row.status = .failed
            row.errorMessage = Self.truncated(failures.joined(separator: "; "))
            row.lastResult = ""
            row.consecutiveFailures += 1
            let retriable = row.trigger != TimerRunTrigger.manual(by: "").label && row.attempt <= policy.maxRetries
            row.retryAt = retriable ? now.addingTimeInterval(policy.retryDelay(forRetry: row.attempt)) : nil
        }
        return row
    }

    struct Failure: Error {
        var message: String
    }

    static func outcome(_ id: String, _ status: DurableInstanceSummary?) -> Result<JSONValue, Failure> {
        guard let status else {
            return .failure(Failure(message: "orchestration \(id) no longer exists, so its outcome is unknown"))
        }
        switch status.runtimeStatus.lowercased() {
        case "completed":
            guard let summary = OrchestrationSummary(json: status.output) else { return .success(status.output) }
            return summary.isSuccess ? .success(summary.countsJSON) : .failure(Failure(message: summary.errorText))
        case "failed":
            return .failure(
                Failure(message: "orchestration \(id) failed: \(text(status.output, or: "no error message"))")
            )
        default:
            let state = status.runtimeStatus.lowercased()
            return .failure(
                Failure(message: "orchestration \(id) was \(state): \(text(status.output, or: "no reason given"))")
            )
        }
    }

    private func duration(_ statuses: [(String, DurableInstanceSummary?)], row: TimerStatusRow) -> Int64? {
        let spans = statuses.compactMap { _, status -> Int64? in
            guard let created = status?.createdTime, let updated = status?.lastUpdatedTime else { return nil }
            return Self.milliseconds(from: created, to: updated)
        }
        if let longest = spans.max() { return longest }
        return row.orchestratorStarted.map { Self.milliseconds(from: $0, to: now) }
    }

    private static func milliseconds(from start: Date, to end: Date) -> Int64 {
        Int64(max(0, (end.timeIntervalSince(start) * 1_000).rounded()))
    }

    private static func text(_ output: JSONValue, or fallback: String) -> String {
        switch output {
        case .null: return fallback
        case .string(let text): return text.isEmpty ? fallback : text
        default: return output.jsonText
        }
    }

    /// Texts the status row holds are capped at 8,000 characters, as the timer runner caps them.
    private static func truncated(_ text: String) -> String {
        guard text.count > 8_000 else { return text }
        return String(text.prefix(7_999)) + "…"
    }
}
