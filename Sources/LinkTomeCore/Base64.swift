import Foundation

extension Array where Element == UInt8 {
    /// Standard base64 with padding.
    public var base64: String {
        Data(self).base64EncodedString()
    }

    /// Decodes standard base64 (padding optional, whitespace ignored); `nil` when malformed.
    public init?(base64 text: String) {
        var cleaned = text.filter { !$0.isWhitespace }
        let remainder = cleaned.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { cleaned += String(repeating: "=", count: 4 - remainder) }
        guard let data = Data(base64Encoded: cleaned) else { return nil }
        self = Array(data)
    }
}
