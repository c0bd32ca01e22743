import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// Settles timer status rows whose orchestrations have ended or vanished with the timer tick's own
/// rule (``TimerRowSettlement``), so the two never disagree about a row.
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
        var instances: [TimerRowSettlement.Instance] = []
        for id in original.orchestratorIds {
            let status = try await client.instanceStatus(id)
            if let status, status.isActive {
                counts.countKept("timerStillRunning")
                return
            }
            instances.append(TimerRowSettlement.Instance(id: id, status: status.map(Self.timerStatus)))
        }

        let row = TimerRowSettlement.settle(row: original, statuses: instances, policy: policy, now: now)
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

    /// The instance as the timer module describes it.
    static func timerStatus(_ summary: DurableInstanceSummary) -> TimerInstanceStatus {
        TimerInstanceStatus(
            instanceId: summary.instanceId,
            runtimeStatus: TimerInstanceRuntimeStatus(lenient: summary.runtimeStatus),
            createdTime: summary.createdTime,
            lastUpdatedTime: summary.lastUpdatedTime,
            output: summary.output
        )
    }
}
