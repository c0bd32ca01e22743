import Foundation
import LinkTomeCore
import Testing

@testable import Jobs
@testable import TableStorage

/// Writes a row behind the store's back, as a damaged file or another program would leave it.
private func insertRaw(_ store: SQLiteTableStore, table: String, pk: String, rk: String, props: String) async throws {
    try await store.createTableIfNotExists(table)
    let sql =
        "INSERT INTO lt_entities (tbl, pk, rk, ts, props) VALUES ('\(table.lowercased())', '\(pk)', '\(rk)', "
        + "639000000000000000, '\(props)')"
    try await store.run { connection in try connection.execute(sql) }
}

private func token(_ name: String, expires: TableValue?) -> TableEntity {
    var row = TableEntity(partitionKey: "token-\(name)", rowKey: "00000000-0000-0000-0000-000000000001")
    row["IsValid"] = .bool(true)
    row["ExpiresAt"] = expires
    return row
}

@Suite("Retention: malformed stored values")
struct RetentionUnreadableRowTests {
    @Test("an unreadable RefreshTokens row is counted as failed and the others are still cleaned")
    func unreadableRowIsCounted() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "RefreshTokens",
            [
                token("expired", expires: .dateTime(retentionAt(-60))),
                token("valid", expires: .dateTime(retentionAt(60))),
            ]
        )
        try await insertRaw(
            store,
            table: "RefreshTokens",
            pk: "token-broken",
            rk: "r",
            props: #"{"IsValid":true,"ExpiresAt":"notadate","ExpiresAt@odata.type":"Edm.DateTime"}"#
        )

        let summary = try await RefreshTokenCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(summary.failedBy == ["unreadableRow": 1])
        #expect(summary.deletedBy == ["expired": 1])
        #expect(summary.status == .completedWithErrors)
        let remaining = try await store.queryPage(
            "RefreshTokens",
            filter: nil,
            select: nil,
            maxCount: 10,
            continuation: nil
        )
        #expect(remaining.entities.map(\.partitionKey) == ["token-valid"])
        #expect(remaining.unreadable.map(\.key.partitionKey) == ["token-broken"])
    }

    @Test("a RefreshTokens ExpiresAt that is a number is unparsable and so expired")
    func numericExpiry() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "RefreshTokens",
            [token("number", expires: .int64(1_700_000_000)), token("int", expires: .int32(5))]
        )

        let summary = try await RefreshTokenCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(summary.deletedBy == ["unparsableExpiry": 2])
        #expect(try await store.queryAll("RefreshTokens").isEmpty)
    }

    @Test("a RateLimits WindowStart that is not a date: judged by LastRequest, kept under its own reason")
    func rateLimitNonDateWindowStart() async throws {
        let store = try makeRetentionStore()
        func counter(_ key: String, start: TableValue, last: Int64) -> TableEntity {
            var row = TableEntity(partitionKey: "v1-daily", rowKey: key)
            row["WindowStart"] = start
            row["LastRequest"] = .dateTime(retentionAt(last))
            return row
        }
        try await seed(
            store,
            "RateLimits",
            [
                counter("number-recent", start: .int64(42), last: -60),
                counter("number-old", start: .int64(42), last: -2 * 86_400),
                counter("text-recent", start: "notadate", last: -60),
            ]
        )
        try await insertRaw(
            store,
            table: "RateLimits",
            pk: "v1-daily",
            rk: "typed-bad",
            props: #"{"WindowStart":"notadate","WindowStart@odata.type":"Edm.DateTime"}"#
        )

        let summary = try await RateLimitCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(summary.deletedBy == ["windowExpired": 1])
        // The text WindowStart is always examined; the number one only where the store compares types.
        #expect(Array(summary.keptBy.keys) == ["unparsableWindowStart"])
        let left = try await store.queryPage("RateLimits", filter: nil, select: nil, maxCount: 10, continuation: nil)
        #expect(left.entities.map(\.rowKey).contains("text-recent"))
        #expect(!left.entities.map(\.rowKey).contains("number-old"))
        #expect(summary.failedBy == ["unreadableRow": 1])
        #expect(summary.keptBy["windowOpen"] == nil)
    }
}
