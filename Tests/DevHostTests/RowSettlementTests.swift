import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import DevHost
@testable import LinkTomeApp

@Suite("Settling timer rows after dev --once")
struct RowSettlementTests {
    @Test("rows whose orchestrations ended are settled; one still running keeps its OrchestratorId")
    func settlesEndedOrchestrations() async throws {
        let app = try TestApp()
        defer { app.remove() }
        let host = try app.host()
        let store = host.core.durable.store
        try await host.core.durable.prepare()
        _ = try await store.createTableIfNotExists(TickSummary.statusTable)
        let now = host.core.now()
        func row(_ id: String, _ instance: String) async throws {
            let columns: [String: TableValue] = [
                "Status": "Started", "LastOccurrence": .dateTime(now), "OrchestratorId": .string(instance),
                "OrchestratorStarted": .dateTime(now),
            ]
            _ = try await store.upsert(
                TableEntity(partitionKey: "Timer", rowKey: id, properties: columns),
                in: TickSummary.statusTable
            )
        }
        func instance(_ id: String, _ status: RuntimeState, output: String?) async throws {
            var record = InstanceRecord(
                instanceId: id,
                name: "LinkTomeOrchestrator",
                executionId: "e",
                input: nil,
                now: now
            )
            record.runtimeStatus = status
            record.output = output
            if status.isTerminal { record.completedTime = now.advanced(bySeconds: 2) }
            _ = try await host.core.durable.insert(record)
        }
        try await row("done", "o-done")
        try await row("failed", "o-failed")
        try await row("running", "o-running")
        try await instance("o-done", .completed, output: #"{"Status":"Succeeded","Total":1,"Succeeded":1,"Failed":0}"#)
        try await instance(
            "o-failed",
            .completed,
            output: #"{"Status":"Failed","Total":1,"Succeeded":0,"Failed":1,"Errors":[{"Item":"x","Error":"boom"}]}"#
        )
        try await instance("o-running", .running, output: nil)

        let settled = await DevRowSettlement.settle(host, settings: Settings([:]), logger: .silent)

        #expect(settled.sorted() == ["done", "failed"])
        let done = try #require(
            try await store.get(from: TickSummary.statusTable, partitionKey: "Timer", rowKey: "done")
        )
        #expect(done["Status"] == "Completed" && done["OrchestratorId"] == "")
        let failed = try #require(
            try await store.get(from: TickSummary.statusTable, partitionKey: "Timer", rowKey: "failed")
        )
        #expect(failed["Status"] == "Failed")
        #expect(failed["ErrorMsg"]?.stringValue?.contains("boom") == true)
        let running = try #require(
            try await store.get(from: TickSummary.statusTable, partitionKey: "Timer", rowKey: "running")
        )
        #expect(running["OrchestratorId"] == "o-running" && running["Status"] == "Started")
    }
}
