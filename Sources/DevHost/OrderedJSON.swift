import LinkTomeCore

/// JSON text helpers for the host's payloads, where .NET writes members in declaration order and
/// compacts JSON text without reordering it.
enum OrderedJSON {
    /// An object with its members in the given order.
    static func object(_ members: [(String, JSONValue)]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONValue.writeString(member.0, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            member.1.write(into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An object with its members in the given order, whose values are already JSON text.
    static func object(rawMembers members: [(String, String)]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONValue.writeString(member.0, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: member.1.utf8)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` without whitespace outside strings (as `JToken.ToString(Formatting.None)` writes it,
    /// member order kept), or `nil` when `text` is not one valid JSON document.
    static func compact(_ text: String) -> String? {
        guard (try? JSONParser.parse(text)) != nil else { return nil }
        var output: [UInt8] = []
        var inString = false
        var escaped = false
        for byte in text.utf8 {
            if inString {
                output.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "\""):
                inString = true
                output.append(byte)
            default: output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parses stored JSON text for display; text that is not JSON becomes a JSON string, absent is null.
    static func value(_ text: String?) -> JSONValue {
        guard let text else { return .null }
        return (try? JSONParser.parse(text)) ?? .string(text)
    }
}
