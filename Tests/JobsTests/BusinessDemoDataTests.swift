import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

@Suite("Business demo data")
struct BusinessDemoDataTests {
    @Test("the same instant gives the same rows, and seeding twice changes nothing")
    func deterministic() async throws {
        let first = BusinessDemoData.tables(now: businessNow)
        let second = BusinessDemoData.tables(now: businessNow)
        #expect(first.keys.sorted() == second.keys.sorted())
        for table in first.keys {
            #expect(first[table]?.map(\.key).sorted() == second[table]?.map(\.key).sorted())
            let keys = first[table]?.map(\.key) ?? []
            #expect(Set(keys).count == keys.count, "duplicate keys in \(table)")
        }
        let store = try await seededBusinessStore()
        let seeded = try await StoreSnapshot.take(store)
        try await BusinessDemoData.seed(into: store, now: businessNow)
        #expect(try await StoreSnapshot.take(store) == seeded)
    }

    @Test("every business command finds work in the data set")
    func everyCommandHasWork() async throws {
        let store = try await seededBusinessStore()
        let users = try await store.queryAll("Users")
        let decisions = users.map { SubscriptionDecision.decide(user: $0, now: businessNow, graceSeconds: 7 * 86_400) }
        #expect(decisions.contains { !$0.hasAccess })
        #expect(decisions.contains { if case .inGrace = $0.action { true } else { false } })
        #expect(users.contains { BillingOrchestrator.needsSync($0, now: businessNow) })
        #expect(try await store.queryAll("Analytics").count > 100)
        let tasks = try await ScheduledTaskOrchestrator(store: store, logger: .silent).workItems(now: businessNow)
        #expect(tasks.count > 1)
        #expect(try await store.queryAll("Links").contains { $0["ScheduleEnabled"] == .bool(true) })
    }
}
