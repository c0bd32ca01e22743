import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage
import Testing

@testable import Jobs

private let billingNow = Timestamp.utc(year: 2026, month: 3, day: 10)

@Suite("Billing reconciliation against a Stripe stand-in")
struct BusinessBillingTests {
    private let periodEnd = billingNow.seconds + 28 * 86_400

    private func standIn() throws -> StripeStandIn {
        try StripeStandIn([
            "sub_demo_bob": .init(status: "active", periodEnd: periodEnd, tier: "pro"),
            "sub_demo_heidi": .init(status: "past_due", periodEnd: periodEnd, tier: "pro"),
            "sub_demo_ivan": .init(status: "active", periodEnd: periodEnd, tier: "premium", quantity: 2),
            "sub_demo_judy": .init(status: "canceled", periodEnd: periodEnd, tier: "pro"),
        ])
    }

    private func job(
        _ store: any TableStore,
        _ standIn: StripeStandIn?,
        key: String = StripeStandIn.key
    ) throws
        -> BillingOrchestrator
    {
        let client = try standIn.map { try StripeClient(apiKey: key, baseURL: $0.baseURL, transport: HTTPClient()) }
        return BillingOrchestrator(store: store, stripe: client, logger: .silent)
    }

    private func user(_ snapshot: StoreSnapshot, _ name: String) -> [String: TableValue] {
        let key = demoUserKey(name)
        return snapshot.row("Users", key.partitionKey, key.rowKey) ?? [:]
    }

    @Test("syncs exactly the candidates Stripe changed, one request per candidate, and a second run changes nothing")
    func reconciles() async throws {
        let store = try await seededBusinessStore(now: billingNow)
        let stripe = try standIn()
        let before = try await StoreSnapshot.take(store)
        let result = try await job(store, stripe).runInline(now: billingNow, logger: .silent)
        let after = try await StoreSnapshot.take(store)

        #expect(before.changedRows(to: after) == Set(["bob", "ivan", "judy"].map(demoUserRef)))
        #expect(
            Set(stripe.requested) == Set(["bob", "heidi", "ivan", "judy"].map { "/v1/subscriptions/sub_demo_\($0)" })
        )
        #expect(result["SyncedCount"] == 2)
        #expect(result["SuspendedCount"] == 1)
        #expect(result["ExpiredCount"] == 1)
        #expect(result["ErrorCount"] == 0)

        let end = BusinessFields.isoSeconds(Timestamp(seconds: periodEnd))
        #expect(user(after, "bob")["NextBillingDate"] == .string(end))
        let ivan = user(after, "ivan")
        #expect(ivan["SubscriptionStatus"] == "active")
        #expect(ivan["SuspendedAt"] == nil)
        #expect(ivan["SubscriptionQuantity"] == .int32(2))
        let judy = user(after, "judy")
        #expect(judy["SubscriptionTier"] == "free")
        #expect(judy["SubscriptionStatus"] == "expired")
        #expect(judy["StripeSubscriptionId"] == "sub_demo_judy")

        _ = try await job(store, stripe).runInline(now: billingNow, logger: .silent)
        #expect(try await StoreSnapshot.take(store) == after)
        await stripe.stop()
    }

    @Test("without a Stripe key the run is skipped and changes nothing")
    func skippedWithoutKey() async throws {
        let store = try await seededBusinessStore(now: billingNow)
        let before = try await StoreSnapshot.take(store)
        #expect(try BillingOrchestrator.client(settings: Settings([:]), transport: HTTPClient()) == nil)
        let result = try await job(store, nil).runInline(now: billingNow, logger: .silent)
        #expect(result.status == .skipped)
        #expect(result.message.contains("STRIPE_API_KEY"))
        #expect(try await StoreSnapshot.take(store) == before)
    }

    @Test("a refused key counts an error per user and changes nothing")
    func refusedKey() async throws {
        let store = try await seededBusinessStore(now: billingNow)
        let stripe = try standIn()
        let before = try await StoreSnapshot.take(store)
        let result = try await job(store, stripe, key: "sk_test_wrong").runInline(now: billingNow, logger: .silent)
        #expect(result.status == .partialFailure)
        #expect(result["ErrorCount"] == 4)
        #expect(try await StoreSnapshot.take(store) == before)
        await stripe.stop()
    }

    @Test("a plain-http Stripe base is refused unless it is local")
    func httpsOnly() {
        #expect(throws: BusinessJobsError.self) {
            try StripeClient(apiKey: "k", baseURL: "http://api.stripe.com", transport: HTTPClient())
        }
        #expect((try? StripeClient(apiKey: "k", baseURL: "https://api.stripe.com", transport: HTTPClient())) != nil)
    }
}
