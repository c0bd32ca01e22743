import LinkTomeCore
import Testing

@Suite("JSON byte order mark")
struct ByteOrderMarkTests {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    @Test("A leading UTF-8 byte order mark is skipped, with or without white space after it")
    func leadingMark() throws {
        #expect(try JSONParser.parse(Self.bom + Array(#"[{"Id": "a"}]"#.utf8)) == [["Id": "a"]])
        #expect(try JSONParser.parse(Self.bom + Array("\r\n {\"version\": \"2.0\"}".utf8)) == ["version": "2.0"])
        #expect(try JSONParser.parse(Self.bom + Array("7".utf8)) == 7)
    }

    @Test("A mark alone, a second mark, or a mark anywhere else is still an error")
    func misplacedMark() {
        #expect(throws: JSONError.self) { try JSONParser.parse(Self.bom) }
        #expect(throws: JSONError.self) { try JSONParser.parse(Self.bom + Self.bom + Array("1".utf8)) }
        #expect(throws: JSONError.self) { try JSONParser.parse(Array(" ".utf8) + Self.bom + Array("1".utf8)) }
        #expect(throws: JSONError.self) { try JSONParser.parse(Array("[1]".utf8) + Self.bom) }
    }

    @Test("A mark inside a string is kept as U+FEFF")
    func markInString() throws {
        let value = try JSONParser.parse(Array("\"".utf8) + Self.bom + Array("x\"".utf8))
        #expect(value.stringValue == "\u{FEFF}x")
    }
}
