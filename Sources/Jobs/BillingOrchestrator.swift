import LinkTomeCore
import LinkTomeHTTP
import TableStorage

/// `Start-BillingOrchestrator` (00:00): the nightly Stripe reconciliation, one work item (activity)
/// per user to sync. Skipped with status `Skipped` when `STRIPE_API_KEY` is not set.
///
/// Candidates (original rules): a paid tier and a `StripeSubscriptionId`, and either `active` with a
/// past `NextBillingDate` and no `LastStripeRenewal` since, or `suspended` (checked every night).
/// Stripe's answer is applied to the user row only when it changes something:
/// - `active` / `trialing`: status `active` (or `cancelled` when it ends at the period end),
///   `NextBillingDate` = period end, `LastStripeRenewal` = now, the price's tier and quantity,
///   and a grace marker (`SuspendedAt`) removed: a recovered payment restores the user;
/// - `past_due` / `unpaid` / `paused`: status `suspended` (the subscription cleanup's grace applies);
/// - `canceled` / `incomplete_expired`: tier `free`, status `expired` (the id is kept for support);
/// - `incomplete`: left alone.
public struct BillingOrchestrator: BusinessJob {
    public static let command = "Start-BillingOrchestrator"

    public let store: any TableStore
    /// `nil` when no Stripe key is configured: the run is skipped.
    public let stripe: StripeClient?
    public let logger: Logger

    public init(store: any TableStore, stripe: StripeClient?, logger: Logger) {
        self.store = store
        self.stripe = stripe
        self.logger = logger
    }

    /// The client from `STRIPE_API_KEY` and `STRIPE_API_BASE`, or `nil` without a key.
    public static func client(settings: Settings, transport: any HTTPTransport) throws -> StripeClient? {
        guard let key = settings["STRIPE_API_KEY"] else { return nil }
        return try StripeClient(
            apiKey: key,
            baseURL: settings["STRIPE_API_BASE"] ?? "https://api.stripe.com",
            transport: transport
        )
    }

    /// Whether `user` needs a Stripe sync at `now`.
    static func needsSync(_ user: TableEntity, now: Timestamp) -> Bool {
        guard let tier = BusinessFields.text(user["SubscriptionTier"]), tier.lowercased() != "free",
            BusinessFields.text(user["StripeSubscriptionId"]) != nil
        else { return false }
        switch BusinessFields.text(user["SubscriptionStatus"])?.lowercased() {
        case "active":
            guard let next = BusinessFields.instant(user["NextBillingDate"]), next < now else { return false }
            return BusinessFields.instant(user["LastStripeRenewal"]).map { $0 < next } ?? true
        case "suspended":
            return true
        default:
            return false
        }
    }

    public func workItems(now: Timestamp) async throws -> [JSONValue] {
        guard stripe != nil else { return [] }
        var keys: [TableEntityKey] = []
        let select = [
            "SubscriptionTier", "SubscriptionStatus", "StripeSubscriptionId", "NextBillingDate", "LastStripeRenewal",
        ]
        try await BusinessTables.forEach(store, "Users", select: select) { user in
            if Self.needsSync(user, now: now) { keys.append(user.key) }
        }
        return WorkItemKeys.chunked(keys, size: 1, field: "Users")
    }

    public func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters {
        guard let stripe else { return BusinessCounters() }
        var counters = BusinessCounters()
        for key in try WorkItemKeys.decode(item["Users"], field: "Users") {
            guard let user = try await BusinessTables.get(store, "Users", key.partitionKey, key.rowKey),
                Self.needsSync(user, now: now), let id = BusinessFields.text(user["StripeSubscriptionId"])
            else { continue }
            do {
                let subscription = try await stripe.subscription(id)
                let change = Self.change(user, from: subscription, now: now)
                counters.add(Self.outcome(of: subscription))
                guard !change.isEmpty else { continue }
                let written = await RowChangeWriter.apply([change], store: store, table: "Users")
                if written.applied == 0 { counters.add("ErrorCount") }
            } catch {
                counters.add("ErrorCount")
                logger.error("Stripe sync failed", metadata: ["user": key.rowKey, "error": "\(error)"])
            }
        }
        return counters
    }

    public func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult {
        guard stripe != nil else {
            return BusinessJobResult(
                status: .skipped,
                message: "Billing reconciliation skipped: STRIPE_API_KEY is not configured"
            )
        }
        var all = BusinessCounters(["SyncedCount": 0, "ExpiredCount": 0, "SuspendedCount": 0, "ErrorCount": 0])
        all.merge(counters)
        let message =
            "Billing reconciliation completed: \(all["SyncedCount"]) synced, \(all["SuspendedCount"]) suspended, "
            + "\(all["ExpiredCount"]) expired, \(all["ErrorCount"]) errors"
        return BusinessJobResult(message: message, counters: all)
    }

    static func outcome(of subscription: StripeSubscription) -> String {
        switch subscription.status {
        case "canceled", "incomplete_expired": return "ExpiredCount"
        case "past_due", "unpaid", "paused": return "SuspendedCount"
        case "incomplete": return "UnchangedCount"
        default: return "SyncedCount"
        }
    }

    /// The user row after applying Stripe's view.
    static func change(_ user: TableEntity, from subscription: StripeSubscription, now: Timestamp) -> RowChange {
        var change = RowChange(user)
        switch subscription.status {
        case "active", "trialing":
            change.assign("SubscriptionStatus", .string(subscription.cancelAtPeriodEnd ? "cancelled" : "active"))
            if let end = subscription.currentPeriodEnd {
                change.assign("NextBillingDate", .string(BusinessFields.isoSeconds(end)))
                let renewed = BusinessFields.instant(user["LastStripeRenewal"]).map { $0 >= end } ?? false
                if !renewed { change.assign("LastStripeRenewal", .string(BusinessFields.isoSeconds(now))) }
            }
            if let tier = subscription.tier { change.assign("SubscriptionTier", .string(tier.rawValue)) }
            if let quantity = subscription.quantity {
                change.assign("SubscriptionQuantity", .int32(Int32(clamping: quantity)))
            }
            change.clear("SuspendedAt")
        case "past_due", "unpaid", "paused":
            change.assign("SubscriptionStatus", .string("suspended"))
        case "canceled", "incomplete_expired":
            change.assign("SubscriptionTier", .string(SubscriptionTier.free.rawValue))
            change.assign("SubscriptionStatus", .string("expired"))
            if BusinessFields.text(user["CancelledAt"]) == nil {
                change.assign("CancelledAt", .string(BusinessFields.isoSeconds(now)))
            }
        default:
            break
        }
        if !change.isEmpty { change.assign("StripeStatus", .string(subscription.status)) }
        return change
    }
}
