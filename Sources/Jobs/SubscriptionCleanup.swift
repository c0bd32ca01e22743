import LinkTomeCore
import TableStorage

/// `Start-SubscriptionCleanup` (02:00): decides every user's access, downgrades users without it,
/// and enforces the limits of the tier each user has **after** this run.
///
/// Differences from the original, on purpose: the post-run tier is enforced in the same run (the
/// original enforced the old tier for a day); `StripeSubscriptionId` is kept on downgrade so a
/// later successful payment can restore the user; a suspended user keeps the tier for a grace period
/// (`SuspendedAt` is recorded when first seen suspended); a `FeatureCleanup` security event is
/// written only when something changed; API keys without an `Active` column count as active.
///
/// Work items are pages of user keys; each user is decided, written and cleaned up independently.
public struct SubscriptionCleanup: BusinessJob {
    public static let command = "Start-SubscriptionCleanup"

    /// Tuning, from app settings.
    public struct Options: Sendable, Equatable {
        /// Days a suspended user keeps the paid tier (`SUBSCRIPTION_SUSPENDED_GRACE_DAYS`, default 7).
        public var graceDays: Int
        /// Users per work item (`SUBSCRIPTION_CLEANUP_USERS_PER_ITEM`, default 50).
        public var usersPerItem: Int

        public init(graceDays: Int = 7, usersPerItem: Int = 50) {
            self.graceDays = graceDays
            self.usersPerItem = usersPerItem
        }

        public init(settings: Settings) throws {
            graceDays = try settings.integer("SUBSCRIPTION_SUSPENDED_GRACE_DAYS", default: 7)
            usersPerItem = try settings.integer("SUBSCRIPTION_CLEANUP_USERS_PER_ITEM", default: 50)
            guard graceDays >= 0, usersPerItem > 0 else {
                throw BusinessJobsError(
                    .invalidSetting,
                    "SUBSCRIPTION_SUSPENDED_GRACE_DAYS must be 0 or more and "
                        + "SUBSCRIPTION_CLEANUP_USERS_PER_ITEM above 0"
                )
            }
        }
    }

    public let store: any TableStore
    public let options: Options
    public let logger: Logger

    public init(store: any TableStore, options: Options = Options(), logger: Logger) {
        self.store = store
        self.options = options
        self.logger = logger
    }

    public func workItems(now: Timestamp) async throws -> [JSONValue] {
        var keys: [TableEntityKey] = []
        try await BusinessTables.forEach(store, "Users", select: ["RowKey"]) { keys.append($0.key) }
        return WorkItemKeys.chunked(keys, size: options.usersPerItem, field: "Users")
    }

    public func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters {
        let keys = try WorkItemKeys.decode(item["Users"], field: "Users")
        var counters = BusinessCounters()
        var parents = ParentCache()
        for key in keys {
            do {
                try await processUser(key, now: now, parents: &parents, counters: &counters)
            } catch {
                counters.add("ErrorCount")
                logger.error(
                    "subscription cleanup failed for a user",
                    metadata: ["user": key.rowKey, "error": "\(error)"]
                )
            }
        }
        return counters
    }

    public func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult {
        var all = BusinessCounters(["ProcessedCount": 0, "ErrorCount": 0, "UsersScanned": 0])
        all.merge(counters)
        let message =
            "Subscription cleanup completed: \(all["ProcessedCount"]) downgraded, \(all["InGraceCount"]) in "
            + "grace, \(all["FeatureCleanupUsers"]) users with tier changes, \(all["ErrorCount"]) errors"
        return BusinessJobResult(message: message, counters: all)
    }

    private var graceSeconds: Int64 { Int64(options.graceDays) * 86_400 }

    private func processUser(
        _ key: TableEntityKey,
        now: Timestamp,
        parents: inout ParentCache,
        counters: inout BusinessCounters
    ) async throws {
        guard let user = try await BusinessTables.get(store, "Users", key.partitionKey, key.rowKey) else { return }
        counters.add("UsersScanned")
        let isSubAccount = BusinessFields.bool(user["IsSubAccount"]) == true
        let tier: SubscriptionTier?
        if isSubAccount {
            tier = try await parents.tierAfter(subAccount: user, store: store, now: now, graceSeconds: graceSeconds)
        } else {
            guard let decided = try await decideAndWrite(user, now: now, counters: &counters) else { return }
            tier = decided
        }
        guard let tier else {
            counters.add("UnknownTierCount")
            logger.warning("unknown subscription tier; features not enforced", metadata: ["user": user.rowKey])
            return
        }

        let cleanup = FeatureCleanup(store: store, logger: logger)
        let report = await cleanup.enforce(userId: user.rowKey, tier: tier, parent: isSubAccount ? nil : user)
        counters.add("FeatureChangeCount", report.changedRows)
        counters.add("ErrorCount", report.failedRows)
        guard report.changedSomething else { return }
        counters.add("FeatureCleanupUsers")
        let data: JSONValue = [
            "tier": .string(tier.rawValue), "cleanupActions": .array(report.actions.map { .string($0) }),
        ]
        let written = try await BusinessSecurityEvents.write(
            store,
            type: "FeatureCleanup",
            user: user,
            userId: user.rowKey,
            reason: "Enforced the \(tier.rawValue) tier limits",
            additionalData: data,
            now: now
        )
        if written { counters.add("SecurityEventsWritten") }
    }

    /// Applies the decision to the user row; returns the tier to enforce, or `nil` (outer) when
    /// the row changed meanwhile and the user is left to the next run.
    private func decideAndWrite(
        _ user: TableEntity,
        now: Timestamp,
        counters: inout BusinessCounters
    ) async throws
        -> SubscriptionTier??
    {
        let decision = SubscriptionDecision.decide(user: user, now: now, graceSeconds: graceSeconds)
        let change = decision.userChange(user, now: now)
        if case .inGrace = decision.action { counters.add("InGraceCount") }
        guard !change.isEmpty else { return .some(decision.tierAfter) }

        let outcome = await RowChangeWriter.apply([change], store: store, table: "Users")
        guard outcome.applied == 1 else {
            counters.add("ErrorCount")
            logger.warning(
                "user row changed during the cleanup; left for the next run",
                metadata: ["user": user.rowKey]
            )
            return nil
        }
        switch decision.action {
        case .startGrace:
            counters.add("GraceStartedCount")
            counters.add("InGraceCount")
        case .clearGrace:
            counters.add("GraceClearedCount")
        case .downgrade(let reason):
            counters.add("ProcessedCount")
            let data: JSONValue = [
                "previousTier": .string(decision.storedTier?.rawValue ?? ""),
                "previousStatus": .string(decision.status),
            ]
            let written = try await BusinessSecurityEvents.write(
                store,
                type: "SubscriptionAutoDowngraded",
                user: user,
                userId: user.rowKey,
                reason: reason,
                additionalData: data,
                now: now
            )
            if written { counters.add("SecurityEventsWritten") }
        case .keep, .inGrace:
            break
        }
        return .some(decision.tierAfter)
    }
}

/// The post-run tier of parents, computed once per work item. Sub-accounts inherit it, following
/// `SubAccounts` links up to a few levels; an orphaned sub-account keeps its own stored tier.
struct ParentCache {
    private var tiers: [String: SubscriptionTier?] = [:]

    mutating func tierAfter(
        subAccount: TableEntity,
        store: any TableStore,
        now: Timestamp,
        graceSeconds: Int64
    )
        async throws -> SubscriptionTier?
    {
        var current = subAccount
        var visited: Set<String> = [subAccount.rowKey]
        for _ in 0..<5 {
            guard let parentId = try await SubscriptionDirectory.parentId(store, subAccountId: current.rowKey) else {
                break
            }
            if let known = tiers[parentId] { return known }
            guard visited.insert(parentId).inserted,
                let parent = try await SubscriptionDirectory.user(store, id: parentId)
            else { break }
            if BusinessFields.bool(parent["IsSubAccount"]) == true {
                current = parent
                continue
            }
            let tier = SubscriptionDecision.decide(user: parent, now: now, graceSeconds: graceSeconds).tierAfter
            tiers[parentId] = tier
            return tier
        }
        return SubscriptionDecision.decide(user: current, now: now, graceSeconds: graceSeconds).storedTier
    }
}
