import Foundation
import LinkTomeCore
import TableStorage

/// Reads and writes status rows in `LinkTomeTimers`, always conditionally on the ETag read.
struct TimerStatusStore: Sendable {
    let store: any TableStore

    var table: String { TimerStatusRow.table }

    /// Creates the table unless it exists.
    func prepare() async throws {
        try await store.createTableIfNotExists(table)
    }

    /// Every row of partition `Timer`; rows the store cannot decode are named in `unreadable`
    /// (RowKey and reason) instead of failing the read.
    func readAll() async throws -> TimerStatusSnapshot {
        let filter = TableFilter.partitionKey(TimerStatusRow.partitionKey)
        var snapshot = TimerStatusSnapshot()
        var continuation: TableContinuation?
        var seen: Set<TableContinuation> = []
        repeat {
            let page = try await store.queryPage(
                table,
                filter: filter,
                select: nil,
                maxCount: 1_000,
                continuation: continuation
            )
            snapshot.rows += page.entities.map(TimerStatusRow.init(entity:))
            for entity in page.unreadable { snapshot.unreadable[entity.key.rowKey] = entity.error.message }
            continuation = page.continuation
            if let token = continuation, !seen.insert(token).inserted {
                throw TableStorageError(
                    .invalidResponse,
                    code: "RepeatedContinuation",
                    message: "the store returned the continuation \(token) twice while listing \(table)"
                )
            }
        } while continuation != nil
        return snapshot
    }

    /// Every row, or none when the table does not exist yet.
    func readAllIfPresent() async throws -> TimerStatusSnapshot {
        do {
            return try await readAll()
        } catch let error as TableStorageError where error.kind == .notFound {
            return TimerStatusSnapshot()
        }
    }

    /// The row with RowKey `id`, or `nil`.
    func read(_ id: String) async throws -> TimerStatusRow? {
        try await store.get(from: table, partitionKey: TimerStatusRow.partitionKey, rowKey: id)
            .map(TimerStatusRow.init(entity:))
    }

    /// The row of `timer`, inserting a fresh one if there is none (another writer's row wins).
    func readOrCreate(_ timer: TimerDefinition) async throws -> TimerStatusRow {
        if let row = try await read(timer.id) { return row }
        return try await create(TimerStatusRow(timer: timer))
    }

    /// Inserts `row`, or returns the row another writer inserted first.
    func create(_ row: TimerStatusRow) async throws -> TimerStatusRow {
        var fresh = row
        fresh.etag = nil
        switch try await store.insertIfAbsent(fresh.entity, into: table) {
        case .applied(let etag), .appliedByEarlierAttempt(let etag):
            fresh.etag = etag
            return fresh
        case .lostRace(let current):
            if let current { return TimerStatusRow(entity: current) }
            return try await readOrFail(row.id)
        }
    }

    /// Writes `row` only if the stored row still has `row.etag`. Returns the row with its new ETag,
    /// or `nil` when another writer changed the row first.
    func update(_ row: TimerStatusRow) async throws -> TimerStatusRow? {
        guard row.etag != nil else { return try await create(row) }
        switch try await store.updateIfUnchanged(row.entity, in: table, mode: .replace) {
        case .applied(let etag), .appliedByEarlierAttempt(let etag):
            var written = TimerStatusRow(entity: row.entity)
            written.etag = etag
            return written
        case .lostRace:
            return nil
        }
    }

    /// Deletes the row with RowKey `id` if it exists.
    func delete(_ id: String) async throws {
        try await store.deleteIfExists(from: table, partitionKey: TimerStatusRow.partitionKey, rowKey: id)
    }

    private func readOrFail(_ id: String) async throws -> TimerStatusRow {
        guard let row = try await read(id) else {
            throw TableStorageError(
                .storage,
                code: "RowVanished",
                message: "the status row \(id) was inserted by another writer and deleted again"
            )
        }
        return row
    }
}

/// The status rows as read, and the RowKeys of rows that could not be decoded with the reason.
struct TimerStatusSnapshot {
    var rows: [TimerStatusRow] = []
    var unreadable: [String: String] = [:]

    /// The rows by RowKey (the first of equal keys).
    var byId: [String: TimerStatusRow] {
        Dictionary(rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
