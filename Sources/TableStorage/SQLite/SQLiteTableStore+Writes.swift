import LinkTomeCore

extension SQLiteTableStore {
    @discardableResult
    public func insert(_ entity: TableEntity, into table: String) async throws -> String {
        try await writeOne(.insert(entity), table)
    }

    @discardableResult

    public func replace(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await writeOne(.replace(entity, ifMatch: ifMatch), table)
    }

    @discardableResult

    public func merge(_ entity: TableEntity, in table: String, ifMatch: ETagCondition) async throws -> String {
        try await writeOne(.merge(entity, ifMatch: ifMatch), table)
    }

    @discardableResult

    public func upsert(_ entity: TableEntity, in table: String, mode: TableUpdateMode) async throws -> String {
        try await writeOne(.upsert(entity, mode: mode), table)
    }

    public func delete(from table: String, partitionKey: String, rowKey: String, ifMatch: ETagCondition) async throws {
        _ = try await writeOne(.delete(partitionKey: partitionKey, rowKey: rowKey, ifMatch: ifMatch), table)
    }

    @discardableResult

    public func submitBatch(_ operations: [TableBatchOperation], in table: String) async throws -> [String?] {
        try TableValidation.checkTableName(table)
        try LocalWriteRules.checkBatch(operations)
        return try await write(operations, table: table, indexErrors: true)
    }

    private func writeOne(_ operation: TableBatchOperation, _ table: String) async throws -> String {
        try TableValidation.checkTableName(table)
        try LocalWriteRules.checkOperation(operation)
        return try await write([operation], table: table, indexErrors: false).first.flatMap { $0 } ?? ""
    }

    /// Applies `operations` in one write transaction; all share one new timestamp and ETag.
    private func write(
        _ operations: [TableBatchOperation],
        table: String,
        indexErrors: Bool
    ) async throws
        -> [String?]
    {
        let now = Timestamp(clock.now())
        return try await run { connection in
            try connection.writeTransaction {
                try SQLiteTableStore.requireTable(table, connection)
                let instant = try SQLiteTableStore.nextTimestamp(now: now, connection)
                let etag = LocalWriteRules.etag(for: instant)
                var results: [String?] = []
                results.reserveCapacity(operations.count)
                for (index, operation) in operations.enumerated() {
                    do {
                        let stored = try SQLiteTableStore.apply(operation, table: table, at: instant, connection)
                        results.append(stored ? etag : nil)
                    } catch let error as TableStorageError where indexErrors {
                        throw error.at(operation: index)
                    }
                }
                return results
            }
        }
    }

    /// Applies one operation; returns whether an entity was stored (`false` for a delete).
    private static func apply(
        _ operation: TableBatchOperation,
        table: String,
        at instant: Timestamp,
        _ connection: SQLiteConnection
    ) throws -> Bool {
        let key = operation.key
        let existing: TableEntity?
        switch operation {
        case .upsert(_, .replace), .insert:
            existing = nil  // no read needed: the insert itself detects a taken key
        case .replace, .delete:
            // Only existence and the ETag matter, so a row whose properties are damaged can be
            // replaced or deleted.
            existing = try readVersion(table: table, key: key, connection)
        default:
            existing = try read(table: table, key: key, connection)
        }
        let updated = try LocalWriteRules.apply(operation, to: existing)
        guard let updated else {
            let delete = try connection.statement("DELETE FROM lt_entities WHERE tbl = ?1 AND pk = ?2 AND rk = ?3")
            delete.bind(1, table.lowercased())
            delete.bind(2, key.partitionKey)
            delete.bind(3, key.rowKey)
            try delete.run()
            return false
        }
        let sql: String
        if case .insert = operation {
            sql = "INSERT OR IGNORE INTO lt_entities (tbl, pk, rk, ts, props) VALUES (?1, ?2, ?3, ?4, ?5)"
        } else {
            sql = """
                INSERT INTO lt_entities (tbl, pk, rk, ts, props) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (tbl, pk, rk) DO UPDATE SET ts = excluded.ts, props = excluded.props
                """
        }
        let write = try connection.statement(sql)
        write.bind(1, table.lowercased())
        write.bind(2, key.partitionKey)
        write.bind(3, key.rowKey)
        write.bind(4, instant.ticksSince1970)
        write.bind(5, EntityJSON.encode(updated.properties))
        try write.run()
        if case .insert = operation, connection.changes == 0 { throw TableStorageError.entityExists(key) }
        return true
    }

    /// The stored entity's keys and ETag (no properties), or `nil`.
    private static func readVersion(
        table: String,
        key: TableEntityKey,
        _ connection: SQLiteConnection
    ) throws -> TableEntity? {
        let select = try connection.statement("SELECT ts FROM lt_entities WHERE tbl = ?1 AND pk = ?2 AND rk = ?3")
        defer { select.reset() }
        select.bind(1, table.lowercased())
        select.bind(2, key.partitionKey)
        select.bind(3, key.rowKey)
        guard try select.step() else { return nil }
        let instant = LocalWriteRules.timestamp(ticks: select.int64(0))
        return TableEntity(
            partitionKey: key.partitionKey,
            rowKey: key.rowKey,
            etag: LocalWriteRules.etag(for: instant),
            timestamp: instant
        )
    }

    /// The stored entity, or `nil`.
    static func read(table: String, key: TableEntityKey, _ connection: SQLiteConnection) throws -> TableEntity? {
        let select = try connection.statement(
            "SELECT ts, props FROM lt_entities WHERE tbl = ?1 AND pk = ?2 AND rk = ?3"
        )
        defer { select.reset() }
        select.bind(1, table.lowercased())
        select.bind(2, key.partitionKey)
        select.bind(3, key.rowKey)
        guard try select.step() else { return nil }
        return try entity(
            partitionKey: key.partitionKey,
            rowKey: key.rowKey,
            ticks: select.int64(0),
            props: select.bytes(1)
        )
    }

    /// An entity from its stored columns; a row whose properties cannot be decoded (damaged, or
    /// edited by hand) throws `storage` with code `CorruptRow`, naming the row.
    static func entity(
        partitionKey: String,
        rowKey: String,
        ticks: Int64,
        props: [UInt8]
    ) throws(TableStorageError) -> TableEntity {
        func corrupt(_ reason: String) -> TableStorageError {
            let row =
                "PartitionKey '\(partitionKey.escapingControlCharacters)', RowKey '\(rowKey.escapingControlCharacters)'"
            return TableStorageError(
                .storage,
                code: "CorruptRow",
                message: "the stored entity (\(row)) cannot be read: \(reason)"
            )
        }
        let instant = LocalWriteRules.timestamp(ticks: ticks)
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(props)
        } catch {
            throw corrupt("its properties are not valid JSON (\(error))")
        }
        guard case .object(let object) = parsed else {
            throw corrupt("its properties are \(String(parsed.jsonText.prefix(40))), not a JSON object")
        }
        let properties: [String: TableValue]
        do {
            properties = try EntityJSON.decodeProperties(object)
        } catch {
            throw corrupt(error.message)
        }
        return TableEntity(
            partitionKey: partitionKey,
            rowKey: rowKey,
            properties: properties,
            etag: LocalWriteRules.etag(for: instant),
            timestamp: instant
        )
    }

    /// The next write timestamp of this database: `now`, or just after the previous write if that is
    /// not earlier, so that ETags never repeat even across processes.
    private static func nextTimestamp(now: Timestamp, _ connection: SQLiteConnection) throws -> Timestamp {
        let select = try connection.statement("SELECT value FROM lt_meta WHERE key = 'last_write'")
        let previous = try select.step() ? LocalWriteRules.timestamp(ticks: select.int64(0)) : nil
        select.reset()
        let instant = LocalWriteRules.nextTimestamp(now: now, after: previous)
        let update = try connection.statement(
            "INSERT INTO lt_meta (key, value) VALUES ('last_write', ?1) "
                + "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        update.bind(1, instant.ticksSince1970)
        try update.run()
        return instant
    }
}
