import LinkTomeCore
import Testing

@testable import TableStorage

@Suite("Validation before sending")
struct ValidationTests {
    @Test("keys may hold any character except / \\ # ? and C0/C1 controls")
    func keyCharacters() throws {
        for allowed in ["", "O'Brien", "\u{A0}", "ü", "😀", "a b", String(repeating: "k", count: 1_024)] {
            try TableValidation.checkKey(allowed, name: "RowKey")
        }
        for forbidden in [
            "\u{0}", "\u{1F}", "\u{7F}", "\u{80}", "\u{9F}", "a/b", "a\\b", "#", "?",
            String(repeating: "k", count: 1_025),
        ] {
            #expect(throws: TableStorageError.self) { try TableValidation.checkKey(forbidden, name: "RowKey") }
        }
    }

    @Test("property names are C# identifiers and not system names")
    func propertyNames() throws {
        for allowed in ["A", "_x", "Größe", "a1", String(repeating: "n", count: 255)] {
            try TableValidation.checkPropertyName(allowed)
        }
        for forbidden in [
            "", "1a", "a-b", "a b", "odata.type", "PartitionKey", "Timestamp", String(repeating: "n", count: 256),
        ] {
            #expect(throws: TableStorageError.self) { try TableValidation.checkPropertyName(forbidden) }
        }
    }

    @Test("a string of exactly 32,768 UTF-16 code units fits, one more does not")
    func stringBoundary() throws {
        try TableValidation.checkValue(.string(String(repeating: "a", count: 32_768)), property: "S")
        #expect(throws: TableStorageError.self) {
            try TableValidation.checkValue(.string(String(repeating: "a", count: 32_769)), property: "S")
        }
        #expect(throws: TableStorageError.self) {
            try TableValidation.checkValue(.binary([UInt8](repeating: 0, count: 65_537)), property: "B")
        }
    }

    @Test("DateTime values are written with exactly seven fraction digits")
    func dateTimeText() throws {
        for text in ["2024-01-01T00:15:00.1234567Z", "1601-01-01T00:00:00.0000000Z", "9999-12-31T23:59:59.9999999Z"] {
            let instant = try #require(Timestamp(iso8601: text))
            var bytes: [UInt8] = []
            EntityJSON.appendISO8601(instant, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == text)
        }
    }

    @Test("table names follow the service's pattern")
    func tableNames() throws {
        try TableValidation.checkTableName("Abc")
        try TableValidation.checkTableName("LinkTomeTimers")
        for bad in ["ab", "1abc", "a-bc", "Tables", String(repeating: "a", count: 64)] {
            #expect(throws: TableStorageError.self) { try TableValidation.checkTableName(bad) }
        }
    }
}
