import LinkTomeCore
import Testing

@Suite("Printable text")
struct PrintableTextTests {
    @Test("Control characters are escaped as Swift writes them; other text is unchanged")
    func escapes() {
        #expect("a\tb\nc\rd\0e".escapingControlCharacters == "a\\tb\\nc\\rd\\0e")
        #expect("x\u{1}y\u{1B}[2Jz\u{7F}\u{85}".escapingControlCharacters == "x\\u{1}y\\u{1b}[2Jz\\u{7f}\\u{85}")
        #expect("Start-Cleanup é 😀 \\t".escapingControlCharacters == "Start-Cleanup é 😀 \\t")
        #expect("".escapingControlCharacters == "")
    }
}
