import LinkTomeCore

/// The write semantics the local stores share with the service: which operation needs an existing
/// entity, how ETags are checked, and what a merge keeps.
enum LocalWriteRules {
    /// Validates everything about a batch that does not depend on stored data.
    static func checkBatch(_ operations: [TableBatchOperation]) throws(TableStorageError) {
        guard !operations.isEmpty else {
            throw TableStorageError(.badRequest, code: "InvalidInput", message: "a batch needs at least one operation")
        }
        guard operations.count <= TableValidation.maximumBatchOperations else {
            throw TableStorageError(
                .badRequest,
                code: "InvalidInput",
                message:
                    "the batch has \(operations.count) operations; it exceeds the maximum 100 changes per change set",
                status: 400
            )
        }
        let partition = operations[0].key.partitionKey
        var seen = Set<TableEntityKey>()
        for (index, operation) in operations.enumerated() {
            try checkOperation(operation, index: index)
            guard TableKeyOrder.same(operation.key.partitionKey, partition) else {
                throw TableStorageError(
                    .badRequest,
                    code: "CommandsInBatchActOnDifferentPartitions",
                    message: "all operations of a batch must use one PartitionKey; operation \(index) uses "
                        + "'\(operation.key.partitionKey)', operation 0 uses '\(partition)'",
                    status: 400
                ).at(operation: index)
            }
            guard seen.insert(operation.key).inserted else {
                throw TableStorageError(
                    .badRequest,
                    code: "InvalidDuplicateRow",
                    message: "the batch acts on RowKey '\(operation.key.rowKey)' more than once",
                    status: 400
                ).at(operation: index)
            }
        }
    }

    /// Validates one operation's keys and entity. A delete only needs keys of a valid length: an
    /// entity whose key has a character writes refuse (a control character, from a hand-edited or
    /// older file) can still be deleted, and deleting a key that cannot exist finds nothing.
    static func checkOperation(_ operation: TableBatchOperation, index: Int? = nil) throws(TableStorageError) {
        do throws(TableStorageError) {
            if let entity = operation.entity {
                try TableValidation.checkEntity(entity)
            } else {
                try checkLength(operation.key.partitionKey, name: "PartitionKey")
                try checkLength(operation.key.rowKey, name: "RowKey")
            }
        } catch {
            throw index.map { error.at(operation: $0) } ?? error
        }
    }

    private static func checkLength(_ key: String, name: String) throws(TableStorageError) {
        guard key.utf16.count <= TableValidation.maximumKeyLength else {
            throw .validation(
                "KeyTooLong",
                "\(name) is \(key.utf16.count) characters long; at most \(TableValidation.maximumKeyLength) are allowed"
            )
        }
    }

    /// Applies one operation to the stored entity (`nil` when absent) and returns what to store
    /// (`nil` to delete); the caller sets ETag and Timestamp.
    static func apply(
        _ operation: TableBatchOperation,
        to existing: TableEntity?
    ) throws(TableStorageError)
        -> TableEntity?
    {
        let key = operation.key
        switch operation {
        case .insert(let entity):
            guard existing == nil else { throw .entityExists(key) }
            return stripped(entity)
        case .replace(let entity, let condition):
            try check(existing, condition, key)
            return stripped(entity)
        case .merge(let entity, let condition):
            try check(existing, condition, key)
            return merged(entity, into: existing)
        case .upsert(let entity, let mode):
            return mode == .replace ? stripped(entity) : merged(entity, into: existing)
        case .delete(_, _, let condition):
            try check(existing, condition, key)
            return nil
        }
    }

    private static func check(
        _ existing: TableEntity?,
        _ condition: ETagCondition,
        _ key: TableEntityKey
    )
        throws(TableStorageError)
    {
        guard let existing else { throw .entityNotFound(key) }
        guard condition.isSatisfied(by: existing.etag ?? "") else { throw .conditionNotMet(key) }
    }

    /// The entity as the service would store it: no ETag or Timestamp, DateTime cut to 100 ns,
    /// GUIDs in lower-case canonical form.
    private static func stripped(_ entity: TableEntity) -> TableEntity {
        TableEntity(
            partitionKey: entity.partitionKey,
            rowKey: entity.rowKey,
            properties: entity.properties.mapValues(normalized)
        )
    }

    static func normalized(_ value: TableValue) -> TableValue {
        switch value {
        case .dateTime(let instant):
            return .dateTime(Timestamp(seconds: instant.seconds, nanoseconds: instant.nanoseconds / 100 * 100))
        case .guid(let text):
            return .guid(TableValidation.canonicalGuid(text) ?? text)
        default:
            return value
        }
    }

    private static func merged(_ entity: TableEntity, into existing: TableEntity?) -> TableEntity {
        var result = stripped(existing ?? entity)
        for (name, value) in entity.properties { result.properties[name] = normalized(value) }
        return result
    }

    /// The ETag the service would send for a write at `instant`: `W/"datetime'…'"` with `:` as `%3A`.
    static func etag(for instant: Timestamp) -> String {
        // A byte loop: Foundation's replacingOccurrences dominated write-heavy jobs.
        var bytes: [UInt8] = Array("W/\"datetime'".utf8)
        for byte in instant.iso8601(fractionDigits: 7).utf8 {
            if byte == UInt8(ascii: ":") {
                bytes.append(contentsOf: "%3A".utf8)
            } else {
                bytes.append(byte)
            }
        }
        bytes.append(contentsOf: "'\"".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `now` rounded down to 100 ns, moved past `previous` if needed so that every write gets a new
    /// timestamp and therefore a new ETag.
    static func nextTimestamp(now: Timestamp, after previous: Timestamp?) -> Timestamp {
        var ticks = now.ticksSince1970
        if let previous, previous.ticksSince1970 >= ticks { ticks = previous.ticksSince1970 + 1 }
        return timestamp(ticks: ticks)
    }

    /// The instant `ticks` 100 ns units after 1970.
    static func timestamp(ticks: Int64) -> Timestamp {
        let seconds = ticks >= 0 ? ticks / 10_000_000 : (ticks - 9_999_999) / 10_000_000
        return Timestamp(seconds: seconds, nanoseconds: Int32((ticks - seconds * 10_000_000) * 100))
    }
}
