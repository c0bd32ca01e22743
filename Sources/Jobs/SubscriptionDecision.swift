import LinkTomeCore
import TableStorage

/// What the subscription cleanup decides for one user row at one instant (`Get-UserSubscription`
/// plus the downgrade rules), without touching the store.
public struct SubscriptionDecision: Sendable, Equatable {
    /// What happens to the user row.
    public enum Action: Sendable, Equatable {
        /// Access stays; nothing to write.
        case keep
        /// A suspended user seen for the first time: the grace period starts now (`SuspendedAt`).
        case startGrace
        /// A suspended user inside the grace period, which ends at the given instant.
        case inGrace(until: Timestamp)
        /// A user who is not suspended (any more) still carries `SuspendedAt`: remove it so a later
        /// suspension gets its full grace period.
        case clearGrace
        /// No access: downgrade to free, for the given reason.
        case downgrade(reason: String)
    }

    /// The stored tier, or `nil` when the stored text is not a known tier.
    public var storedTier: SubscriptionTier?
    /// The stored status, lower-cased (`active` when absent).
    public var status: String
    public var action: Action

    /// The tier to enforce after this run: free after a downgrade, else the stored tier.
    public var tierAfter: SubscriptionTier? {
        if case .downgrade = action { return .free }
        return storedTier
    }

    /// Whether the user keeps paid access after this run.
    public var hasAccess: Bool {
        if case .downgrade = action { return false }
        return true
    }

    /// Decides for `user` at `now` with a grace period of `graceSeconds` for suspended users.
    public static func decide(user: TableEntity, now: Timestamp, graceSeconds: Int64) -> SubscriptionDecision {
        let tierText = BusinessFields.text(user["SubscriptionTier"]) ?? "free"
        let tier = SubscriptionTier(stored: tierText)
        let status = (BusinessFields.text(user["SubscriptionStatus"]) ?? "active").lowercased()
        let suspendedAt = BusinessFields.instant(user["SuspendedAt"])
        let hasGraceMarker = user["SuspendedAt"] != nil
        var decision = SubscriptionDecision(storedTier: tier, status: status, action: .keep)

        if status != "suspended", hasGraceMarker {
            decision.action = .clearGrace
        }
        guard let tier, tier != .free else { return decision }

        switch status {
        case "cancelled", "canceled":
            let end = BusinessFields.instant(user["NextBillingDate"])
            if end.map({ $0 <= now }) ?? true {
                decision.action = .downgrade(reason: "Subscription cancelled and the paid period has ended")
            }
        case "expired":
            decision.action = .downgrade(reason: "Subscription expired")
        case "suspended":
            guard let suspendedAt else {
                decision.action = .startGrace
                return decision
            }
            let end = Timestamp(seconds: suspendedAt.seconds + graceSeconds, nanoseconds: suspendedAt.nanoseconds)
            if now < end {
                decision.action = .inGrace(until: end)
            } else {
                let days = graceSeconds / 86_400
                decision.action = .downgrade(reason: "Subscription suspended for more than \(days) days")
            }
        default:
            break
        }
        return decision
    }

    /// The changes this decision makes to the user row (empty for ``Action/keep`` and ``Action/inGrace(until:)``).
    func userChange(_ user: TableEntity, now: Timestamp) -> RowChange {
        var change = RowChange(user)
        switch action {
        case .keep, .inGrace:
            break
        case .startGrace:
            change.assign("SuspendedAt", .string(BusinessFields.isoSeconds(now)))
        case .clearGrace:
            change.clear("SuspendedAt")
        case .downgrade(let reason):
            change.assign("SubscriptionTier", .string(SubscriptionTier.free.rawValue))
            change.assign("SubscriptionStatus", .string("expired"))
            if BusinessFields.text(user["CancelledAt"]) == nil {
                change.assign("CancelledAt", .string(BusinessFields.isoSeconds(now)))
            }
            change.assign("PreviousSubscriptionTier", .string(storedTier?.rawValue ?? ""))
            change.assign("DowngradedAt", .string(BusinessFields.isoSeconds(now)))
            change.assign("DowngradeReason", .string(reason))
            change.clear("SuspendedAt")
        }
        return change
    }
}

/// Finds users and parents: `Users` rows are keyed by email (PartitionKey) and user id (RowKey);
/// sub-account rows use the id for both; `SubAccounts` rows are keyed by parent id and sub id.
enum SubscriptionDirectory {
    /// The `Users` row with RowKey `id`.
    static func user(_ store: any TableStore, id: String) async throws -> TableEntity? {
        if let direct = try await BusinessTables.get(store, "Users", id, id) { return direct }
        return try await BusinessTables.all(store, "Users", filter: .equal("RowKey", .string(id)), top: 1).first
    }

    /// The parent id of a sub-account, from its `SubAccounts` row.
    static func parentId(_ store: any TableStore, subAccountId: String) async throws -> String? {
        try await BusinessTables.all(store, "SubAccounts", filter: .equal("RowKey", .string(subAccountId)), top: 1)
            .first?.partitionKey
    }
}
