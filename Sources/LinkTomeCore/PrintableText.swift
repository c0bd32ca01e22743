extension String {
    /// The text with every control character (C0, DEL and C1) written as a Swift escape: `\t`,
    /// `\n`, `\r`, `\0`, else `\u{1}`; everything else is unchanged. For quoting user input (a cron
    /// token, a RowKey) in messages and tables, where a raw tab or escape sequence would be invisible
    /// or garble the terminal.
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: \.isControlCharacter) else { return self }
        var text = ""
        for scalar in unicodeScalars {
            guard scalar.isControlCharacter else {
                text.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\t": text += "\\t"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\0": text += "\\0"
            default: text += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return text
    }
}

extension Unicode.Scalar {
    /// Whether this is a C0 control (U+0000–U+001F), DEL (U+007F) or a C1 control (U+0080–U+009F).
    public var isControlCharacter: Bool {
        value < 0x20 || (0x7F...0x9F).contains(value)
    }
}
