import Cron
import Foundation
import LinkTomeCore
import TableStorage
import Timers

extension HealthCheckOrchestrator {
    func probeStore(now: Timestamp) async -> HealthCheckResult {
        let probe = TableEntity(
            partitionKey: "probe",
            rowKey: "probe-\(BusinessFields.dotNetTicks(now))",
            properties: ["CheckedAt": .dateTime(now)]
        )
        do {
            try await BusinessTables.ensureTable(store, Self.table)
            try await store.upsert(probe, in: Self.table)
            guard try await store.get(from: Self.table, partitionKey: probe.partitionKey, rowKey: probe.rowKey) != nil
            else {
                return HealthCheckResult(
                    name: "TableStore",
                    status: .fail,
                    detail: "the probe row written could not be read"
                )
            }
            try await store.delete(from: Self.table, partitionKey: probe.partitionKey, rowKey: probe.rowKey)
            return HealthCheckResult(
                name: "TableStore",
                status: .pass,
                detail: "write, read and delete at \(store.location)"
            )
        } catch {
            return HealthCheckResult(name: "TableStore", status: .fail, detail: "\(error)")
        }
    }

    func probeDurable() async -> HealthCheckResult {
        guard let durable else {
            return HealthCheckResult(name: "DurableApi", status: .warn, detail: "no durable endpoint in this context")
        }
        do {
            _ = try await durable.instanceStatus("linktome-health-probe")
            return HealthCheckResult(name: "DurableApi", status: .pass, detail: "instance status query answered")
        } catch {
            return HealthCheckResult(name: "DurableApi", status: .fail, detail: "\(error)")
        }
    }

    /// A timer's freshness from its status row: its last success must be within twice its period.
    func freshness(_ row: TableEntity, now: Timestamp) -> HealthCheckResult? {
        guard let command = BusinessFields.text(row["Command"]) else { return nil }
        let name = "Timer:\(command)"
        let failures = BusinessFields.int(row["ConsecutiveFailures"]) ?? 0
        if failures >= options.failureThreshold {
            let error = BusinessFields.text(row["ErrorMsg"]) ?? "no error recorded"
            return HealthCheckResult(
                name: name,
                status: .fail,
                detail: "\(failures) consecutive failures; last: \(error)"
            )
        }
        guard let cron = BusinessFields.text(row["Cron"]), let schedule = try? CronSchedule(parsing: cron),
            let period = Self.period(schedule, now: now)
        else { return HealthCheckResult(name: name, status: .warn, detail: "no readable cron schedule") }

        let completed =
            BusinessFields.instant(row["LastCompleted"])
            ?? (BusinessFields.text(row["Status"]) == "Completed" ? BusinessFields.instant(row["LastOccurrence"]) : nil)
        guard let completed else {
            return HealthCheckResult(name: name, status: .warn, detail: "no completed run recorded yet")
        }
        let age = now.seconds - completed.seconds
        let detail = "last success \(Self.duration(age)) ago; period \(Self.duration(period))"
        return HealthCheckResult(name: name, status: age <= 2 * period ? .pass : .fail, detail: detail)
    }

    /// The gap between the two scheduled occurrences before `now` (so irregular schedules use their real gap).
    static func period(_ schedule: CronSchedule, now: Timestamp) -> Int64? {
        let floor = Date(timeIntervalSince1970: Double(now.seconds - 400 * 86_400))
        guard let last = schedule.previousOccurrence(atOrBefore: now.date, notBefore: floor),
            let before = schedule.previousOccurrence(atOrBefore: last.addingTimeInterval(-1), notBefore: floor)
        else { return nil }
        return max(1, Int64(last.timeIntervalSince(before)))
    }

    /// `Started` timers whose orchestration has run longer than the maximum age and is still active.
    func stuckOrchestrations(_ rows: [TableEntity], now: Timestamp) async -> HealthCheckResult {
        var stuck: [String] = []
        let limit = Int64(options.maxOrchestrationMinutes) * 60
        for row in rows where BusinessFields.text(row["Status"]) == "Started" {
            guard let instance = BusinessFields.text(row["OrchestratorId"]),
                let started = BusinessFields.instant(row["OrchestratorStarted"])
                    ?? BusinessFields.instant(row["LastOccurrence"]),
                now.seconds - started.seconds > limit
            else { continue }
            let command = BusinessFields.text(row["Command"]) ?? row.rowKey
            if let durable, let status = try? await durable.instanceStatus(instance), !status.runtimeStatus.isActive {
                continue
            }
            stuck.append("\(command) (\(instance), started \(Self.duration(now.seconds - started.seconds)) ago)")
        }
        guard !stuck.isEmpty else {
            return HealthCheckResult(
                name: "StuckOrchestrations",
                status: .pass,
                detail: "none older than \(options.maxOrchestrationMinutes) min"
            )
        }
        return HealthCheckResult(name: "StuckOrchestrations", status: .fail, detail: stuck.joined(separator: "; "))
    }

    /// Writes the run's row.
    func record(_ checks: [HealthCheckResult], now: Timestamp) async throws {
        let failing = checks.filter { $0.status == .fail }.map(\.name)
        let warnings = checks.filter { $0.status == .warn }.count
        var row = TableEntity(partitionKey: Self.partitionKey, rowKey: Self.rowKey(now))
        row["CheckedAt"] = .dateTime(now)
        row["Status"] = .string(failing.isEmpty ? (warnings == 0 ? "Healthy" : "Degraded") : "Unhealthy")
        row["FailingChecks"] = .string(failing.joined(separator: ","))
        row["ChecksJson"] = .string(JSONValue.array(checks.map(\.json)).jsonText)
        try await BusinessTables.ensureTable(store, Self.table)
        try await store.upsert(row, in: Self.table)
    }

    /// Deletes run rows older than the retention; returns how many.
    func deleteExpired(now: Timestamp) async throws -> Int {
        let oldest = Timestamp(seconds: now.seconds - Int64(options.retentionDays) * 86_400)
        let filter = TableFilter.partitionKey(Self.partitionKey) && .greaterThan("RowKey", .string(Self.rowKey(oldest)))
        var writer = PartitionBatchWriter(store: store, table: Self.table)
        for row in try await BusinessTables.all(store, Self.table, filter: filter, select: ["Status"]) {
            await writer.add(.delete(partitionKey: row.partitionKey, rowKey: row.rowKey, ifMatch: .any))
        }
        await writer.flush()
        return writer.applied
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds >= 2 * 86_400 { return "\(seconds / 86_400) d" }
        if seconds >= 2 * 3_600 { return "\(seconds / 3_600) h" }
        if seconds >= 120 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
