import LinkTomeCore
import TableStorage

extension DemoBuilder {
    /// Every subscription state the cleanup and billing distinguish, plus sub-accounts.
    static let users: [DemoUser] = [
        DemoUser(name: "demo", tier: "free", status: "active"),
        DemoUser(name: "test", tier: "free", status: "active"),
        paid("alice", "pro", "active", ["NextBillingDate": .daysFromNow(20), "LastStripeRenewal": .daysFromNow(-10)]),
        paid("bob", "pro", "active", ["NextBillingDate": .daysFromNow(-2), "LastStripeRenewal": .daysFromNow(-32)]),
        paid(
            "carol",
            "premium",
            "active",
            ["NextBillingDate": .daysFromNow(-1), "LastStripeRenewal": .daysFromNow(-0.5)]
        ),
        paid("dave", "premium", "cancelled", ["NextBillingDate": .daysFromNow(10)]),
        paid("erin", "pro", "cancelled", ["NextBillingDate": .daysFromNow(-3)]),
        paid("frank", "pro", "cancelled", [:]),
        paid("grace", "premium", "expired", ["SubscriptionQuantity": .number(2)]),
        paid("heidi", "pro", "suspended", ["SuspendedAt": .daysFromNow(-2)]),
        paid("ivan", "premium", "suspended", ["SuspendedAt": .daysFromNow(-10)]),
        paid("judy", "Pro", "suspended", [:]),
        paid(
            "kate",
            "enterprise",
            "active",
            ["SubscriptionQuantity": .number(3), "NextBillingDate": .daysFromNow(15)]
        ),
        paid("leo", "pro", "active", ["SubscriptionQuantity": .number(1), "NextBillingDate": .daysFromNow(5)]),
        paid("mallory", "premium", "active", ["NextBillingDate": .daysFromNow(25)]),
        paid("niaj", "pro", "active", ["NextBillingDate": .daysFromNow(12), "TimeZone": .text("America/New_York")]),
        DemoUser(name: "olivia", tier: "free", status: "active", extra: ["SuspendedAt": .daysFromNow(-40)]),
        DemoUser(name: "peggy", tier: "gold", status: "active"),
        sub("kate-sub1", of: "kate", ["SubscriptionTier": .text("enterprise"), "CreatedAt": .daysFromNow(-100)]),
        sub("kate-sub2", of: "kate", ["SubscriptionTier": .text("pro"), "CreatedAt": .daysFromNow(-50)]),
        sub("kate-sub3", of: "kate", ["CreatedAt": .daysFromNow(-10)]),
        sub("leo-sub1", of: "leo", ["CreatedAt": .daysFromNow(-30)]),
        sub("grace-sub1", of: "grace", ["SubscriptionTier": .text("premium"), "CreatedAt": .daysFromNow(-60)]),
    ]

    private static func paid(_ name: String, _ tier: String, _ status: String, _ extra: [String: DemoValue]) -> DemoUser
    {
        var columns = extra
        columns["StripeSubscriptionId"] = .text("sub_demo_\(name)")
        columns["StripeCustomerId"] = .text("cus_demo_\(name)")
        return DemoUser(name: name, tier: tier, status: status, extra: columns)
    }

    private static func sub(_ name: String, of parent: String, _ extra: [String: DemoValue]) -> DemoUser {
        DemoUser(name: name, tier: "", status: "", extra: extra, subAccountOf: parent)
    }

    mutating func addUsers() {
        for user in Self.users {
            let id = DemoIds.user(user.name)
            var columns: [String: DemoValue] = [
                "Username": .text(user.name), "DisplayName": .text(user.name.capitalized),
                "Bio": .text("Links of \(user.name.capitalized)"),
                "Avatar": .text("https://ui-avatars.com/api/?name=\(user.name)"),
                "PasswordHash": .text(DemoIds.guid("hash:" + user.name)),
                "PasswordSalt": .text(DemoIds.guid("salt:" + user.name)), "IsActive": .flag(true),
                "Roles": .text("[\"user\"]"), "CreatedAt": .daysFromNow(-400),
            ]
            if let parent = user.subAccountOf {
                columns["IsSubAccount"] = .flag(true)
                columns["AuthDisabled"] = .flag(true)
                columns["Role"] = .text("sub_account_user")
                columns.merge(user.extra) { _, new in new }
                add("Users", id, id, columns)
                let created = user.extra["CreatedAt"] ?? .daysFromNow(-1)
                add(
                    "SubAccounts",
                    DemoIds.user(parent),
                    id,
                    ["Type": .text("managed"), "Status": .text("active"), "CreatedAt": created]
                )
                continue
            }
            columns["Email"] = .text("\(user.name)@example.com")
            columns["SubscriptionTier"] = .text(user.tier)
            columns["SubscriptionStatus"] = .text(user.status)
            columns.merge(user.extra) { _, new in new }
            add("Users", "\(user.name)@example.com", id, columns)
        }
    }
}
