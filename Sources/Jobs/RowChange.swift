import LinkTomeCore
import TableStorage

/// A planned change to one stored row: properties to set and properties to remove, applied only if
/// the row still has the ETag it was read with.
struct RowChange: Sendable {
    var original: TableEntity
    var updates: [String: TableValue] = [:]
    var removals: Set<String> = []

    init(_ original: TableEntity) {
        self.original = original
    }

    /// Whether applying the change would alter the row.
    var isEmpty: Bool {
        updates.allSatisfy { original.properties[$0.key] == $0.value }
            && removals.allSatisfy { original.properties[$0] == nil }
    }

    /// Sets `name` to `value` unless it already has it.
    mutating func assign(_ name: String, _ value: TableValue) {
        removals.remove(name)
        if original.properties[name] == value {
            updates.removeValue(forKey: name)
        } else {
            updates[name] = value
        }
    }

    /// Removes `name` if present.
    mutating func clear(_ name: String) {
        updates.removeValue(forKey: name)
        if original.properties[name] != nil { removals.insert(name) }
    }

    /// The batch operation: a merge of the new values when nothing is removed, else a replace of the
    /// whole row; both conditional on the ETag read.
    var operation: TableBatchOperation {
        let condition: ETagCondition = original.etag.map { .matching($0) } ?? .any
        if removals.isEmpty {
            let patch = TableEntity(partitionKey: original.partitionKey, rowKey: original.rowKey, properties: updates)
            return .merge(patch, ifMatch: condition)
        }
        var updated = original
        updated.etag = nil
        updated.timestamp = nil
        for name in removals { updated.properties.removeValue(forKey: name) }
        for (name, value) in updates { updated.properties[name] = value }
        return .replace(updated, ifMatch: condition)
    }
}

/// Applies planned changes of one table, batched per partition, and counts what happened.
enum RowChangeWriter {
    /// Applies every non-empty change; returns (applied, failed, failure descriptions).
    static func apply(
        _ changes: [RowChange],
        store: any TableStore,
        table: String
    ) async
        -> (applied: Int, failed: Int, failures: [String])
    {
        var writer = PartitionBatchWriter(store: store, table: table)
        let sorted = changes.filter { !$0.isEmpty }.sorted { $0.original.key < $1.original.key }
        for change in sorted { await writer.add(change.operation) }
        await writer.flush()
        return (writer.applied, writer.failed, writer.failures)
    }
}
