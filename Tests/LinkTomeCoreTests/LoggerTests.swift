import Foundation
import LinkTomeCore
import Testing

@Suite("Log record formatting")
struct LoggerFormattingTests {
    func record(_ message: String, _ metadata: [String: String] = [:]) -> LogRecord {
        let sink = CollectingSink()
        Logger(label: "test", sink: sink).info(message, metadata: metadata)
        return sink.collected[0]
    }

    @Test("a newline in the message cannot start a second record")
    func newlineInMessage() {
        let line = record("request POST /x\nerror forged").formatted
        #expect(!line.contains("\n"))
        #expect(line == "info request POST /x\\nerror forged")
    }

    @Test("control characters, NUL and backslashes in values are escaped")
    func controlsInValues() {
        let line = record("m", ["path": "/a\r\nerror x\u{0}\t\\\u{7F}\u{1B}"]).formatted
        #expect(line == "info m path=\"/a\\r\\nerror x\\u{0}\\t\\\\\\u{7f}\\u{1b}\"")
        #expect(!line.unicodeScalars.contains(where: { $0.value < 0x20 }))
    }

    @Test("plain text and quoting stay as before")
    func plainText() {
        let line = record("started", ["b": "two words", "a": "x", "c": "say \"hi\"", "d": "é"]).formatted
        #expect(line == "info started a=x b=\"two words\" c=\"say \\\"hi\\\"\" d=é")
    }
}
