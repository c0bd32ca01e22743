import LinkTomeCore
import Testing

@testable import TableStorage

@Suite("Paging, limits and batch splitting")
struct PagingAndLimitTests {
    @Test(
        "an empty first page with a continuation, then pages of 1,000: every row once",
        arguments: StoreKind.available
    )
    func emptyFirstPage(kind: StoreKind) async throws {
        // Each page examines at most 1,500 rows; the 1,500 rows of partition "a" never match, so the
        // first page comes back empty but with a continuation, as the service does after 5 seconds.
        let subject = try await StoreUnderTest.make(kind, scanLimit: 1_500)
        try await fill(subject, partition: "a", count: 1_500, match: false)
        try await fill(subject, partition: "b", count: 2_500, match: true)

        var pages: [TableQueryPage] = []
        for try await page in subject.store.query(subject.table, filter: .equal("Match", .bool(true))) {
            pages.append(page)
        }

        #expect(pages.first?.entities.isEmpty == true)
        #expect(pages.first?.continuation != nil)
        #expect(pages.dropFirst().map(\.entities.count) == [1_000, 1_000, 500])
        let keys = pages.flatMap(\.entities).map(\.rowKey)
        #expect(keys.count == 2_500)
        #expect(Set(keys).count == 2_500)
        #expect(keys == keys.sorted())
    }

    @Test("a 40,000-character string is rejected before sending", arguments: StoreKind.available)
    func longString(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let sent = subject.requests?.value
        let error = await capture {
            try await subject.store.insert(
                TableEntity(
                    partitionKey: "p",
                    rowKey: "r",
                    properties: ["Text": .string(String(repeating: "a", count: 40_000))]
                ),
                into: subject.table
            )
        }
        #expect(error?.kind == .tooLarge)
        #expect(error?.code == "PropertyValueTooLarge")
        #expect(error?.message.contains("Text") == true)
        #expect(subject.requests?.value == sent)
    }

    @Test("20,000 emoji (40,000 UTF-16 code units) are rejected before sending", arguments: StoreKind.available)
    func emojiString(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let sent = subject.requests?.value
        let emoji = String(repeating: "😀", count: 20_000)
        #expect(emoji.count == 20_000)
        let error = await capture {
            try await subject.store.upsert(
                TableEntity(partitionKey: "p", rowKey: "r", properties: ["Emoji": .string(emoji)]),
                in: subject.table
            )
        }
        #expect(error?.kind == .tooLarge)
        #expect(error?.message.contains("80000 bytes") == true)
        #expect(subject.requests?.value == sent)

        let fits = String(repeating: "😀", count: 16_384)
        try await subject.store.upsert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Emoji": .string(fits)]),
            in: subject.table
        )
        #expect(
            try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r")?["Emoji"] == .string(fits)
        )
    }

    @Test("entities over 1 MiB or with 253 properties are rejected before sending", arguments: StoreKind.available)
    func entityLimits(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let sent = subject.requests?.value
        var big = TableEntity(partitionKey: "p", rowKey: "r")
        for index in 0..<20 { big["S\(index)"] = .string(String(repeating: "x", count: 30_000)) }
        #expect(await capture { try await subject.store.insert(big, into: subject.table) }?.code == "EntityTooLarge")

        var wide = TableEntity(partitionKey: "p", rowKey: "r")
        for index in 0..<253 { wide["P\(index)"] = .int32(Int32(index)) }
        #expect(
            await capture { try await subject.store.insert(wide, into: subject.table) }?.code == "TooManyProperties"
        )
        wide["P252"] = nil
        try await subject.store.insert(wide, into: subject.table)
        #expect(subject.requests.map { $0.value - (sent ?? 0) } ?? 1 == 1)
    }

    @Test(
        "deleting 250 rows over 3 partitions uses batches of at most 100 per partition",
        arguments: StoreKind.available
    )
    func batchedDelete(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let sizes = ["p1": 120, "p2": 100, "p3": 30]
        var keys: [TableEntityKey] = []
        for (partition, count) in sizes.sorted(by: { $0.key < $1.key }) {
            let operations = (0..<count).map {
                TableBatchOperation.upsert(TableEntity(partitionKey: partition, rowKey: "r\($0)"), mode: .replace)
            }
            try await subject.store.submitInBatches(operations, in: subject.table)
            keys += (0..<count).map { TableEntityKey(partitionKey: partition, rowKey: "r\($0)") }
        }
        let before = try await subject.standIn?.statistics(table: subject.table)

        let batches = try await subject.store.deleteEntities(keys.shuffled(), from: subject.table)

        #expect(batches == 4)
        #expect(try await subject.store.queryAll(subject.table).isEmpty)
        if let standIn = subject.standIn, let before {
            let after = try await standIn.statistics(table: subject.table)
            #expect(after.batches - before.batches == 4)
            #expect(after.largestBatch <= 100)
            #expect(after.batchPartitions == 1)
        }
    }

    @Test(
        "deleteMatching removes exactly the matching rows across pages and partitions",
        arguments: StoreKind.available
    )
    func deleteMatching(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind, scanLimit: 150)
        try await fill(subject, partition: "a", count: 250, match: true)
        try await fill(subject, partition: "b", count: 120, match: false)
        try await fill(subject, partition: "c", count: 90, match: true)

        let deleted = try await subject.store.deleteMatching(subject.table, filter: .equal("Match", .bool(true)))

        #expect(deleted == 340)
        let left = try await subject.store.queryAll(subject.table)
        #expect(left.count == 120)
        #expect(left.allSatisfy { $0.partitionKey == "b" })
    }

    private func fill(_ subject: StoreUnderTest, partition: String, count: Int, match: Bool) async throws {
        let operations = (0..<count).map { index in
            TableBatchOperation.upsert(
                TableEntity(
                    partitionKey: partition,
                    rowKey: partition + String(repeating: "0", count: 5 - String(index).count) + String(index),
                    properties: ["Match": .bool(match)]
                ),
                mode: .replace
            )
        }
        try await subject.store.submitInBatches(operations, in: subject.table)
    }
}
