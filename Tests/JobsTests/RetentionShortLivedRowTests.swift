import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

/// A `RateLimits` row as the API's limiter writes it.
private func counter(_ endpoint: String, _ caller: String, windowStart: TableValue?, last: TableValue?) -> TableEntity {
    var row = TableEntity(partitionKey: endpoint, rowKey: caller)
    row["RequestCount"] = .int32(3)
    row["WindowStart"] = windowStart
    row["LastRequest"] = last
    return row
}

private func counter(_ endpoint: String, _ caller: String, startedAgo seconds: Int64) -> TableEntity {
    let start = retentionAt(-seconds)
    return counter(endpoint, caller, windowStart: .dateTime(start), last: .dateTime(start))
}

@Suite("Rate limit cleanup")
struct RetentionRateLimitTests {
    @Test("a v1-daily row idle for 2 hours survives; one whose day has passed is deleted")
    func dailyQuotaSurvives() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "RateLimits",
            [
                counter("v1-daily", "apiuser-idle", startedAgo: 2 * 3_600),
                counter("v1-daily", "apiuser-yesterday", startedAgo: 86_400 + 1),
                counter("v1-daily", "apiuser-exactly", startedAgo: 86_400),
                counter("v1-daily", "apiuser-almost", startedAgo: 86_400 - 1),
            ]
        )

        let summary = try await RateLimitCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(try await rowKeys(store, "RateLimits") == ["apiuser-almost", "apiuser-exactly", "apiuser-idle"])
        #expect(summary.deletedBy == ["windowExpired": 1])
        #expect(summary.keptBy == ["windowOpen": 3])
        #expect(summary.json["TotalEntries"] == 4)
    }

    @Test("each partition is judged by its own window, one second either side of its end")
    func perPartitionWindows() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "RateLimits",
            [
                counter("v1-minute", "apikey-a-61", startedAgo: 61),
                counter("v1-minute", "apikey-a-60", startedAgo: 60),
                counter("public-login", "1-2-3-4-61", startedAgo: 61),
                counter("public-login", "1-2-3-4-59", startedAgo: 59),
                counter("public-signup", "5-6-7-8-3601", startedAgo: 3_601),
                counter("public-signup", "5-6-7-8-3599", startedAgo: 3_599),
                counter("admin-getLinks", "user-31", startedAgo: 31),
                counter("admin-getLinks", "user-30", startedAgo: 30),
                counter("partner-sync", "unknown-2h", startedAgo: 7_200),
            ]
        )

        let summary = try await RateLimitCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let remaining = try await store.queryAll("RateLimits").map { "\($0.partitionKey)/\($0.rowKey)" }.sorted()
        #expect(
            remaining == [
                "admin-getLinks/user-30", "partner-sync/unknown-2h", "public-login/1-2-3-4-59",
                "public-signup/5-6-7-8-3599", "v1-minute/apikey-a-60",
            ]
        )
        #expect(summary.deleted == 4)
    }

    @Test("a row without WindowStart is judged by LastRequest; neither, or an unparsable one, keeps it")
    func missingColumns() async throws {
        let store = try makeRetentionStore()
        let old = TableValue.dateTime(retentionAt(-2 * 86_400))
        try await seed(
            store,
            "RateLimits",
            [
                counter("v1-daily", "only-last-request", windowStart: nil, last: old),
                counter("v1-daily", "neither", windowStart: nil, last: nil),
                counter("v1-daily", "garbage", windowStart: "yesterday-ish", last: nil),
                counter(
                    "v1-daily",
                    "iso-string",
                    windowStart: .string(retentionAt(-2 * 86_400).iso8601Trimmed),
                    last: nil
                ),
            ]
        )

        let summary = try await RateLimitCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(try await rowKeys(store, "RateLimits") == ["garbage", "neither"])
        #expect(summary.deleted == 2)
        #expect(summary.keptBy == ["unparsableDate": 1])
        let second = try await RateLimitCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
        #expect(second.message.hasPrefix("Nothing to delete"))
    }

    @Test("windows can be added and overridden by setting, and a malformed entry is refused")
    func windowSettings() throws {
        let windows = try RateLimitWindows(
            settings: Settings([
                "LINKTOME_RATE_LIMIT_WINDOWS": "partner-*=600, public-signup=300",
                "LINKTOME_RATE_LIMIT_DEFAULT_WINDOW_SECONDS": "7200",
            ])
        )
        #expect(windows.window(forPartition: "partner-sync") == 600)
        #expect(windows.window(forPartition: "public-signup") == 300)
        #expect(windows.window(forPartition: "public-anything") == 60)
        #expect(windows.window(forPartition: "v1-daily") == 86_400)
        #expect(windows.window(forPartition: "somewhere") == 7_200)
        #expect(throws: RetentionError.self) {
            try RateLimitWindows(settings: Settings(["LINKTOME_RATE_LIMIT_WINDOWS": "v1-daily=forever"]))
        }
    }
}

/// A `TwoFactorSessions` row (PartitionKey session id, RowKey user id).
private func session(_ id: String, expires: TableValue?) -> TableEntity {
    var row = TableEntity(partitionKey: "tfa-\(id)", rowKey: "user-\(id)")
    row["Method"] = "email"
    row["AttemptsRemaining"] = .int32(5)
    row["ExpiresAt"] = expires
    return row
}

@Suite("Two-factor session cleanup")
struct RetentionTwoFactorTests {
    @Test("sessions expired before now are deleted; one expiring exactly now or later is kept")
    func boundaries() async throws {
        let store = try makeRetentionStore()
        try await seed(
            store,
            "TwoFactorSessions",
            [
                session("a", expires: .dateTime(retentionAt(-1))),
                session("b", expires: .dateTime(retentionNow)),
                session("c", expires: .dateTime(retentionAt(1))),
                session("d", expires: nil),
                session("e", expires: "soon"),
                session("f", expires: .string(retentionAt(-600).iso8601Trimmed)),
            ]
        )

        let summary = try await TwoFactorSessionCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        #expect(
            try await store.queryAll("TwoFactorSessions").map(\.partitionKey) == ["tfa-b", "tfa-c", "tfa-d", "tfa-e"]
        )
        #expect(summary.deletedBy == ["expired": 2])
        #expect(summary.keptBy["unparsableDate"] == 1)
        #expect(summary.json["TotalSessions"] == .integer(Int64(summary.examined)))

        let second = try await TwoFactorSessionCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
    }
}

/// A `RefreshTokens` row (PartitionKey the token, RowKey a GUID).
private func token(_ name: String, valid: Bool?, expires: TableValue?) -> TableEntity {
    var row = TableEntity(partitionKey: "token-\(name)", rowKey: "00000000-0000-0000-0000-00000000000\(name.count)")
    row["UserId"] = "user-1"
    row["TokenType"] = "RefreshToken"
    row["IsValid"] = valid.map(TableValue.bool)
    row["ExpiresAt"] = expires
    return row
}

@Suite("Refresh token cleanup")
struct RetentionRefreshTokenTests {
    @Test("invalidated, expired and unparsable-expiry tokens are deleted and counted by reason")
    func reasons() async throws {
        let store = try makeRetentionStore()
        let iso = { (seconds: Int64) in TableValue.string(retentionAt(seconds).iso8601(fractionDigits: 7)) }
        try await seed(
            store,
            "RefreshTokens",
            [
                token("invalidated", valid: false, expires: iso(7 * 86_400)),
                token("expired-1s", valid: true, expires: iso(-1)),
                token("expires-now", valid: true, expires: iso(0)),
                token("expires-1s", valid: true, expires: iso(1)),
                token("garbage", valid: true, expires: "never"),
                token("no-expiry", valid: true, expires: nil),
                token("typed-expired", valid: nil, expires: .dateTime(retentionAt(-86_400))),
            ]
        )

        let summary = try await RefreshTokenCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let remaining = try await store.queryAll("RefreshTokens").map(\.partitionKey)
        #expect(remaining == ["token-expires-1s", "token-expires-now", "token-no-expiry"])
        #expect(summary.deletedBy == ["invalidated": 1, "expired": 2, "unparsableExpiry": 1])
        #expect(summary.json["InvalidCount"] == 1)
        #expect(summary.json["ExpiredCount"] == 3)
        #expect(summary.json["TotalTokens"] == .integer(Int64(summary.examined)))
        #expect(summary.json["RemainingTokens"] == .integer(Int64(summary.examined - 4)))

        let second = try await RefreshTokenCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
        #expect(second.deleted == 0)
    }
}
