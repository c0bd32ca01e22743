extension TableStore {
    /// Creates the table unless it exists; returns whether it was created.
    @discardableResult
    public func createTableIfNotExists(_ name: String) async throws -> Bool {
        do {
            try await createTable(name)
            return true
        } catch let error as TableStorageError where error.kind == .conflict && error.code == "TableAlreadyExists" {
            return false
        }
    }

    /// Deletes the table if it exists; returns whether it did.
    @discardableResult
    public func deleteTableIfExists(_ name: String) async throws -> Bool {
        do {
            try await deleteTable(name)
            return true
        } catch let error as TableStorageError where error.kind == .notFound {
            return false
        }
    }

    /// Replaces the entity if it exists, whatever its version.
    @discardableResult
    public func replace(_ entity: TableEntity, in table: String) async throws -> String {
        try await replace(entity, in: table, ifMatch: .any)
    }

    /// Merges into the entity if it exists, whatever its version.
    @discardableResult
    public func merge(_ entity: TableEntity, in table: String) async throws -> String {
        try await merge(entity, in: table, ifMatch: .any)
    }

    /// Inserts or replaces the entity.
    @discardableResult
    public func upsert(_ entity: TableEntity, in table: String) async throws -> String {
        try await upsert(entity, in: table, mode: .replace)
    }

    /// Deletes the entity if it exists, whatever its version.
    public func delete(from table: String, partitionKey: String, rowKey: String) async throws {
        try await delete(from: table, partitionKey: partitionKey, rowKey: rowKey, ifMatch: .any)
    }

    /// Deletes the entity if it exists; returns whether it did.
    @discardableResult
    public func deleteIfExists(from table: String, partitionKey: String, rowKey: String) async throws -> Bool {
        do {
            try await delete(from: table, partitionKey: partitionKey, rowKey: rowKey, ifMatch: .any)
            return true
        } catch let error as TableStorageError where error.kind == .notFound && error.code != "TableNotFound" {
            return false
        }
    }

    /// Streams a query page by page.
    ///
    /// - Parameters:
    ///   - filter: which entities; `nil` for all.
    ///   - select: the custom properties to return (keys, ETag and Timestamp always come); `nil` for all.
    ///   - top: the most entities to return in total; `nil` for no limit. Each request asks for at
    ///     most 1,000 (the service's page size), fewer when `top` is nearly reached.
    public func query(
        _ table: String,
        filter: TableFilter? = nil,
        select: [String]? = nil,
        top: Int? = nil
    ) -> TableQueryPages {
        TableQueryPages(store: self, table: table, filter: filter, select: select, top: top)
    }

    /// Every entity a query returns, collected into an array (use ``query(_:filter:select:top:)`` and
    /// stream its `entities` for large results).
    public func queryAll(
        _ table: String,
        filter: TableFilter? = nil,
        select: [String]? = nil,
        top: Int? = nil
    ) async throws -> [TableEntity] {
        var result: [TableEntity] = []
        for try await entity in query(table, filter: filter, select: select, top: top).entities {
            result.append(entity)
        }
        return result
    }
}

/// The pages of a query, fetched lazily one request at a time; an empty page with a continuation is
/// passed on like any other. A page with an entity that cannot be decoded throws that entity's
/// error (call ``TableStore/queryPage(_:filter:select:maxCount:continuation:)`` to skip such
/// entities instead). Use ``entities`` to stream entities instead.
public struct TableQueryPages: AsyncSequence, Sendable {
    public typealias Element = TableQueryPage

    let store: any TableStore
    let table: String
    let filter: TableFilter?
    let select: [String]?
    let top: Int?

    /// The same query as a stream of entities.
    public var entities: TableQueryEntities { TableQueryEntities(pages: self) }

    public func makeAsyncIterator() -> Iterator {
        Iterator(query: self, remaining: top)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let query: TableQueryPages
        var remaining: Int?
        var continuation: TableContinuation?
        var started = false
        var finished = false

        public mutating func next() async throws -> TableQueryPage? {
            guard !finished else { return nil }
            if let remaining, remaining <= 0 {
                finished = true
                return nil
            }
            guard !started || continuation != nil else {
                finished = true
                return nil
            }
            started = true

            let maxCount = Swift.min(remaining ?? TableValidation.maximumPageSize, TableValidation.maximumPageSize)
            var page = try await query.store.queryPage(
                query.table,
                filter: query.filter,
                select: query.select,
                maxCount: maxCount,
                continuation: continuation
            )
            if let unreadable = page.unreadable.first { throw unreadable.error }
            if let remaining, page.entities.count > remaining {
                page.entities.removeLast(page.entities.count - remaining)
            }
            remaining = remaining.map { $0 - page.entities.count }
            continuation = page.continuation
            if continuation == nil { finished = true }
            return page
        }
    }
}

/// The entities of a query, streamed page by page: memory holds one page at a time.
public struct TableQueryEntities: AsyncSequence, Sendable {
    public typealias Element = TableEntity

    let pages: TableQueryPages

    public func makeAsyncIterator() -> Iterator {
        Iterator(pages: pages.makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        var pages: TableQueryPages.Iterator
        var buffer: [TableEntity] = []
        var position = 0

        public mutating func next() async throws -> TableEntity? {
            while position >= buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = page.entities
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }
}
