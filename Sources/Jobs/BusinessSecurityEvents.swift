import LinkTomeCore
import TableStorage

/// Writes rows of `SecurityEvents` in the shape of `Write-SecurityEvent`: PartitionKey = event
/// type, RowKey = `<ticks>-<8 hex>`. The hex part is derived from the user and event type, so a
/// retried item at the same run instant finds its own row instead of writing a second one.
enum BusinessSecurityEvents {
    static let table = "SecurityEvents"

    /// Writes one event; returns `true` when a new row was written.
    @discardableResult
    static func write(
        _ store: any TableStore,
        type: String,
        user: TableEntity?,
        userId: String,
        reason: String,
        additionalData: JSONValue,
        now: Timestamp
    ) async throws -> Bool {
        try await BusinessTables.ensureTable(store, table)
        let suffix = BusinessHash.hex8(userId + "|" + type)
        var entity = TableEntity(partitionKey: type, rowKey: "\(BusinessFields.dotNetTicks(now))-\(suffix)")
        entity["EventTimestamp"] = .dateTime(now)
        entity["UserId"] = .string(userId)
        entity["Email"] = .string(redact(user.flatMap { BusinessFields.text($0["Email"]) } ?? user?.partitionKey))
        entity["Username"] = .string(user.flatMap { BusinessFields.text($0["Username"]) } ?? "")
        entity["IpAddress"] = .string("system")
        entity["Endpoint"] = .string("timer")
        entity["Reason"] = .string(reason)
        entity["AdditionalData"] = .string(additionalData.jsonText)
        do {
            try await store.insert(entity, into: table)
            return true
        } catch let error as TableStorageError where error.kind == .conflict {
            return false
        }
    }

    /// `abc***@example.com` (at most three characters of the local part), or `***`.
    static func redact(_ email: String?) -> String {
        guard let email, let at = email.firstIndex(of: "@"), at > email.startIndex else { return "***" }
        return String(email[..<at].prefix(3)) + "***" + String(email[at...])
    }
}

/// Small, fast, non-cryptographic hashes for stable identifiers (FNV-1a, 64 bit).
enum BusinessHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// Eight lower-case hex digits of the hash of `text`.
    static func hex8(_ text: String) -> String {
        let value = UInt32(truncatingIfNeeded: fnv1a(text) >> 16)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
