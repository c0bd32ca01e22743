import LinkTomeCore
import TableStorage

/// A deterministic demo data set for the housekeeping commands, relative to an instant: security
/// events older and younger than 90 days (one with an unparsable date), rate-limit counters on both
/// sides of their windows (including an idle `v1-daily` quota that must survive), expired and live 2FA
/// sessions, refresh tokens (valid, expired, invalidated, unparsable and missing expiry), feature-usage
/// rows old enough to fold and recent ones, and free users for the inactive-account job (one to warn,
/// one already warned past the grace period, one active) next to a dormant paid user and a dormant
/// administrator that must stay untouched. The same instant always gives the same rows.
public enum RetentionDemoData {
    /// The rows by table name, built for `now`.
    public static func tables(now: Timestamp) -> [String: [TableEntity]] {
        let demo = RetentionDemoBuilder(now: now)
        return [
            SecurityEventCleanup.table: demo.securityEvents(),
            RateLimitCleanup.table: demo.rateLimits(),
            TwoFactorSessionCleanup.table: demo.twoFactorSessions(),
            RefreshTokenCleanup.table: demo.refreshTokens(),
            FeatureUsageCleanup.table: demo.featureUsage(),
            InactiveAccountCleanup.table: demo.users(),
            InactivityNotice.table: demo.notifications(),
        ]
    }

    /// Writes the data set, creating tables as needed and replacing rows with the same keys, one
    /// batch per partition and 100 rows.
    ///
    /// - Returns: the number of rows written.
    @discardableResult
    public static func seed(into store: any TableStore, now: Timestamp) async throws -> Int {
        var written = 0
        for (table, rows) in tables(now: now).sorted(by: { $0.key < $1.key }) {
            try await store.createTableIfNotExists(table)
            let partitions = Dictionary(grouping: rows, by: \.partitionKey)
            for key in partitions.keys.sorted() {
                let members = partitions[key] ?? []
                for start in stride(from: 0, to: members.count, by: BatchDeleter.maximumBatchSize) {
                    let slice = members[start..<min(start + BatchDeleter.maximumBatchSize, members.count)]
                    try await store.submitBatch(slice.map { .upsert($0, mode: .replace) }, in: table)
                    written += slice.count
                }
            }
        }
        return written
    }

    /// The user id of a demo user of this data set (`dormant`, `lapsed`, `active`, `paid`, `admin`).
    public static func userId(_ name: String) -> String { RetentionDemoBuilder.userId(name) }
}

/// Builds the rows of ``RetentionDemoData`` for one instant.
struct RetentionDemoBuilder {
    let now: Timestamp

    func ago(days: Int64 = 0, hours: Int64 = 0, seconds: Int64 = 0) -> Timestamp {
        RetentionTime.adding(-(days * RetentionTime.day + hours * 3_600 + seconds), to: now)
    }

    /// GUID-shaped text derived from a name (FNV-1a), so ids are stable across runs.
    static func guid(_ name: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var digits = ""
        for round in 0..<2 {
            for byte in Array("\(round)|\(name)".utf8) {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            let text = String(hash, radix: 16)
            digits += String(repeating: "0", count: 16 - text.count) + text
        }
        let chars = Array(digits)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-4" + String(chars[13..<16]) + "-8"
            + String(chars[17..<20]) + "-" + String(chars[20..<32])
    }

    static func userId(_ name: String) -> String { "user-" + guid("retention-user:" + name) }

    func securityEvents() -> [TableEntity] {
        let events: [(String, Timestamp)] = [
            ("LoginSuccess", ago(days: 400)), ("AuthFailed", ago(days: 200)), ("BotBlocked", ago(days: 91)),
            ("ApiRateLimited", ago(days: 120)), ("LoginSuccess", ago(days: 89)), ("AuthFailed", ago(days: 30)),
            ("BotBlocked", ago(hours: 5)), ("LoginSuccess", ago(seconds: 90)),
        ]
        var rows = events.enumerated().map { index, event in
            var row = TableEntity(partitionKey: event.0, rowKey: tickKey(event.1, index))
            row["EventTimestamp"] = .dateTime(event.1)
            row["UserId"] = .string(Self.userId("dormant"))
            row["Email"] = "dor***@example.com"
            row["IpAddress"] = .string("203.0.113.\(index + 10)")
            row["Endpoint"] = "public/login"
            return row
        }
        var garbled = TableEntity(partitionKey: "AuthFailed", rowKey: tickKey(ago(days: 300), 99))
        garbled["EventTimestamp"] = "not a date"
        rows.append(garbled)
        return rows
    }

    func rateLimits() -> [TableEntity] {
        let counters: [(String, String, Timestamp)] = [
            ("v1-daily", "apiuser-" + Self.userId("paid"), ago(hours: 2)),
            ("v1-daily", "apiuser-" + Self.userId("admin"), ago(hours: 25)),
            ("v1-minute", "apikey-demo-key-1", ago(seconds: 300)),
            ("v1-minute", "apikey-demo-key-2", ago(seconds: 20)),
            ("public-login", "198-51-100-7", ago(hours: 2)),
            ("public-login", "198-51-100-8", ago(seconds: 10)),
            ("public-signup", "suspicious-198-51-100-9", ago(seconds: 1_800)),
            ("admin-getLinks", Self.userId("active"), ago(hours: 1)),
        ]
        return counters.map { endpoint, caller, start in
            var row = TableEntity(partitionKey: endpoint, rowKey: caller)
            row["RequestCount"] = .int32(4)
            row["WindowStart"] = .dateTime(start)
            row["LastRequest"] = .dateTime(RetentionTime.adding(5, to: start))
            return row
        }
    }

    func twoFactorSessions() -> [TableEntity] {
        let sessions: [(String, Timestamp)] = [
            ("expired-a", ago(hours: 3)), ("expired-b", ago(seconds: 30)), ("live-a", ago(seconds: -300)),
            ("live-b", ago(seconds: -540)),
        ]
        return sessions.map { name, expires in
            var row = TableEntity(partitionKey: "tfa-" + Self.guid("tfa:" + name), rowKey: Self.userId("active"))
            row["Method"] = "email"
            row["AvailableMethods"] = "[\"email\",\"totp\"]"
            row["EmailCodeHash"] = .string(Self.guid("code:" + name))
            row["AttemptsRemaining"] = .int32(5)
            row["CreatedAt"] = .dateTime(RetentionTime.adding(-600, to: expires))
            row["ExpiresAt"] = .dateTime(expires)
            return row
        }
    }

    func refreshTokens() -> [TableEntity] {
        let tokens: [(String, TableValue?, Bool)] = [
            ("valid", .string(ago(days: -6).iso8601(fractionDigits: 7)), true),
            ("expired", .string(ago(days: 1).iso8601(fractionDigits: 7)), true),
            ("invalidated", .string(ago(days: -5).iso8601(fractionDigits: 7)), false),
            ("unparsable", "next week", true),
            ("no-expiry", nil, true),
        ]
        return tokens.map { name, expires, valid in
            let token = (Self.guid("token-a:" + name) + Self.guid("token-b:" + name)).replacingOccurrences(
                of: "-",
                with: "_"
            )
            var row = TableEntity(partitionKey: token, rowKey: Self.guid("token-row:" + name))
            row["UserId"] = .string(Self.userId("active"))
            row["ExpiresAt"] = expires
            row["CreatedAt"] = .string(ago(days: 1).iso8601(fractionDigits: 7))
            row["IsValid"] = .bool(valid)
            row["TokenType"] = "RefreshToken"
            return row
        }
    }

    func featureUsage() -> [TableEntity] {
        let features = ["customThemes", "apiAccess", "videoBackgrounds", "linkScheduling"]
        var rows: [TableEntity] = []
        for (userIndex, name) in ["active", "paid"].enumerated() {
            for index in 0..<24 {
                let days = Int64([120, 110, 100, 95, 60, 3][index % 6])
                let instant = ago(days: days, hours: Int64(index), seconds: Int64(userIndex))
                var row = TableEntity(partitionKey: Self.userId(name), rowKey: tickKey(instant, index))
                row["EventTimestamp"] = .dateTime(instant)
                row["Feature"] = .string(features[index % features.count])
                row["Allowed"] = .bool(index % 3 != 0)
                row["Tier"] = .string(name == "paid" ? "pro" : "free")
                row["Endpoint"] = "admin/updateAppearance"
                rows.append(row)
            }
        }
        return rows
    }

    func users() -> [TableEntity] {
        let people: [(String, String, Timestamp?, String)] = [
            ("dormant", "free", ago(days: 400), "[\"user\"]"),
            ("lapsed", "free", ago(days: 500), "[\"user\"]"),
            ("active", "free", ago(days: 2), "[\"user\"]"),
            ("paid", "premium", ago(days: 700), "[\"user\"]"),
            ("admin", "free", ago(days: 700), "[\"site_super_admin\"]"),
            ("newcomer", "free", nil, "[\"user\"]"),
        ]
        return people.map { name, tier, lastLogin, roles in
            var row = TableEntity(partitionKey: "retention-\(name)@example.com", rowKey: Self.userId(name))
            row["Username"] = .string("retention-\(name)")
            row["DisplayName"] = .string("Retention \(name.capitalized)")
            row["IsActive"] = true
            row["Roles"] = .string(roles)
            row["SubscriptionTier"] = .string(tier)
            row["SubscriptionStatus"] = "active"
            row["CreatedAt"] = .string(ago(days: 800).iso8601(fractionDigits: 7))
            if name == "newcomer" { row["CreatedAt"] = .string(ago(days: 10).iso8601(fractionDigits: 7)) }
            row["LastLoginAt"] = lastLogin.map(TableValue.dateTime)
            return row
        }
    }

    /// The warning the `lapsed` user got 40 days ago, so the next run deactivates them.
    func notifications() -> [TableEntity] {
        let facts = AccountFacts(users()[1])
        let lastActivity = ago(days: 500)
        var row = InactivityNotice.warning(
            for: facts,
            lastActivity: lastActivity,
            now: ago(days: 40),
            deactivateAfter: ago(days: 10),
            inactiveMonths: 12
        )
        row["Status"] = "Sent"
        return [row]
    }

    private func tickKey(_ instant: Timestamp, _ index: Int) -> String {
        RetentionTime.tickKey(instant) + "-" + String(Self.guid("row:\(index)").prefix(8))
    }
}
