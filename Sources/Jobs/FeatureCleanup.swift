import LinkTomeCore
import TableStorage

/// What the feature cleanup did for one user.
public struct FeatureCleanupReport: Sendable, Equatable {
    public var tier: SubscriptionTier
    /// One sentence per step that changed something, e.g. "Flagged 2 pages over the limit of 1".
    public var actions: [String] = []
    public var changedRows = 0
    public var failedRows = 0
    public var failures: [String] = []

    public var changedSomething: Bool { changedRows > 0 }
}

/// Enforces a tier's limits on one user's pages, appearance, API keys, links, short links and
/// sub-accounts (`Start-FeatureCleanup`). Each step reads the user's partition of its table, plans
/// with ``FeatureCleanupPlan`` and writes only the rows that change, batched and conditional on the
/// ETag read; a failing step is recorded and the next one still runs.
struct FeatureCleanup {
    let store: any TableStore
    let logger: Logger

    /// - Parameters:
    ///   - userId: the user (PartitionKey of the feature tables).
    ///   - tier: the tier the user has after this run.
    ///   - parent: the user's own row when the user may own sub-accounts (not for sub-accounts).
    func enforce(userId: String, tier: SubscriptionTier, parent: TableEntity?) async -> FeatureCleanupReport {
        var report = FeatureCleanupReport(tier: tier)
        let features = tier.features
        let partition = TableFilter.partitionKey(userId)
        var pageRank: [String: Int] = [:]

        await step("Pages", "pages", &report) {
            let rows = try await BusinessTables.all(store, "Pages", filter: partition)
            for (rank, page) in FeatureCleanupPlan.orderedPages(rows).enumerated() { pageRank[page.rowKey] = rank }
            return FeatureCleanupPlan.pages(rows, features)
        }
        await step("Appearance", "appearance rows", &report) {
            FeatureCleanupPlan.appearance(
                try await BusinessTables.all(store, "Appearance", filter: partition),
                features
            )
        }
        await step("ApiKeys", "API keys", &report) {
            FeatureCleanupPlan.apiKeys(try await BusinessTables.all(store, "ApiKeys", filter: partition), features)
        }
        let ranks = pageRank
        await step("Links", "links", &report) {
            let rows = try await BusinessTables.all(store, "Links", filter: partition)
            return FeatureCleanupPlan.links(rows, features, pageRank: ranks)
        }
        await step("ShortLinks", "short links", &report) {
            FeatureCleanupPlan.shortLinks(
                try await BusinessTables.all(store, "ShortLinks", filter: partition),
                features
            )
        }
        if let parent {
            await step("Users", "sub-accounts", &report) {
                try await subAccountChanges(parentId: userId, parent: parent, tier: tier)
            }
        }
        return report
    }

    private func subAccountChanges(
        parentId: String,
        parent: TableEntity,
        tier: SubscriptionTier
    ) async throws
        -> [RowChange]
    {
        let relationships = try await BusinessTables.all(store, "SubAccounts", filter: .partitionKey(parentId))
        guard !relationships.isEmpty else { return [] }
        var users: [String: TableEntity] = [:]
        for relationship in relationships {
            if let user = try await SubscriptionDirectory.user(store, id: relationship.rowKey) {
                users[relationship.rowKey] = user
            }
        }
        let quantity = BusinessFields.int(parent["SubscriptionQuantity"]) ?? 1
        return FeatureCleanupPlan.subAccounts(
            relationships: relationships,
            users: users,
            tier: tier,
            quantity: quantity
        )
    }

    /// Plans one table's changes, writes them and records the outcome; errors stay in this step.
    private func step(
        _ table: String,
        _ what: String,
        _ report: inout FeatureCleanupReport,
        _ plan: () async throws -> [RowChange]
    ) async {
        do {
            let changes = try await plan().filter { !$0.isEmpty }
            guard !changes.isEmpty else { return }
            let outcome = await RowChangeWriter.apply(changes, store: store, table: table)
            report.changedRows += outcome.applied
            report.failedRows += outcome.failed
            report.failures += outcome.failures
            if outcome.applied > 0 {
                report.actions.append("\(what): \(outcome.applied) updated to the \(report.tier.rawValue) tier limits")
            }
        } catch {
            report.failedRows += 1
            report.failures.append("\(table): \(error)")
            logger.warning("feature cleanup step failed", metadata: ["table": table, "error": "\(error)"])
        }
    }
}
