import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage
import Testing

@testable import Jobs

/// The Table Storage stand-in (`tools/table-standin`), when a test run provides it at
/// `LINKTOME_TEST_AZURE_URL` (as `scripts/test-table-standin.sh` does).
private let standInURL = ProcessInfo.processInfo.environment["LINKTOME_TEST_AZURE_URL"]

@Suite("Retention against the Azure Table stand-in", .enabled(if: standInURL != nil))
struct RetentionAzureStandInTests {
    private var base: String {
        let url = standInURL ?? ""
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// The stand-in's counters for `table`.
    private func stats(_ table: String) async throws -> JSONValue {
        let url = try #require(HTTPURL(base + "/_standin/stats?table=" + table))
        let response = try await HTTPClient().send(HTTPRequest(method: "GET", target: url.target), to: url)
        return try JSONParser.parse(response.body)
    }

    @Test("250 expired rows over 3 partitions cost a handful of requests on the service, not 250")
    func batchedOnTheService() async throws {
        let connection =
            "AccountName=devstoreaccount1;AccountKey=\(AzureConnectionString.developmentAccountKey);"
            + "TableEndpoint=\(base)/devstoreaccount1"
        let store = try TableStoreFactory.makeStore(
            settings: Settings(["LINKTOME_STORAGE": connection]),
            logger: .silent
        )
        try await store.deleteTableIfExists("SecurityEvents")
        let old = retentionAt(-200 * 86_400)
        let rows = [("AuthFailed", 120), ("BotBlocked", 80), ("LoginSuccess", 50)].flatMap { type, count in
            (0..<count).map { index in
                let instant = RetentionTime.adding(Int64(index), to: old)
                return TableEntity(
                    partitionKey: type,
                    rowKey: RetentionTime.tickKey(instant) + String(format: "-%08x", index),
                    properties: ["EventTimestamp": .dateTime(instant)]
                )
            }
        }
        try await store.createTable("SecurityEvents")
        for (_, group) in Dictionary(grouping: rows, by: \.partitionKey) {
            for start in stride(from: 0, to: group.count, by: 100) {
                let slice = group[start..<min(start + 100, group.count)]
                try await store.submitBatch(slice.map { .insert($0) }, in: "SecurityEvents")
            }
        }
        let before = try await stats("SecurityEvents")

        let summary = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        let after = try await stats("SecurityEvents")

        let requests = (after["requests"]?.intValue ?? 0) - (before["requests"]?.intValue ?? 0)
        let batches = (after["batches"]?.intValue ?? 0) - (before["batches"]?.intValue ?? 0)
        #expect(summary.deleted == 250)
        #expect(try await store.queryAll("SecurityEvents").isEmpty)
        #expect(batches == 4)
        #expect(batches <= 3 * 3)
        #expect(requests <= 8)
        #expect((after["largestBatch"]?.intValue ?? 0) <= 100)

        let second = try await SecurityEventCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
    }
}
