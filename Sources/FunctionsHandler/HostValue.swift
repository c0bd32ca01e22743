import LinkTomeCore

extension JSONValue {
    /// Removes the Functions host's extra JSON quoting `times` times.
    ///
    /// The host serialises every `Data` and `Metadata` value that is not an object or a date with
    /// `JsonConvert.SerializeObject`, so a .NET string `abc` arrives as the JSON string `"\"abc\""`
    /// and a number `1` as `"1"`. Each step turns a string that holds JSON text into the value it
    /// encodes; a string that is not JSON (or any non-string) is returned unchanged, so applying one
    /// step too many is harmless.
    public func hostDecoded(times: Int = 1) -> JSONValue {
        var value = self
        for _ in 0..<max(0, times) {
            guard case .string(let text) = value, let parsed = JSONValue.parseIfJSON(text) else { break }
            value = parsed
        }
        return value
    }

    /// The value `text` encodes when it is JSON text; `nil` otherwise. Skips the parse for text
    /// that cannot be JSON (such as base64 or a plain word) without copying it.
    static func parseIfJSON(_ text: String) -> JSONValue? {
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else {
            return nil
        }
        switch first {
        case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "-"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try? JSONParser.parse(text)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return text.utf8.count <= 16 ? try? JSONParser.parse(text) : nil
        default:
            return nil
        }
    }

    /// A word for the kind of value, for error messages.
    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .integer, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Dates as the Functions host writes them into invocation requests.
public enum HostDate {
    /// Parses ISO 8601 with 0–7 (up to 9) fraction digits and a `Z`, `±hh:mm` or no offset (no offset
    /// means UTC). Returns `nil` for .NET's `DateTime.MinValue` (`0001-01-01T00:00:00`), which the host
    /// writes for "never", and for any other instant before 0001-01-02.
    ///
    /// - Throws: ``FunctionsHandlerError/invalidDate(field:value:)`` when `text` is not such a date.
    public static func parse(_ text: String, field: String = "date") throws(FunctionsHandlerError) -> Timestamp? {
        guard let timestamp = Timestamp(iso8601: text.trimmingBlanks()) else {
            throw .invalidDate(field: field, value: text)
        }
        return timestamp < endOfYearOneFirstDay ? nil : timestamp
    }

    private static let endOfYearOneFirstDay = Timestamp.utc(year: 1, month: 1, day: 2)
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !blank($0) }), let end = lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
