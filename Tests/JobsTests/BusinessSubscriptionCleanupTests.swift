import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

@Suite("Subscription cleanup")
struct BusinessSubscriptionCleanupTests {
    private func id(_ name: String) -> String { BusinessDemoData.userId(name) }

    private func run(_ store: any TableStore, at now: Timestamp = businessNow) async throws -> BusinessJobResult {
        try await SubscriptionCleanup(store: store, logger: .silent).runInline(now: now, logger: .silent)
    }

    private func page(_ user: String, _ slug: String) -> String {
        rowRef("Pages", id(user), DemoBuilder.pageId(user, slug))
    }

    private func link(_ user: String, _ index: Int) -> String {
        rowRef("Links", id(user), DemoBuilder.linkId(user, index))
    }

    private func apiKey(_ user: String, _ name: String) -> String {
        rowRef("ApiKeys", id(user), "key-" + DemoIds.guid("key:\(user):\(name)"))
    }

    private func event(_ type: String, _ user: String) -> String {
        rowRef(
            "SecurityEvents",
            type,
            "\(BusinessFields.dotNetTicks(businessNow))-\(BusinessHash.hex8(id(user) + "|" + type))"
        )
    }

    private var expectedChanges: Set<String> {
        var rows: Set<String> = Set(
            ["erin", "frank", "grace", "ivan", "judy", "olivia", "kate-sub2", "kate-sub3", "leo-sub1", "grace-sub1"]
                .map(demoUserRef)
        )
        rows.formUnion([
            page("demo", "social"), page("erin", "shop"), page("erin", "music"), page("grace", "blog"),
            page("grace", "shop"), page("grace", "events"), page("mallory", "portfolio"), page("grace-sub1", "extra"),
        ])
        rows.formUnion([0, 1, 2, 4, 10, 11].map { link("erin", $0) } + [link("mallory", 1)])
        rows.formUnion(
            ["erin0", "erin1", "mallory0"].map { rowRef("ShortLinks", id(String($0.dropLast())), $0) }
                + (0..<6).map { rowRef("ShortLinks", id("grace"), "grace\($0)") }
        )
        rows.formUnion(
            [apiKey("erin", "ci"), apiKey("erin", "zapier"), apiKey("mallory", "old1"), apiKey("mallory", "old2")]
                + (1...4).map { apiKey("ivan", "k\($0)") }
        )
        rows.formUnion(
            ["erin", "grace", "mallory"].map {
                rowRef("Appearance", id($0), "appearance-" + DemoIds.guid("appearance:" + $0))
            }
        )
        rows.formUnion(["erin", "frank", "grace", "ivan"].map { event("SubscriptionAutoDowngraded", $0) })
        rows.formUnion(
            ["demo", "erin", "grace", "ivan", "mallory", "kate", "leo", "grace-sub1"].map {
                event("FeatureCleanup", $0)
            }
        )
        return rows
    }

    @Test("changes exactly the expected rows, and a second run changes nothing")
    func expectedRowsOnly() async throws {
        let store = try await seededBusinessStore()
        let before = try await StoreSnapshot.take(store)

        let first = try await run(store)
        let after = try await StoreSnapshot.take(store)
        #expect(first.status == .success)
        #expect(first["ProcessedCount"] == 4)
        #expect(first["ErrorCount"] == 0)
        #expect(first["UnknownTierCount"] == 1)
        let changed = before.changedRows(to: after)
        #expect(changed.subtracting(expectedChanges).isEmpty, "unexpected: \(changed.subtracting(expectedChanges))")
        #expect(expectedChanges.subtracting(changed).isEmpty, "missing: \(expectedChanges.subtracting(changed))")

        let second = try await run(store)
        #expect(try await StoreSnapshot.take(store) == after)
        #expect(second["ProcessedCount"] == 0)
        #expect(second["FeatureChangeCount"] == 0)
    }

    @Test("a downgraded pro user with 3 pages ends the run with 1 active page and 2 flagged, Stripe id kept")
    func downgradeEnforcesTheNewTierInTheSameRun() async throws {
        let store = try await seededBusinessStore()
        _ = try await run(store)
        let after = try await StoreSnapshot.take(store)

        let erin = try #require(after.row("Users", "erin@example.com", id("erin")))
        #expect(erin["SubscriptionTier"] == "free")
        #expect(erin["SubscriptionStatus"] == "expired")
        #expect(erin["StripeSubscriptionId"] == "sub_demo_erin")
        #expect(erin["PreviousSubscriptionTier"] == "pro")
        #expect(erin["CancelledAt"] == .string("2026-03-10T02:00:00Z"))

        let pages = after.rows("Pages").filter { $0.key.partitionKey == id("erin") }
        #expect(pages.count == 3)
        let flagged = pages.filter { $0.value["ExceedsTierLimit"] == .bool(true) }
        #expect(flagged.count == 2)
        let active = try #require(pages.first { $0.value["ExceedsTierLimit"] == nil })
        #expect(active.value["IsDefault"] == .bool(true))

        let links = after.rows("Links").filter { $0.key.partitionKey == id("erin") }
        #expect(links.values.filter { $0["Active"] == .bool(true) }.count == 10)
        let keys = after.rows("ApiKeys").filter { $0.key.partitionKey == id("erin") }
        #expect(
            keys.values.allSatisfy { $0["Active"] == .bool(false) && $0["DisabledReason"] == "Subscription downgraded" }
        )
    }

    @Test("a suspended user keeps the tier inside the grace period and is downgraded after it")
    func suspendedGracePeriod() async throws {
        let store = try await seededBusinessStore()
        let heidi = demoUserKey("heidi")

        _ = try await run(store)
        var row = try #require(
            try await store.get(from: "Users", partitionKey: heidi.partitionKey, rowKey: heidi.rowKey)
        )
        #expect(row["SubscriptionTier"] == "pro")
        #expect(row["SubscriptionStatus"] == "suspended")

        // heidi was suspended 2 days before businessNow; the default grace is 7 days.
        let later = Timestamp(seconds: businessNow.seconds + 5 * 86_400 + 60)
        let result = try await run(store, at: later)
        row = try #require(try await store.get(from: "Users", partitionKey: heidi.partitionKey, rowKey: heidi.rowKey))
        #expect(row["SubscriptionTier"] == "free")
        #expect(row["SubscriptionStatus"] == "expired")
        #expect(row["StripeSubscriptionId"] == "sub_demo_heidi")
        #expect(row["SuspendedAt"] == nil)
        #expect(result["ProcessedCount"] >= 1)
    }

    @Test("a suspended user seen for the first time starts the grace period instead of losing the tier")
    func graceStartsWhenFirstSeen() async throws {
        let store = try await seededBusinessStore()
        let judy = demoUserKey("judy")
        _ = try await run(store)
        let row = try #require(try await store.get(from: "Users", partitionKey: judy.partitionKey, rowKey: judy.rowKey))
        #expect(row["SubscriptionTier"] == "Pro")
        #expect(row["SuspendedAt"] == .string("2026-03-10T02:00:00Z"))
    }

    @Test("sub-accounts follow the parent's tier and quantity in the same run")
    func subAccounts() async throws {
        let store = try await seededBusinessStore()
        _ = try await run(store)
        let after = try await StoreSnapshot.take(store)
        func user(_ name: String) -> [String: TableValue] {
            after.row("Users", id(name), id(name)) ?? [:]
        }
        #expect(user("kate-sub1")["Disabled"] == nil)
        #expect(user("kate-sub2")["SubscriptionTier"] == "enterprise")
        #expect(user("kate-sub3")["DisabledReason"] == .string(FeatureCleanupPlan.quantityReducedReason))
        #expect(user("leo-sub1")["DisabledReason"] == .string(FeatureCleanupPlan.noSubAccountsReason))
        #expect(user("grace-sub1")["SubscriptionTier"] == "free")
        #expect(user("grace-sub1")["Disabled"] == .bool(true))
    }

    @Test("an upgrade re-enables what the tier allows again")
    func reEnableAfterUpgrade() async throws {
        let store = try await seededBusinessStore()
        _ = try await run(store)
        let erin = demoUserKey("erin")
        var row = try #require(try await store.get(from: "Users", partitionKey: erin.partitionKey, rowKey: erin.rowKey))
        row["SubscriptionTier"] = "premium"
        row["SubscriptionStatus"] = "active"
        try await store.replace(row, in: "Users")

        _ = try await run(store)
        let after = try await StoreSnapshot.take(store)
        let pages = after.rows("Pages").filter { $0.key.partitionKey == id("erin") }
        #expect(pages.values.allSatisfy { $0["ExceedsTierLimit"] != .bool(true) })
        let links = after.rows("Links").filter { $0.key.partitionKey == id("erin") }
        #expect(links.values.allSatisfy { $0["Active"] == .bool(true) && $0["ExceedsTierLimit"] == nil })
        #expect(links.values.allSatisfy { $0["LayoutExceedsTier"] != .bool(true) })
        let keys = after.rows("ApiKeys").filter { $0.key.partitionKey == id("erin") }
        #expect(keys.values.allSatisfy { $0["Active"] == .bool(true) && $0["DisabledReason"] == nil })
    }
}
