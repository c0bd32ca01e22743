import Foundation

extension Array where Element == UInt8 {
    /// Standard base64 with padding.
    public var base64: String {
        Data(self).base64EncodedString()
    }

    /// Decodes standard base64 (padding optional, whitespace ignored); `nil` when malformed.
    public init?(base64 text: String) {
        guard let bytes = Base64Bytes.decode(text) else { return nil }
        self = bytes
    }
}
