import Durable
import Foundation
import LinkTomeCore
import TableStorage

/// Old orchestration instances for a demonstration store, so that the durable cleanup has work:
/// completed, failed and terminated instances from 8 to 40 days ago (past the default 7-day
/// retention), a few recent ones that must stay, and one instance stuck `Running` for two days
/// (its activity was lost), which the cleanup terminates.
public enum DemoInstances {
    /// The orchestrator the stuck instance names; its history is the first episode of a one-item
    /// FanOut batch, which LinkTome's orchestrator replays deterministically.
    public static let orchestrator = "LinkTomeOrchestrator"

    /// Writes the instances with their history; returns how many were written.
    @discardableResult
    public static func seed(into durable: DurableStore, now: Timestamp) async throws(DevHostError) -> Int {
        try await durable.prepare()
        var written = 0
        // (id label, status, first and last day back, how many)
        let plan: [(String, RuntimeState, Int64, Int64, Int)] = [
            ("completed", .completed, 8, 40, 24), ("failed", .failed, 9, 33, 4), ("terminated", .terminated, 12, 40, 3),
            ("recent", .completed, 0, 3, 3),
        ]
        for (label, status, firstDay, lastDay, count) in plan {
            for index in 0..<count {
                let day = firstDay + Int64(index) * (lastDay - firstDay) / Int64(count)
                let created = now.advanced(bySeconds: -day * 86_400 - 3_600)
                let id = "demo-\(label)-\(index + 1)"
                try await writeEnded(durable, id: id, status: status, created: created)
                written += 1
            }
        }
        try await writeStuck(durable, id: "demo-stuck-1", created: now.advanced(bySeconds: -2 * 86_400))
        return written + 1
    }

    private static func input(_ name: String) -> String {
        OrderedJSON.object([
            ("OrchestratorName", .string(name)),
            ("DurableMode", .string("FanOut")),
            ("Batch", [["FunctionName": "DemoItem", "Parameters": [:]]]),
            ("MaxAttempts", 1),
        ])
    }

    private static func writeEnded(
        _ durable: DurableStore,
        id: String,
        status: RuntimeState,
        created: Timestamp
    ) async throws(DevHostError) {
        let executionId = id.replacingOccurrences(of: "-", with: "") + "0"
        var record = InstanceRecord(
            instanceId: id,
            name: orchestrator,
            executionId: executionId,
            input: input("Demo"),
            now: created
        )
        let ended = created.advanced(bySeconds: 42)
        record.runtimeStatus = status
        record.lastUpdatedTime = ended
        record.completedTime = ended
        record.customStatus = JSONValue.string("Demo").jsonText
        switch status {
        case .completed: record.output = "{\"Failed\":0,\"Succeeded\":1}"
        case .failed:
            record.output = "\"Task 'LinkTomeActivity' (#0) failed: demo failure\""
            record.failure = "TaskFailedError: Task 'LinkTomeActivity' (#0) failed: demo failure"
        default: record.output = "\"terminated by an operator\""
        }
        let started = HistoryEvent(eventId: -1, timestamp: created, kind: .executionStarted(startedEvent(record)))
        let completed = HistoryEvent(
            eventId: -1,
            timestamp: ended,
            kind: .executionCompleted(
                ExecutionCompletedEvent(orchestrationStatus: protoStatus(status), result: record.output)
            )
        )
        let events = [
            HistoryEvent(eventId: -1, timestamp: created, kind: .orchestratorStarted), started,
            HistoryEvent(eventId: -1, timestamp: created, kind: .orchestratorCompleted),
            HistoryEvent(eventId: -1, timestamp: ended, kind: .orchestratorStarted), completed,
            HistoryEvent(eventId: -1, timestamp: ended, kind: .orchestratorCompleted),
        ]
        try await store(durable, record, events)
    }

    private static func writeStuck(_ durable: DurableStore, id: String, created: Timestamp) async throws(DevHostError) {
        var record = InstanceRecord(
            instanceId: id,
            name: orchestrator,
            executionId: "demostuck10",
            input: input("DemoStuck"),
            now: created
        )
        record.runtimeStatus = .running
        let scheduled = TaskScheduledEvent(
            name: "LinkTomeActivity",
            input: "{\"FunctionName\":\"DemoItem\",\"Parameters\":{}}"
        )
        let events = [
            HistoryEvent(eventId: -1, timestamp: created, kind: .orchestratorStarted),
            HistoryEvent(eventId: -1, timestamp: created, kind: .executionStarted(startedEvent(record))),
            HistoryEvent(eventId: 0, timestamp: created, kind: .taskScheduled(scheduled)),
            HistoryEvent(eventId: -1, timestamp: created, kind: .orchestratorCompleted),
        ]
        try await store(durable, record, events)
    }

    private static func store(
        _ durable: DurableStore,
        _ record: InstanceRecord,
        _ events: [HistoryEvent]
    ) async throws(DevHostError) {
        _ = try await durable.purge(record.instanceId)
        var stored = record
        stored.historyRows = try await durable.appendHistory(events, consumed: [], to: record, start: 0)
        guard try await durable.insert(stored) != nil else {
            throw .durableState("demo instance \(record.instanceId) could not be written")
        }
    }

    private static func startedEvent(_ record: InstanceRecord) -> ExecutionStartedEvent {
        ExecutionStartedEvent(
            name: record.name,
            version: "",
            input: record.input,
            orchestrationInstance: OrchestrationInstance(instanceId: record.instanceId, executionId: record.executionId)
        )
    }

    private static func protoStatus(_ status: RuntimeState) -> OrchestrationStatus {
        switch status {
        case .completed: return .completed
        case .failed: return .failed
        case .terminated: return .terminated
        default: return .running
        }
    }
}
