/// The service's limits, checked before anything is written or sent so that every backend rejects
/// the same input with the same clear error.
public enum TableValidation {
    /// Largest string or binary value: 64 KiB (strings counted as UTF-16, two bytes per code unit).
    public static let maximumValueBytes = 65_536
    /// Largest entity, by the service's size formula.
    public static let maximumEntityBytes = 1_048_576
    /// Custom properties per entity (255 minus PartitionKey, RowKey and Timestamp).
    public static let maximumCustomProperties = 252
    /// Longest PartitionKey or RowKey, in UTF-16 code units.
    public static let maximumKeyLength = 1_024
    /// Longest property name.
    public static let maximumPropertyNameLength = 255
    /// Operations in one batch.
    public static let maximumBatchOperations = 100
    /// Comparisons in one filter.
    public static let maximumFilterComparisons = 15
    /// Entities in one query page.
    public static let maximumPageSize = 1_000

    /// Checks a table name: a letter, then 2 to 62 letters or digits; not `tables`.
    public static func checkTableName(_ name: String) throws(TableStorageError) {
        let bytes = Array(name.utf8)
        let isAlphanumeric = bytes.allSatisfy { isASCIILetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
        guard (3...63).contains(bytes.count), isASCIILetter(bytes[0]), isAlphanumeric else {
            throw .validation(
                "InvalidTableName",
                "table name '\(name)' is invalid: use 3 to 63 letters and digits, starting with a letter"
            )
        }
        guard name.lowercased() != "tables" else {
            throw .validation("InvalidTableName", "table name 'tables' is reserved")
        }
    }

    /// Checks a PartitionKey or RowKey: at most 1,024 characters, none of `/ \ # ?` or control characters.
    public static func checkKey(_ key: String, name: String) throws(TableStorageError) {
        guard key.utf16.count <= maximumKeyLength else {
            throw .validation(
                "KeyTooLong",
                "\(name) is \(key.utf16.count) characters long; at most \(maximumKeyLength) are allowed"
            )
        }
        guard hasForbiddenKeyByte(key) else { return }
        for scalar in key.unicodeScalars {
            let value = scalar.value
            if "/\\#?".unicodeScalars.contains(scalar) {
                throw .validation(
                    "InvalidKeyCharacter",
                    "\(name) '\(key)' contains '\(scalar)'; keys may not contain / \\ # ?"
                )
            }
            if value < 0x20 || (0x7F...0x9F).contains(value) {
                throw .validation(
                    "InvalidKeyCharacter",
                    "\(name) contains the control character U+\(hex4(value)); keys may not contain control characters"
                )
            }
        }
    }

    /// Checks a custom property name: a letter or `_`, then letters, digits or `_`; at most 255
    /// characters; not a system property name.
    public static func checkPropertyName(_ name: String) throws(TableStorageError) {
        guard isASCIIIdentifier(name) || isUnicodeIdentifier(name), name.utf16.count <= maximumPropertyNameLength
        else {
            throw .validation(
                "InvalidPropertyName",
                "property name '\(name)' is invalid: use up to 255 letters, digits and '_', starting with a letter or '_'"
            )
        }
        guard !["PartitionKey", "RowKey", "Timestamp"].contains(name) else {
            throw .validation("InvalidPropertyName", "'\(name)' is a system property and cannot be written")
        }
    }

    /// Checks one value against the 64 KiB limit, the DateTime range and the GUID form.
    public static func checkValue(_ value: TableValue, property: String) throws(TableStorageError) {
        switch value {
        case .string(let text):
            let bytes = text.utf16.count * 2
            guard bytes <= maximumValueBytes else {
                throw .tooLarge(
                    "PropertyValueTooLarge",
                    "property '\(property)' is a string of \(text.count) characters, \(bytes) bytes in UTF-16; "
                        + "the limit is \(maximumValueBytes) bytes (32,768 UTF-16 code units)"
                )
            }
        case .binary(let bytes):
            guard bytes.count <= maximumValueBytes else {
                throw .tooLarge(
                    "PropertyValueTooLarge",
                    "property '\(property)' has \(bytes.count) bytes of binary; the limit is \(maximumValueBytes)"
                )
            }
        case .dateTime(let instant):
            guard instant.seconds >= -11_644_473_600, instant.seconds < 253_402_300_800 else {
                throw .validation(
                    "InvalidDateTime",
                    "property '\(property)' is \(instant); DateTime values must lie in 1601-01-01...9999-12-31 UTC"
                )
            }
        case .guid(let text):
            guard canonicalGuid(text) != nil else {
                throw .validation("InvalidGuid", "property '\(property)' is not a GUID: '\(text)'")
            }
        case .int32, .int64, .double, .bool:
            break
        }
    }

    /// Checks an entity before it is written: keys, property names and count, values, total size.
    public static func checkEntity(_ entity: TableEntity) throws(TableStorageError) {
        try checkKey(entity.partitionKey, name: "PartitionKey")
        try checkKey(entity.rowKey, name: "RowKey")
        guard entity.properties.count <= maximumCustomProperties else {
            throw .validation(
                "TooManyProperties",
                "entity has \(entity.properties.count) custom properties; at most \(maximumCustomProperties) are allowed"
            )
        }
        for (name, value) in entity.properties {
            try checkPropertyName(name)
            try checkValue(value, property: name)
        }
        let size = entitySize(entity)
        guard size <= maximumEntityBytes else {
            throw .tooLarge(
                "EntityTooLarge",
                "entity is \(size) bytes by the service's size formula; the limit is \(maximumEntityBytes) (1 MiB)"
            )
        }
    }

    /// Checks a filter's property names and its number of comparisons.
    public static func checkFilter(_ filter: TableFilter) throws(TableStorageError) {
        guard filter.comparisonCount <= maximumFilterComparisons else {
            throw .validation(
                "TooManyComparisons",
                "filter has \(filter.comparisonCount) comparisons; the service allows at most \(maximumFilterComparisons)"
            )
        }
        try checkFilterProperties(filter.expression)
    }

    private static func checkFilterProperties(_ expression: TableFilter.Expression) throws(TableStorageError) {
        switch expression {
        case .compare(let property, _, _):
            if !["PartitionKey", "RowKey", "Timestamp"].contains(property) { try checkPropertyName(property) }
        case .and(let lhs, let rhs), .or(let lhs, let rhs):
            try checkFilterProperties(lhs)
            try checkFilterProperties(rhs)
        case .not(let inner):
            try checkFilterProperties(inner)
        }
    }

    /// The size the service charges for an entity: 4 bytes, the keys in UTF-16, and per property
    /// 8 bytes plus its name in UTF-16 plus its value.
    public static func entitySize(_ entity: TableEntity) -> Int {
        var size = 4 + (entity.partitionKey.utf16.count + entity.rowKey.utf16.count) * 2
        for (name, value) in entity.properties {
            size += 8 + name.utf16.count * 2 + valueSize(value)
        }
        return size
    }

    private static func valueSize(_ value: TableValue) -> Int {
        switch value {
        case .string(let text): return 4 + text.utf16.count * 2
        case .binary(let bytes): return 4 + bytes.count
        case .int32: return 4
        case .int64, .double, .dateTime: return 8
        case .bool: return 1
        case .guid: return 16
        }
    }

    /// The lower-case canonical form of a GUID in 8-4-4-4-12 form (braces allowed), or `nil`.
    public static func canonicalGuid(_ text: String) -> String? {
        var body = Substring(text)
        if body.hasPrefix("{") && body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        let groups = body.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12],
            groups.allSatisfy({ $0.allSatisfy { $0.isHexDigit && $0.isASCII } })
        else { return nil }
        return body.lowercased()
    }

    /// Whether the UTF-8 of a key holds one of `/ \ # ?`, U+0000–001F, U+007F or U+0080–009F
    /// (encoded `C2 80`…`C2 9F`); a fast scan before the detailed check.
    private static func hasForbiddenKeyByte(_ key: String) -> Bool {
        var previous: UInt8 = 0
        for byte in key.utf8 {
            switch byte {
            case 0..<0x20, 0x7F, UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "#"), UInt8(ascii: "?"):
                return true
            case 0x80...0x9F where previous == 0xC2:
                return true
            default:
                previous = byte
            }
        }
        return false
    }

    /// The common case, checked on bytes: ASCII letters, digits and `_`, not starting with a digit.
    private static func isASCIIIdentifier(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let isDigit = byte >= 0x30 && byte <= 0x39
            guard isASCIILetter(byte) || byte == UInt8(ascii: "_") || (isDigit && !first) else { return false }
            first = false
        }
        return !first
    }

    private static func isUnicodeIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
