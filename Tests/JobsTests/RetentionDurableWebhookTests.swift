import Durable
import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage
import Testing

@testable import Jobs

@Suite("Durable cleanup over the webhook API")
struct RetentionDurableWebhookTests {
    /// The stand-in, started, and a maintenance client that talks to it over real HTTP.
    private func connect(_ hub: RetentionTaskHub) throws -> (RetentionWebhookStandIn, DurableWebhookMaintenance) {
        let standIn = RetentionWebhookStandIn(hub: hub)
        let base = try standIn.start()
        let descriptor = DurableClientDescriptor(
            taskHubName: "LinkTomeHub",
            baseURL: base,
            requiredQueryStringParameters: "code=test/key+=="
        )
        let client = try DurableClient(descriptor: descriptor, transport: HTTPClient())
        return (standIn, DurableWebhookMaintenance(client))
    }

    @Test("5,000 eligible instances are purged across several slices through the webhook API")
    func purgesOverHTTP() async throws {
        let statuses = ["Completed", "Failed", "Terminated"]
        var instances = (0..<5_000).map { index in
            hubInstance(
                String(format: "old-%05d", index),
                statuses[index % 3],
                createdAgo: 8 * 86_400 + Double(index) * 553
            )
        }
        instances += (0..<20).map { hubInstance("recent-\($0)", "Failed", createdAgo: Double($0) * 7_200) }
        instances.append(hubInstance("busy", "Running", createdAgo: 600))
        let hub = RetentionTaskHub(instances)
        let (standIn, client) = try connect(hub)
        let store = try makeRetentionStore()

        let summary = try await DurableCleanup.run(
            client: client,
            store: store,
            now: retentionNow.date,
            logger: .silent
        )
        let second = try await DurableCleanup.run(client: client, store: store, now: retentionNow.date, logger: .silent)
        await standIn.stop()

        #expect(summary.json["PurgedCount"] == 5_000)
        #expect(summary.failed == 0)
        #expect(hub.all.count == 21)
        let purgeRequests = try #require(standIn.requests["purge"])
        #expect(purgeRequests >= 4)
        #expect(try #require(summary.json["Slices"]?.intValue) >= 4)
        #expect(second.nothingToDo)
        #expect(second.deleted == 0)
    }

    @Test("a retention that would put the cutoff in the future is refused without a request")
    func futureCutoffRefused() async throws {
        let hub = RetentionTaskHub([hubInstance("old", "Completed", createdAgo: 30 * 86_400)])
        let (standIn, client) = try connect(hub)
        let store = try makeRetentionStore()
        let configuration = try DurableCleanup.Configuration(
            settings: Settings(["LINKTOME_DURABLE_RETENTION_DAYS": "-1"])
        )

        await #expect(throws: RetentionError.self) {
            try await DurableCleanup.run(
                client: client,
                store: store,
                now: retentionNow.date,
                configuration: configuration,
                logger: .silent
            )
        }
        await standIn.stop()

        #expect(standIn.requests.isEmpty)
        #expect(hub.all.count == 1)
    }

    @Test("a stuck instance is terminated with its reason and a timer on a vanished instance runs again")
    func terminatesAndSettlesOverHTTP() async throws {
        let hub = RetentionTaskHub([
            hubInstance("stuck", "Running", createdAgo: 2 * 86_400),
            hubInstance("fresh", "Pending", createdAgo: 60),
        ])
        let (standIn, client) = try connect(hub)
        let store = try makeRetentionStore()
        try await seed(
            store,
            "LinkTomeTimers",
            [
                TableEntity(
                    partitionKey: "Timer",
                    rowKey: "c3d4e5f6-a7b8-9012-cdef-123456789012",
                    properties: ["Status": "Started", "OrchestratorId": "purged-long-ago", "ErrorMsg": ""]
                )
            ]
        )

        let summary = try await DurableCleanup.run(
            client: client,
            store: store,
            now: retentionNow.date,
            logger: .silent
        )
        await standIn.stop()

        #expect(summary.changedBy == ["terminated": 1, "timerSettled": 1])
        #expect(hub.reason("stuck")?.hasPrefix("Terminated by Start-DurableCleanup: Running since") == true)
        #expect(try await hub.instanceStatus("fresh")?.runtimeStatus == "Pending")
        let row = try #require(
            try await store.get(
                from: "LinkTomeTimers",
                partitionKey: "Timer",
                rowKey: "c3d4e5f6-a7b8-9012-cdef-123456789012"
            )
        )
        #expect(row["OrchestratorId"] == "")
        #expect(row["Status"] == "Failed")
        #expect(row["ErrorMsg"]?.stringValue?.contains("purged-long-ago no longer exists") == true)
    }
}
