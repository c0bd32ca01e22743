import Cron
import Foundation
import LinkTomeCore
import TableStorage

extension ScheduledTaskOrchestrator {
    /// Claims one task, runs it and records the outcome.
    func runTask(
        _ key: TableEntityKey,
        now: Timestamp,
        zones: inout OwnerZones,
        counters: inout BusinessCounters
    )
        async throws
    {
        guard let task = try await BusinessTables.get(store, ScheduledTaskRules.table, key.partitionKey, key.rowKey),
            ScheduledTaskRules.claimReason(task, now: now) != nil
        else { return }

        let attempt = (BusinessFields.int(task["Attempts"]) ?? 0) + 1
        var claim = RowChange(task)
        claim.assign("TaskState", .string(ScheduledTaskRules.running))
        claim.assign("Attempts", .int32(Int32(clamping: attempt)))
        claim.assign("LeaseUntil", .dateTime(Timestamp(seconds: now.seconds + Int64(options.leaseSeconds))))
        claim.assign("LeaseOwner", .string("run-\(BusinessFields.dotNetTicks(now))"))
        claim.assign("LastRunAt", .dateTime(now))
        guard
            let claimed = try await write(claim),
            claimed.etag != nil
        else {
            counters.add("ClaimConflicts")
            return
        }
        counters.add("TasksRun")

        let type = BusinessFields.text(task["TaskType"]) ?? ""
        let parameters = BusinessFields.text(task["Parameters"]).flatMap { try? JSONParser.parse($0) } ?? [:]
        let outcome: Result<JSONValue, ScheduledTaskActions.Failure>
        do {
            _ = try TaskRecurrence(parsing: BusinessFields.text(task["Recurrence"]))
            outcome = .success(
                try await ScheduledTaskActions.run(
                    type: type,
                    parameters: parameters,
                    owner: key.partitionKey,
                    store: store
                )
            )
        } catch let failure as ScheduledTaskActions.Failure {
            outcome = .failure(failure)
        } catch {
            outcome = .failure(ScheduledTaskActions.Failure(message: "\(error)", permanent: true))
        }
        let zone = try await zones.zone(for: claimed, store: store)
        let finished = finish(claimed, outcome: outcome, attempt: attempt, now: now, zone: zone, counters: &counters)
        if try await write(finished) == nil {
            counters.add("ErrorCount")
            logger.error("scheduled task changed while it ran; outcome not recorded", metadata: ["task": key.rowKey])
        }
    }

    /// The row after the run: completed, planned at the next occurrence, retrying, or failed.
    private func finish(
        _ task: TableEntity,
        outcome: Result<JSONValue, ScheduledTaskActions.Failure>,
        attempt: Int,
        now: Timestamp,
        zone: TimeZone,
        counters: inout BusinessCounters
    ) -> RowChange {
        var change = RowChange(task)
        change.clear("LeaseUntil")
        change.clear("LeaseOwner")
        let recurrence: TaskRecurrence
        do {
            recurrence = try TaskRecurrence(parsing: BusinessFields.text(task["Recurrence"]))
        } catch {
            counters.add("TasksFailed")
            change.assign("TaskState", .string(ScheduledTaskRules.failed))
            change.assign("LastError", .string(error.message))
            return change
        }
        let scheduled = ScheduledTaskRules.due(task) ?? now
        let next = recurrence.next(after: scheduled, now: now, zone: zone)
        let maxAttempts = BusinessFields.int(task["MaxAttempts"]) ?? options.maxAttempts

        switch outcome {
        case .success(let result):
            change.assign("LastResult", .string(result.jsonText))
            change.clear("LastError")
            change.assign("Attempts", .int32(0))
            if let next {
                counters.add("TasksRescheduled")
                change.assign("TaskState", .string(ScheduledTaskRules.planned))
                change.assign("NextRunAt", .dateTime(next))
            } else {
                counters.add("TasksCompleted")
                change.assign("TaskState", .string(ScheduledTaskRules.completed))
                change.assign("CompletedAt", .dateTime(now))
                change.clear("NextRunAt")
            }
        case .failure(let failure):
            change.assign("LastError", .string(failure.message))
            if !failure.permanent, attempt < maxAttempts {
                counters.add("TasksRetrying")
                change.assign("TaskState", .string(ScheduledTaskRules.retrying))
                let wait = ScheduledTaskRules.backoff(attempt: attempt)
                change.assign("NextRunAt", .dateTime(Timestamp(seconds: now.seconds + wait)))
            } else if let next, !failure.permanent {
                counters.add("TasksFailedOccurrences")
                change.assign("TaskState", .string(ScheduledTaskRules.planned))
                change.assign("NextRunAt", .dateTime(next))
                change.assign("Attempts", .int32(0))
            } else {
                counters.add("TasksFailed")
                change.assign("TaskState", .string(ScheduledTaskRules.failed))
                change.clear("NextRunAt")
            }
        }
        return change
    }

    /// Writes a change conditional on the ETag read; returns the row as written (with its new ETag),
    /// or `nil` when someone else changed the row first.
    private func write(_ change: RowChange) async throws -> TableEntity? {
        var written = change.original
        for name in change.removals { written.properties.removeValue(forKey: name) }
        for (name, value) in change.updates { written.properties[name] = value }
        do {
            let etag: String
            switch change.operation {
            case .merge(let patch, let condition):
                etag = try await store.merge(patch, in: ScheduledTaskRules.table, ifMatch: condition)
            case .replace(let entity, let condition):
                etag = try await store.replace(entity, in: ScheduledTaskRules.table, ifMatch: condition)
            default:
                return nil
            }
            written.etag = etag
            return written
        } catch let error as TableStorageError where error.kind == .preconditionFailed || error.kind == .notFound {
            return nil
        }
    }
}

/// Time zones of task owners, looked up once per work item: the task's `TimeZone`, else the
/// owner's `Users.TimeZone`, else UTC (unknown ids fall back to UTC).
struct OwnerZones {
    private var cache: [String: TimeZone] = [:]

    mutating func zone(for task: TableEntity, store: any TableStore) async throws -> TimeZone {
        if let id = BusinessFields.text(task["TimeZone"]), let zone = try? CronTimeZone.named(id) { return zone }
        return try await zone(owner: task.partitionKey, store: store)
    }

    mutating func zone(owner: String, store: any TableStore) async throws -> TimeZone {
        if let known = cache[owner] { return known }
        let user = try await SubscriptionDirectory.user(store, id: owner)
        let zone = user.flatMap { BusinessFields.text($0["TimeZone"]) }.flatMap { try? CronTimeZone.named($0) } ?? .gmt
        cache[owner] = zone
        return zone
    }
}
