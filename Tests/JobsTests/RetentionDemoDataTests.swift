import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

@Suite("Retention demo data")
struct RetentionDemoDataTests {
    @Test("the same instant always gives the same rows")
    func deterministic() {
        #expect(RetentionDemoData.tables(now: retentionNow) == RetentionDemoData.tables(now: retentionNow))
        #expect(RetentionDemoData.userId("dormant").hasPrefix("user-"))
    }

    @Test("every housekeeping job finds work in the seeded store, and a second pass finds none")
    func everyJobHasWork() async throws {
        let store = try makeRetentionStore()
        let written = try await RetentionDemoData.seed(into: store, now: retentionNow)
        #expect(written == RetentionDemoData.tables(now: retentionNow).values.reduce(0) { $0 + $1.count })

        let now = retentionNow.date
        let first = [
            try await SecurityEventCleanup.run(store: store, now: now, logger: .silent),
            try await RateLimitCleanup.run(store: store, now: now, logger: .silent),
            try await TwoFactorSessionCleanup.run(store: store, now: now, logger: .silent),
            try await RefreshTokenCleanup.run(store: store, now: now, logger: .silent),
            try await FeatureUsageCleanup.run(store: store, now: now, logger: .silent),
            try await InactiveAccountCleanup.run(store: store, now: now, logger: .silent),
        ]
        for summary in first {
            #expect(!summary.nothingToDo, "\(summary.command): \(summary.message)")
            #expect(summary.failed == 0, "\(summary.command): \(summary.message)")
        }
        #expect(first[0].deleted == 4)
        #expect(first[0].keptBy["unparsableDate"] == 1)
        #expect(first[1].deleted == 4)
        #expect(first[2].deleted == 2)
        #expect(first[3].deletedBy == ["expired": 1, "invalidated": 1, "unparsableExpiry": 1])
        #expect(first[5].changedBy == ["warned": 1, "deactivated": 1])

        let quota = try await store.get(
            from: "RateLimits",
            partitionKey: "v1-daily",
            rowKey: "apiuser-" + RetentionDemoData.userId("paid")
        )
        #expect(quota != nil)

        let second = [
            try await SecurityEventCleanup.run(store: store, now: now, logger: .silent),
            try await RateLimitCleanup.run(store: store, now: now, logger: .silent),
            try await TwoFactorSessionCleanup.run(store: store, now: now, logger: .silent),
            try await RefreshTokenCleanup.run(store: store, now: now, logger: .silent),
            try await FeatureUsageCleanup.run(store: store, now: now, logger: .silent),
            try await InactiveAccountCleanup.run(store: store, now: now, logger: .silent),
        ]
        for summary in second {
            #expect(summary.nothingToDo, "\(summary.command): \(summary.message)")
        }
    }
}
