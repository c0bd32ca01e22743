import LinkTomeCore
import Testing

@Suite("JSON parser and writer")
struct JSONTests {
    @Test("parses every kind of value and writes it back")
    func roundTrip() throws {
        let text = #"{"a":[1,-2.5,true,false,null],"b":"x\"y\\z\u00e9\ud83d\ude00","c":{"d":9007199254740993}}"#
        let value = try JSONParser.parse(text)
        #expect(value["a"] == [1, -2.5, true, false, nil])
        #expect(value["b"]?.stringValue == "x\"y\\zé😀")
        #expect(value["c"]?["d"]?.int64Value == 9_007_199_254_740_993)
        #expect(try JSONParser.parse(value.jsonText) == value)
    }

    @Test(
        "bad input names the offset",
        arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01", "1 2", "{\"a\":-}"]
    )
    func rejects(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test("deep nesting is refused, not a stack overflow")
    func depth() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }
}
