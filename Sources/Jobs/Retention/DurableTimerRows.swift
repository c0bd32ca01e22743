import Foundation
import LinkTomeCore
import TableStorage

/// Settles timer status rows whose orchestrations have ended or vanished.
///
/// A row of `LinkTomeTimers` (PartitionKey `Timer`) with a non-empty `OrchestratorId` keeps its timer
/// from running while that orchestration is pending or running. Once every instance it names has
/// ended (or no longer exists, for example after a purge or a hub reset), the row is merged, on the
/// ETag it was read with, with `Status` `Completed` (all completed) or `Failed` (with `ErrorMsg`
/// saying what happened) and an empty `OrchestratorId`, so the timer runs at its next occurrence.
struct DurableTimerRows {
    static let table = "LinkTomeTimers"
    static let partition = "Timer"

    let store: any TableStore
    let client: any DurableMaintenanceClient
    let now: Date
    let logger: Logger

    /// Settles every settleable row; counts `timerSettled` (changed) and `timerStillRunning` (kept).
    func settle() async throws -> RetentionSummary {
        var counts = RetentionSummary(command: DurableCleanup.command, target: Self.table)
        let filter = TableFilter.partitionKey(Self.partition) && .greaterThan("OrchestratorId", .string(""))
        let rows: [TableEntity]
        do {
            rows = try await store.queryAll(Self.table, filter: filter, select: ["OrchestratorId", "Status"])
        } catch let error as TableStorageError where error.kind == .notFound {
            return counts
        }
        for row in rows {
            do {
                try await settle(row, counts: &counts)
            } catch {
                if error is CancellationError { throw error }
                counts.countFailed("timerSettle")
                logger.warning(
                    "timer row could not be settled; the next run retries",
                    metadata: ["timerId": row.rowKey, "error": String(describing: error)]
                )
            }
        }
        return counts
    }

    private func settle(_ row: TableEntity, counts: inout RetentionSummary) async throws {
        let ids = (row["OrchestratorId"]?.stringValue ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var problems: [String] = []
        for id in ids {
            guard let status = try await client.instanceStatus(id) else {
                problems.append("orchestration \(id) no longer exists, so its outcome is unknown")
                continue
            }
            if status.isActive {
                counts.countKept("timerStillRunning")
                return
            }
            if status.runtimeStatus.lowercased() != "completed" {
                problems.append("orchestration \(id) ended \(status.runtimeStatus): \(Self.text(status.output))")
            }
        }

        var update = TableEntity(partitionKey: row.partitionKey, rowKey: row.rowKey)
        update["Status"] = problems.isEmpty ? "Completed" : "Failed"
        update["ErrorMsg"] = .string(problems.joined(separator: "; "))
        update["OrchestratorId"] = ""
        update["LastCompleted"] = .dateTime(now)
        do {
            try await store.merge(update, in: Self.table, ifMatch: row.etag.map { .matching($0) } ?? .any)
            counts.countChanged("timerSettled")
            logger.info(
                "timer row settled",
                metadata: ["timerId": row.rowKey, "status": update["Status"]?.stringValue ?? ""]
            )
        } catch let error as TableStorageError where error.kind == .preconditionFailed || error.kind == .notFound {
            counts.countKept("timerChangedSinceRead")
        }
    }

    private static func text(_ output: JSONValue) -> String {
        switch output {
        case .null: return "no message"
        case .string(let text): return text.isEmpty ? "no message" : text
        default: return output.jsonText
        }
    }
}
