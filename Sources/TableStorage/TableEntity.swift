import LinkTomeCore

/// One row of a table: its keys, its typed custom properties, and what the store says about it.
public struct TableEntity: Sendable, Hashable {
    /// The partition key: at most 1 KiB, none of `/ \ # ?` or control characters.
    public var partitionKey: String
    /// The row key, with the same rules as the partition key; unique within the partition.
    public var rowKey: String
    /// The custom properties by name (case-sensitive); the system properties are not in here.
    public var properties: [String: TableValue]
    /// The entity's version as the store returned it; send it back as an `ETagCondition` to update
    /// only if nobody changed the entity since. `nil` on entities built by the caller.
    public var etag: String?
    /// When the store last wrote the entity (set by the store, ignored on writes).
    public var timestamp: Timestamp?

    public init(
        partitionKey: String,
        rowKey: String,
        properties: [String: TableValue] = [:],
        etag: String? = nil,
        timestamp: Timestamp? = nil
    ) {
        self.partitionKey = partitionKey
        self.rowKey = rowKey
        self.properties = properties
        self.etag = etag
        self.timestamp = timestamp
    }

    /// The custom property `name`; setting `nil` removes it.
    public subscript(name: String) -> TableValue? {
        get { properties[name] }
        set { properties[name] = newValue }
    }

    /// The keys of this entity.
    public var key: TableEntityKey {
        TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)
    }

    /// A custom property or one of the system properties `PartitionKey`, `RowKey`, `Timestamp`, as a
    /// filter sees them.
    public func value(named name: String) -> TableValue? {
        switch name {
        case "PartitionKey": return .string(partitionKey)
        case "RowKey": return .string(rowKey)
        case "Timestamp": return timestamp.map(TableValue.dateTime)
        default: return properties[name]
        }
    }

    /// This entity keeping only the custom properties in `names` (the keys, ETag and timestamp always stay).
    public func selecting(_ names: [String]?) -> TableEntity {
        guard let names else { return self }
        var copy = self
        copy.properties = properties.filter { names.contains($0.key) }
        return copy
    }

    /// Whether every custom property of `written` is present here with an equal value (the store may
    /// hold more properties, as after a merge). Used to recognise one's own write when re-reading.
    public func contains(_ written: TableEntity) -> Bool {
        guard TableKeyOrder.same(partitionKey, written.partitionKey), TableKeyOrder.same(rowKey, written.rowKey)
        else { return false }
        return written.properties.allSatisfy { properties[$0.key] == $0.value }
    }
}

/// The primary key of an entity.
public struct TableEntityKey: Sendable, Hashable, Comparable {
    public var partitionKey: String
    public var rowKey: String

    public init(partitionKey: String, rowKey: String) {
        self.partitionKey = partitionKey
        self.rowKey = rowKey
    }

    /// Byte-ordinal order of the UTF-8 keys, partition first: the order of query results.
    public static func < (lhs: TableEntityKey, rhs: TableEntityKey) -> Bool {
        if !TableKeyOrder.same(lhs.partitionKey, rhs.partitionKey) {
            return TableKeyOrder.less(lhs.partitionKey, rhs.partitionKey)
        }
        return TableKeyOrder.less(lhs.rowKey, rhs.rowKey)
    }

    public static func == (lhs: TableEntityKey, rhs: TableEntityKey) -> Bool {
        TableKeyOrder.same(lhs.partitionKey, rhs.partitionKey) && TableKeyOrder.same(lhs.rowKey, rhs.rowKey)
    }

    /// Strings with equal bytes hash equally, so String's own hash suits byte equality.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(partitionKey)
        hasher.combine(rowKey)
    }
}

/// String comparison as the service does it: by UTF-8 bytes, never by Unicode canonical equivalence
/// (Swift's `==` would call a precomposed and a decomposed "é" equal; the service does not).
public enum TableKeyOrder {
    /// Whether the two strings have the same UTF-8 bytes.
    public static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// Whether `lhs` sorts before `rhs` by UTF-8 bytes.
    public static func less(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
