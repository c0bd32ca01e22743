import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

/// A `Users` row: PartitionKey email (or the id, for a sub-account), RowKey user id.
private func user(
    _ id: String,
    lastLogin: TableValue? = nil,
    created: TableValue? = nil,
    tier: String? = "free",
    roles: String = "[\"user\"]",
    active: Bool = true,
    subAccount: Bool = false
) -> TableEntity {
    var row = TableEntity(partitionKey: subAccount ? id : "\(id)@example.com", rowKey: id)
    row["Username"] = .string(id)
    row["SubscriptionTier"] = tier.map(TableValue.string)
    row["SubscriptionStatus"] = "active"
    row["Roles"] = .string(roles)
    row["IsActive"] = .bool(active)
    row["LastLoginAt"] = lastLogin
    row["CreatedAt"] = created
    if subAccount {
        row["IsSubAccount"] = true
        row["AuthDisabled"] = true
        row["Role"] = "sub_account_user"
    }
    return row
}

@Suite("Inactive account cleanup")
struct RetentionInactiveAccountTests {
    /// Twelve calendar months before the test's now.
    let cutoff = Timestamp.utc(year: 2025, month: 3, day: 15, hour: 12)

    private func populate(_ store: any TableStore) async throws {
        let before = TableValue.dateTime(RetentionTime.adding(-1, to: cutoff))
        try await seed(
            store,
            "Users",
            [
                user("free-old", lastLogin: before),
                user("free-at-cutoff", lastLogin: .dateTime(cutoff)),
                user("free-recent", lastLogin: .dateTime(RetentionTime.adding(1, to: cutoff))),
                user("never-logged-in", created: .string("2025-03-14T12:00:00Z")),
                user("no-dates"),
                user("garbage-login", lastLogin: "last tuesday"),
                user("paid-old", lastLogin: before, tier: "pro"),
                user("admin-old", lastLogin: before, roles: "[\"site_super_admin\"]"),
                user("inactive-old", lastLogin: before, active: false),
                user("sub-of-paid", created: before, subAccount: true),
                user("sub-of-free", created: before, subAccount: true),
                user("sub-orphan", created: before, subAccount: true),
            ]
        )
        try await seed(
            store,
            "SubAccounts",
            [
                TableEntity(partitionKey: "paid-old", rowKey: "sub-of-paid", properties: ["Type": "sub"]),
                TableEntity(partitionKey: "free-old", rowKey: "sub-of-free", properties: ["Type": "sub"]),
            ]
        )
    }

    private func isActive(_ store: any TableStore, _ id: String) async throws -> Bool? {
        let row = try await store.queryAll("Users", filter: .equal("RowKey", .string(id))).first
        return row?["IsActive"]?.boolValue
    }

    @Test("warns inactive free users once, never paid users, admins or sub-accounts of paid parents")
    func warns() async throws {
        let store = try makeRetentionStore()
        try await populate(store)

        let summary = try await InactiveAccountCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        let notices = try await store.queryAll("Notifications")
        #expect(notices.map(\.partitionKey).sorted() == ["free-old", "never-logged-in", "sub-of-free"])
        #expect(summary.changedBy == ["warned": 3])
        #expect(
            summary.keptBy == [
                "active": 2, "missingDate": 1, "unparsableDate": 1, "paid": 1, "admin": 1, "alreadyInactive": 1,
                "subAccountOfPaidParent": 1, "subAccountParentUnknown": 1,
            ]
        )
        let notice = try #require(notices.first { $0.partitionKey == "free-old" })
        #expect(notice["Type"] == "InactiveAccountWarning")
        #expect(notice["Status"] == "Pending")
        #expect(notice["Email"] == "free-old@example.com")
        #expect(notice["DeactivateAfter"] == .dateTime(RetentionTime.adding(30 * 86_400, to: retentionNow)))
        #expect(summary.json["WarnedCount"] == 3)

        let second = try await InactiveAccountCleanup.run(store: store, now: retentionNow.date, logger: .silent)
        #expect(second.nothingToDo)
        #expect(second.keptBy["inGracePeriod"] == 3)
        #expect(try await store.queryAll("Notifications").count == 3)
        #expect(second.message.hasPrefix("Nothing to do"))
    }

    @Test("deactivates after the grace period unless the user logged in meanwhile")
    func deactivatesAfterGrace() async throws {
        let store = try makeRetentionStore()
        try await populate(store)
        _ = try await InactiveAccountCleanup.run(store: store, now: retentionNow.date, logger: .silent)

        var returning = try #require(
            try await store.get(from: "Users", partitionKey: "sub-of-free", rowKey: "sub-of-free")
        )
        returning["LastLoginAt"] = .dateTime(RetentionTime.adding(86_400, to: retentionNow))
        try await store.replace(returning, in: "Users")

        let graceEnd = RetentionTime.adding(30 * 86_400, to: retentionNow)
        let early = try await InactiveAccountCleanup.run(
            store: store,
            now: RetentionTime.adding(-1, to: graceEnd).date,
            logger: .silent
        )
        #expect(early.changedBy["deactivated"] == nil)

        let late = try await InactiveAccountCleanup.run(store: store, now: graceEnd.date, logger: .silent)

        #expect(late.changedBy["deactivated"] == 2)
        #expect(try await isActive(store, "free-old") == false)
        #expect(try await isActive(store, "never-logged-in") == false)
        #expect(try await isActive(store, "sub-of-free") == true)
        #expect(try await isActive(store, "paid-old") == true)
        #expect(try await isActive(store, "admin-old") == true)
        let row = try #require(
            try await store.get(from: "Users", partitionKey: "free-old@example.com", rowKey: "free-old")
        )
        #expect(row["DeactivatedReason"]?.stringValue?.hasPrefix("No login for 12 months") == true)
        #expect(row["DeactivatedAt"] == .dateTime(graceEnd))
        #expect(row["Username"] == "free-old")
    }

    @Test("a dry run writes nothing and reports what it would do")
    func dryRun() async throws {
        let store = try makeRetentionStore()
        try await populate(store)
        let configuration = try InactiveAccountCleanup.Configuration(
            settings: Settings(["LINKTOME_INACTIVE_ACCOUNT_DRY_RUN": "true"])
        )

        let summary = try await InactiveAccountCleanup.run(
            store: store,
            now: retentionNow.date,
            configuration: configuration,
            logger: .silent
        )

        #expect(summary.keptBy["wouldWarn"] == 3)
        #expect(summary.nothingToDo)
        #expect(summary.message.hasPrefix("Dry run"))
        #expect(try await store.listTables().contains("Notifications") == false)
    }

    @Test("the inactivity period is in calendar months and settings are range-checked")
    func settings() throws {
        let end = Timestamp.utc(year: 2026, month: 3, day: 31, hour: 5)
        #expect(RetentionTime.subtractingMonths(1, from: end) == Timestamp.utc(year: 2026, month: 2, day: 28, hour: 5))
        #expect(RetentionTime.subtractingMonths(12, from: end) == Timestamp.utc(year: 2025, month: 3, day: 31, hour: 5))
        #expect(RetentionTime.subtractingMonths(14, from: end) == Timestamp.utc(year: 2025, month: 1, day: 31, hour: 5))
        let configured = try InactiveAccountCleanup.Configuration(
            settings: Settings(["LINKTOME_INACTIVE_ACCOUNT_MONTHS": "6", "LINKTOME_INACTIVE_ACCOUNT_GRACE_DAYS": "14"])
        )
        #expect(configured == InactiveAccountCleanup.Configuration(inactiveMonths: 6, graceDays: 14))
        #expect(throws: RetentionError.self) {
            try InactiveAccountCleanup.Configuration(settings: Settings(["LINKTOME_INACTIVE_ACCOUNT_MONTHS": "0"]))
        }
    }
}
