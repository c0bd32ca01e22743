import Foundation
import LinkTomeCore
import Testing

@testable import TableStorage

/// The behaviour every backend shares; each test runs once per backend.
@Suite("Table store behaviour")
struct TableBehaviourTests {
    @Test("insert, read back, replace, merge and delete with ETags", arguments: StoreKind.available)
    func crud(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let store = subject.store
        var entity = TableEntity(partitionKey: "p", rowKey: "r", properties: ["Name": "first", "Count": .int32(1)])

        let inserted = try await store.insert(entity, into: subject.table)
        let read = try #require(try await store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        #expect(read.etag == inserted)
        #expect(read.properties == entity.properties)
        #expect(read.timestamp != nil)

        entity.properties = ["Other": .bool(true)]
        let merged = try await store.merge(entity, in: subject.table, ifMatch: .matching(inserted))
        #expect(merged != inserted)
        let afterMerge = try #require(try await store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        #expect(afterMerge.properties == ["Name": "first", "Count": .int32(1), "Other": .bool(true)])

        let replaced = try await store.replace(entity, in: subject.table, ifMatch: .any)
        #expect(replaced != merged)
        let afterReplace = try #require(try await store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        #expect(afterReplace.properties == ["Other": .bool(true)])

        try await store.delete(from: subject.table, partitionKey: "p", rowKey: "r", ifMatch: .matching(replaced))
        #expect(try await store.get(from: subject.table, partitionKey: "p", rowKey: "r") == nil)
    }

    @Test("writes fail with the service's kinds and codes", arguments: StoreKind.available)
    func errorKinds(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let store = subject.store
        let entity = TableEntity(partitionKey: "p", rowKey: "r", properties: ["A": "1"])
        let etag = try await store.insert(entity, into: subject.table)

        let duplicate = await capture { try await store.insert(entity, into: subject.table) }
        #expect(duplicate?.kind == .conflict)
        #expect(duplicate?.code == "EntityAlreadyExists")

        _ = try await store.replace(entity, in: subject.table, ifMatch: .matching(etag))
        let stale = await capture { try await store.replace(entity, in: subject.table, ifMatch: .matching(etag)) }
        #expect(stale?.kind == .preconditionFailed)
        #expect(stale?.status == 412)

        let missing = TableEntity(partitionKey: "p", rowKey: "missing")
        let notFound = await capture { try await store.merge(missing, in: subject.table, ifMatch: .any) }
        #expect(notFound?.kind == .notFound)
        let deleteMissing = await capture {
            try await store.delete(from: subject.table, partitionKey: "p", rowKey: "missing", ifMatch: .any)
        }
        #expect(deleteMissing?.kind == .notFound)

        let noTable = await capture { try await store.insert(entity, into: uniqueTableName()) }
        #expect(noTable?.kind == .notFound)
        #expect(noTable?.code == "TableNotFound")
        let tableAgain = await capture { try await store.createTable(subject.table) }
        #expect(tableAgain?.code == "TableAlreadyExists")
        #expect(try await store.createTableIfNotExists(subject.table) == false)
    }

    @Test("upsert inserts, then replaces or merges", arguments: StoreKind.available)
    func upsertModes(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let store = subject.store
        try await store.upsert(TableEntity(partitionKey: "p", rowKey: "r", properties: ["A": "1"]), in: subject.table)
        try await store.upsert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["B": "2"]),
            in: subject.table,
            mode: .merge
        )
        let merged = try await store.get(from: subject.table, partitionKey: "p", rowKey: "r")
        #expect(merged?.properties == ["A": "1", "B": "2"])

        try await store.upsert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["C": "3"]),
            in: subject.table,
            mode: .replace
        )
        let replaced = try await store.get(from: subject.table, partitionKey: "p", rowKey: "r")
        #expect(replaced?.properties == ["C": "3"])
    }

    @Test("every Edm type round-trips exactly, including 2^53+1 and 100 ns DateTime", arguments: StoreKind.available)
    func typedRoundTrip(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let instant = try #require(Timestamp(iso8601: "2024-01-01T00:15:00.1234567Z"))
        let properties: [String: TableValue] = [
            "Big": .int64(9_007_199_254_740_993),
            "Negative": .int64(-9_223_372_036_854_775_808),
            "When": .dateTime(instant),
            "Small": .int32(-2_147_483_648),
            "Ratio": .double(0.1),
            "Whole": .double(2),
            "Huge": .double(1e300),
            "Flag": .bool(false),
            "Id": .guid("0f8fad5b-d9cb-469f-a165-70867728950e"),
            "Blob": .binary([0, 1, 2, 254, 255]),
            "Empty": .string(""),
            "Text": .string("line\nbreak \"quoted\" \\ tab\t ü 😀"),
        ]
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: properties),
            into: subject.table
        )

        let read = try #require(try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        #expect(read.properties == properties)
        #expect(read["Big"]?.int64Value == 9_007_199_254_740_993)
        #expect(read["When"]?.dateTimeValue?.iso8601(fractionDigits: 7) == "2024-01-01T00:15:00.1234567Z")

        let found = try await subject.store.queryAll(
            subject.table,
            filter: .equal("Big", .int64(9_007_199_254_740_993)) && .equal("When", .dateTime(instant))
        )
        #expect(found.map(\.rowKey) == ["r"])
    }

    @Test("queries return key order, honour select and top", arguments: StoreKind.available)
    func queryShape(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let keys = ["b", "a", "B", "ä", "a0", "ab", "Z"]
        for key in keys {
            try await subject.store.insert(
                TableEntity(partitionKey: "p", rowKey: key, properties: ["Keep": "k", "Drop": "d"]),
                into: subject.table
            )
        }
        let all = try await subject.store.queryAll(subject.table, select: ["Keep"])
        let expected = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(all.map(\.rowKey) == expected)
        #expect(all.allSatisfy { $0.properties == ["Keep": "k"] && $0.etag != nil })

        let top = try await subject.store.queryAll(subject.table, top: 3)
        #expect(top.map(\.rowKey) == Array(expected.prefix(3)))
    }

    @Test("filters select by type, range and logic", arguments: StoreKind.available)
    func filterSemantics(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        for number in 0..<10 {
            var properties: [String: TableValue] = ["N": .int32(Int32(number)), "Even": .bool(number % 2 == 0)]
            if number < 5 { properties["Label"] = .string("low") }
            try await subject.store.insert(
                TableEntity(partitionKey: "p\(number % 3)", rowKey: "r\(number)", properties: properties),
                into: subject.table
            )
        }
        func rows(_ text: String) async throws -> [String] {
            try await subject.store.queryAll(subject.table, filter: try TableFilter(parsing: text)).map(\.rowKey)
                .sorted()
        }

        #expect(try await rows("N ge 3 and N lt 6") == ["r3", "r4", "r5"])
        #expect(try await rows("Even eq true and not (N gt 4)") == ["r0", "r2", "r4"])
        #expect(try await rows("PartitionKey eq 'p1' or N eq 0") == ["r0", "r1", "r4", "r7"])
        // A differently typed literal and a missing property match nothing, not even with `ne`.
        #expect(try await rows("N eq 3L") == [])
        #expect(try await rows("Label ne 'low'") == [])
        #expect(try await rows("RowKey gt 'r7'") == ["r8", "r9"])
        #expect(try await rows("PartitionKey ge 'p1' and PartitionKey lt 'p2'") == ["r1", "r4", "r7"])
    }

    @Test("a batch applies atomically and names the failing operation", arguments: StoreKind.available)
    func batchAtomicity(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let store = subject.store
        try await store.insert(TableEntity(partitionKey: "p", rowKey: "taken"), into: subject.table)

        let etags = try await store.submitBatch(
            [
                .insert(TableEntity(partitionKey: "p", rowKey: "a", properties: ["V": "1"])),
                .upsert(TableEntity(partitionKey: "p", rowKey: "b"), mode: .merge),
                .delete(partitionKey: "p", rowKey: "taken", ifMatch: .any),
            ],
            in: subject.table
        )
        #expect(etags.count == 3)
        #expect(etags[0] != nil && etags[2] == nil)

        let failure = await capture {
            try await store.submitBatch(
                [
                    .insert(TableEntity(partitionKey: "p", rowKey: "c")),
                    .insert(TableEntity(partitionKey: "p", rowKey: "a")),
                ],
                in: subject.table
            )
        }
        #expect(failure?.kind == .conflict)
        #expect(failure?.failedOperationIndex == 1)
        #expect(try await store.get(from: subject.table, partitionKey: "p", rowKey: "c") == nil)

        let mixed = await capture {
            try await store.submitBatch(
                [
                    .insert(TableEntity(partitionKey: "p", rowKey: "d")),
                    .insert(TableEntity(partitionKey: "q", rowKey: "d")),
                ],
                in: subject.table
            )
        }
        #expect(mixed?.kind == .badRequest)
        let tooMany = (0..<101).map { TableBatchOperation.insert(TableEntity(partitionKey: "p", rowKey: "x\($0)")) }
        let oversized = await capture { try await store.submitBatch(tooMany, in: subject.table) }
        #expect(oversized?.kind == .badRequest)
    }

    @Test("tables are created, listed and deleted", arguments: StoreKind.available)
    func tables(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let other = uniqueTableName()
        try await subject.store.createTable(other)
        let names = try await subject.store.listTables()
        #expect(names.contains(subject.table) && names.contains(other))
        try await subject.store.deleteTable(other)
        #expect(try await subject.store.listTables().contains(other) == false)
        #expect(try await subject.store.deleteTableIfExists(other) == false)
        let invalid = await capture { try await subject.store.createTable("1bad") }
        #expect(invalid?.kind == .validation)
    }
}

/// The `TableStorageError` an operation throws, or `nil` when it succeeds.
func capture<T>(_ operation: () async throws -> T) async -> TableStorageError? {
    do {
        _ = try await operation()
        return nil
    } catch let error as TableStorageError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
