import COpenSSL
import LinkTomeCore

/// SharedKey request signing for the Table service.
///
/// `StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedResource`, where the
/// date is the `x-ms-date` value and the resource is `/account` + the URI path exactly as sent
/// (still percent-encoded) + `?comp=…` when present; no `x-ms-*` headers are signed. The signature
/// is Base64(HMAC-SHA256(key, UTF-8(StringToSign))).
enum AzureSharedKey {
    /// The `StringToSign` for a request.
    static func stringToSign(
        method: String,
        contentMD5: String = "",
        contentType: String,
        date: String,
        account: String,
        path: String,
        query: Substring
    ) -> String {
        var resource = "/" + account + path
        for pair in query.split(separator: "&") where pair.hasPrefix("comp=") {
            resource += "?comp=" + pair.dropFirst(5)
        }
        return [method, contentMD5, contentType, date, resource].joined(separator: "\n")
    }

    /// The `Authorization` header value: `SharedKey account:signature`.
    static func authorization(account: String, key: [UInt8], stringToSign: String) -> String {
        "SharedKey \(account):" + hmacSHA256(key: key, message: Array(stringToSign.utf8)).base64
    }

    /// HMAC-SHA256 through OpenSSL's libcrypto.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                _ = HMAC(
                    EVP_sha256(),
                    keyBuffer.baseAddress,
                    Int32(keyBuffer.count),
                    messageBuffer.baseAddress,
                    messageBuffer.count,
                    &digest,
                    &length
                )
            }
        }
        return Array(digest.prefix(Int(length)))
    }

    /// An RFC 1123 date such as `Thu, 03 Dec 2026 16:19:50 GMT`, as `x-ms-date` needs.
    static func httpDate(_ instant: Timestamp) -> String {
        let days = instant.seconds >= 0 ? instant.seconds / 86_400 : (instant.seconds - 86_399) / 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let fields = instant.civil
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(fields.day)) \(months[fields.month - 1]) \(fields.year) "
            + "\(two(fields.hour)):\(two(fields.minute)):\(two(fields.second)) GMT"
    }
}
