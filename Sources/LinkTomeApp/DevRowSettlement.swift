import DevHost
import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// Settles, after `linktome dev --once`, the timer status rows whose orchestrations all ended in this
/// host's store, with the timers' own rule (``TimerRowSettlement``), so that no row is left
/// `Started` with an `OrchestratorId` that only a later tick would clear.
enum DevRowSettlement {
    /// Settles every such row (a conditional write on the row's ETag); returns the settled timer ids.
    /// A row whose orchestrations are still running, or that changed meanwhile, is left alone.
    static func settle(_ host: DevHost, settings: Settings, logger: Logger) async -> [String] {
        let store = host.core.durable.store
        var settled: [String] = []
        var continuation: TableContinuation?
        repeat {
            guard
                let page = try? await store.queryPage(
                    TimerStatusRow.table,
                    filter: .equal("PartitionKey", .string(TimerStatusRow.partitionKey)),
                    select: nil,
                    maxCount: TableValidation.maximumPageSize,
                    continuation: continuation
                )
            else { return settled }
            continuation = page.continuation
            for entity in page.entities {
                if await settle(TimerStatusRow(entity: entity), host: host, settings: settings, logger: logger) {
                    settled.append(entity.rowKey)
                }
            }
        } while continuation != nil
        return settled
    }

    private static func settle(_ row: TimerStatusRow, host: DevHost, settings: Settings, logger: Logger) async -> Bool {
        guard !row.orchestratorIds.isEmpty, let etag = row.etag else { return false }
        var instances: [TimerRowSettlement.Instance] = []
        for id in row.orchestratorIds {
            guard let record = try? await host.core.durable.instance(id) else {
                instances.append(.init(id: id, status: nil))
                continue
            }
            guard record.runtimeStatus.isTerminal else { return false }
            instances.append(.init(id: id, status: status(of: record)))
        }
        let now = host.core.clock.now()
        let new = TimerRowSettlement.settle(
            row: row,
            statuses: instances,
            policy: TimerPolicy(settings: settings),
            now: now
        )
        do {
            _ = try await host.core.durable.store.replace(
                new.entity,
                in: TimerStatusRow.table,
                ifMatch: .matching(etag)
            )
            logger.info("timer row settled", metadata: ["timer.id": row.id, "status": "\(new.status)"])
            return true
        } catch {
            logger.warning("timer row not settled", metadata: ["timer.id": row.id, "error": "\(error)"])
            return false
        }
    }

    /// The instance as the timers' durable client reports it: a failed one's output is its error.
    static func status(of record: InstanceRecord) -> TimerInstanceStatus {
        var output: JSONValue = .null
        if record.runtimeStatus == .failed {
            output = .string(record.failure ?? record.output ?? "failed")
        } else if let text = record.output {
            output = (try? JSONParser.parse(Array(text.utf8))) ?? .string(text)
        }
        return TimerInstanceStatus(
            instanceId: record.instanceId,
            runtimeStatus: TimerInstanceRuntimeStatus(lenient: record.runtimeStatus.rawValue),
            createdTime: record.createdTime.date,
            lastUpdatedTime: record.lastUpdatedTime.date,
            output: output
        )
    }
}
