import LinkTomeCore
import Testing

@testable import TableStorage

/// Awkward characters as keys and filter values, on every backend.
@Suite("Special characters in keys and values")
struct SpecialValueTests {
    /// Values that are legal keys: each is written, found by an exact-match filter, read back and deleted.
    static let keyValues = ["O'Brien", "t!est", "a&b", "50%", "a+b", "ü", "x y", "''", "%27", "a=b", "é\u{301}"]

    @Test("a key is written, found by exact match, read back and deleted", arguments: StoreKind.available, keyValues)
    func keyRoundTrip(kind: StoreKind, value: String) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let store = subject.store
        let entity = TableEntity(partitionKey: value, rowKey: value, properties: ["Value": .string(value)])
        try await store.insert(entity, into: subject.table)
        try await store.insert(TableEntity(partitionKey: value + "x", rowKey: "other"), into: subject.table)

        let byKey = try await store.queryAll(
            subject.table,
            filter: .partitionKey(value) && .equal("RowKey", .string(value))
        )
        #expect(byKey.map(\.rowKey) == [value])
        let byValue = try await store.queryAll(
            subject.table,
            filter: try TableFilter(parsing: TableFilter.equal("Value", .string(value)).text)
        )
        #expect(byValue.map(\.partitionKey) == [value])

        let read = try await store.get(from: subject.table, partitionKey: value, rowKey: value)
        #expect(read?["Value"] == .string(value))
        try await store.delete(from: subject.table, partitionKey: value, rowKey: value)
        #expect(try await store.get(from: subject.table, partitionKey: value, rowKey: value) == nil)
    }

    @Test("datetime literals with more than 7 fraction digits are cut to 100 ns", arguments: StoreKind.available)
    func dateTimeFractionDigits(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let instant = try #require(Timestamp(iso8601: "2024-02-29T23:59:59.1234567Z"))
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["When": .dateTime(instant)]),
            into: subject.table
        )

        for text in [
            "When eq datetime'2024-02-29T23:59:59.12345678Z'", "When eq datetime'2024-02-29T23:59:59.123456799Z'",
        ] {
            let found = try await subject.store.queryAll(subject.table, filter: try TableFilter(parsing: text))
            #expect(found.map(\.rowKey) == ["r"], "\(text)")
        }
        let later = try TableFilter(parsing: "When gt datetime'2024-02-29T23:59:59.12345679Z'")
        #expect(try await subject.store.queryAll(subject.table, filter: later).isEmpty)
        #expect(later.text == "When gt datetime'2024-02-29T23:59:59.1234567Z'")
    }

    @Test(
        "values with '#' and '/' are stored as properties and found by filter",
        arguments: StoreKind.available,
        ["x#y", "a/b", "c\\d", "q?"]
    )
    func forbiddenKeyCharactersAsValues(kind: StoreKind, value: String) async throws {
        let subject = try await StoreUnderTest.make(kind)
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Value": .string(value)]),
            into: subject.table
        )
        let found = try await subject.store.queryAll(subject.table, filter: .equal("Value", .string(value)))
        #expect(found.map(\.rowKey) == ["r"])
        let read = try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r")
        #expect(read?["Value"] == .string(value))
        try await subject.store.delete(from: subject.table, partitionKey: "p", rowKey: "r")
    }

    @Test(
        "a key with '#', '/', '\\', '?' or a control character is rejected before sending",
        arguments: StoreKind.available,
        ["x#y", "a/b", "c\\d", "q?", "tab\there", "\u{7F}"]
    )
    func forbiddenKeyCharacters(kind: StoreKind, key: String) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let sentBefore = subject.requests?.value
        let asRowKey = await capture {
            try await subject.store.insert(TableEntity(partitionKey: "p", rowKey: key), into: subject.table)
        }
        #expect(asRowKey?.kind == .validation)
        #expect(asRowKey?.code == "InvalidKeyCharacter")
        #expect(asRowKey?.message.contains("RowKey") == true)
        let asPartitionKey = await capture {
            try await subject.store.upsert(TableEntity(partitionKey: key, rowKey: "r"), in: subject.table)
        }
        #expect(asPartitionKey?.code == "InvalidKeyCharacter")
        #expect(subject.requests?.value == sentBefore)
    }
}
