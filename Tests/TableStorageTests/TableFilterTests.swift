import LinkTomeCore
import Testing

@testable import TableStorage

@Suite("TableFilter")
struct TableFilterTests {
    @Test("the builder quotes string values, doubling single quotes")
    func builderQuotes() {
        let filter = TableFilter.equal("PartitionKey", .string("O'Brien")) && .notEqual("Name", .string("a' or 'b"))
        #expect(filter.text == "PartitionKey eq 'O''Brien' and Name ne 'a'' or ''b'")
    }

    @Test("typed literals render in OData form")
    func typedLiterals() throws {
        let instant = try #require(Timestamp(iso8601: "2024-01-01T00:15:00.1234567Z"))
        #expect(TableFilter.literal(.int64(9_007_199_254_740_993)) == "9007199254740993L")
        #expect(TableFilter.literal(.int32(-5)) == "-5")
        #expect(TableFilter.literal(.double(2)) == "2.0")
        #expect(TableFilter.literal(.dateTime(instant)) == "datetime'2024-01-01T00:15:00.1234567Z'")
        #expect(TableFilter.literal(.binary([0x0A, 0xFF])) == "X'0aff'")
        #expect(TableFilter.literal(.bool(true)) == "true")
    }

    @Test("parsed text renders back to an equivalent filter")
    func parseRoundTrip() throws {
        let text = "(PartitionKey eq 'O''Brien' or RowKey ge 'b') and not (Count lt 5L) and Flag eq true"
        let filter = try TableFilter(parsing: text)
        let reparsed = try TableFilter(parsing: filter.text)
        #expect(reparsed == filter)
        #expect(filter.comparisonCount == 4)
    }

    @Test("64 levels of nesting parse and the 65th is rejected with that number")
    func nestingLimit() throws {
        func nested(_ levels: Int) -> String {
            String(repeating: "(", count: levels) + "a eq 1" + String(repeating: ")", count: levels)
        }
        _ = try TableFilter(parsing: nested(64))
        _ = try TableFilter(parsing: String(repeating: "not ", count: 64) + "a eq 1")
        do {
            _ = try TableFilter(parsing: nested(65))
            Issue.record("expected the nesting limit")
        } catch {
            #expect(error.message.contains("at most 64 levels"))
        }
    }

    @Test("malformed filters are rejected with the position")
    func malformed() {
        for text in [
            "Name eq", "Name eq 'open", "Name xx 'a'", "(Name eq 'a'", "Name eq 'a' and", "Count eq 99999999999",
        ] {
            #expect(throws: TableStorageError.self) { try TableFilter(parsing: text) }
        }
    }
}
