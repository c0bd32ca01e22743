import LinkTomeCore

extension SQLiteTableStore {
    public func get(from table: String, partitionKey: String, rowKey: String) async throws -> TableEntity? {
        try TableValidation.checkTableName(table)
        let key = TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)
        return try await run { connection in
            try SQLiteTableStore.requireTable(table, connection)
            return try SQLiteTableStore.read(table: table, key: key, connection)
        }
    }

    public func queryPage(
        _ table: String,
        filter: TableFilter?,
        select: [String]?,
        maxCount: Int,
        continuation: TableContinuation?
    ) async throws -> TableQueryPage {
        try TableValidation.checkTableName(table)
        if let filter { try TableValidation.checkFilter(filter) }
        let limit = min(max(maxCount, 1), TableValidation.maximumPageSize)
        let range = KeyRange(filter: filter, continuation: continuation)
        let scanLimit = self.scanLimit
        return try await run { connection in
            try SQLiteTableStore.requireTable(table, connection)
            return try SQLiteTableStore.scan(
                table: table,
                range: range,
                filter: filter,
                select: select,
                limit: limit,
                scanLimit: scanLimit,
                connection
            )
        }
    }

    /// Reads rows from the start of `range` in key order, keeping those the filter matches, until
    /// `limit` matched or `scanLimit` were examined; the next row's key becomes the continuation.
    private static func scan(
        table: String,
        range: KeyRange,
        filter: TableFilter?,
        select: [String]?,
        limit: Int,
        scanLimit: Int,
        _ connection: SQLiteConnection
    ) throws -> TableQueryPage {
        var sql = "SELECT pk, rk, ts, props FROM lt_entities WHERE tbl = ?1 AND (pk, rk) >= (?2, ?3)"
        if range.partitionUpper != nil { sql += " AND pk <= ?4" }
        sql += " ORDER BY pk, rk"
        let statement = try connection.statement(sql)
        defer { statement.reset() }
        statement.bind(1, table.lowercased())
        statement.bind(2, range.start.partitionKey)
        statement.bind(3, range.start.rowKey)
        if let upper = range.partitionUpper { statement.bind(4, upper) }

        var found: [TableEntity] = []
        var unreadable: [TableUnreadableEntity] = []
        var scanned = 0
        while try statement.step() {
            let partitionKey = String(decoding: statement.bytes(0), as: UTF8.self)
            let rowKey = String(decoding: statement.bytes(1), as: UTF8.self)
            if found.count >= limit || scanned >= scanLimit {
                return TableQueryPage(
                    entities: found,
                    continuation: TableContinuation(nextPartitionKey: partitionKey, nextRowKey: rowKey),
                    unreadable: unreadable
                )
            }
            scanned += 1
            let key = TableEntityKey(partitionKey: partitionKey, rowKey: rowKey)
            let entity: TableEntity
            do {
                entity = try Self.entity(
                    partitionKey: partitionKey,
                    rowKey: rowKey,
                    ticks: statement.int64(2),
                    props: statement.bytes(3)
                )
            } catch {
                unreadable.append(TableUnreadableEntity(key: key, error: error))
                continue
            }
            if filter?.matches(entity) ?? true { found.append(entity.selecting(select)) }
        }
        return TableQueryPage(entities: found, continuation: nil, unreadable: unreadable)
    }
}

/// The key range a query must read: where to start (the continuation, or the filter's lower bound
/// on PartitionKey) and the highest PartitionKey the filter allows. It only narrows the scan; the
/// filter itself still decides every row.
struct KeyRange {
    var start: TableEntityKey
    var partitionUpper: String?

    init(filter: TableFilter?, continuation: TableContinuation?) {
        var lower = ""
        var upper: String?
        for case .compare("PartitionKey", let comparison, .string(let value)) in KeyRange.conjuncts(filter?.expression)
        {
            switch comparison {
            case .equal:
                lower = KeyRange.maximum(lower, value)
                upper = upper.map { KeyRange.minimum($0, value) } ?? value
            case .greaterThan, .greaterThanOrEqual:
                lower = KeyRange.maximum(lower, value)
            case .lessThan, .lessThanOrEqual:
                upper = upper.map { KeyRange.minimum($0, value) } ?? value
            case .notEqual:
                break
            }
        }
        start = TableEntityKey(partitionKey: lower, rowKey: "")
        if let continuation {
            let resume = TableEntityKey(
                partitionKey: continuation.nextPartitionKey,
                rowKey: continuation.nextRowKey ?? ""
            )
            if start < resume { start = resume }
        }
        partitionUpper = upper
    }

    /// The comparisons joined by `and` at the top of the expression.
    private static func conjuncts(_ expression: TableFilter.Expression?) -> [TableFilter.Expression] {
        switch expression {
        case nil: return []
        case .and(let lhs, let rhs)?: return conjuncts(lhs) + conjuncts(rhs)
        case let other?: return [other]
        }
    }

    private static func maximum(_ lhs: String, _ rhs: String) -> String {
        TableKeyOrder.less(lhs, rhs) ? rhs : lhs
    }

    private static func minimum(_ lhs: String, _ rhs: String) -> String {
        TableKeyOrder.less(lhs, rhs) ? lhs : rhs
    }
}
