import DevHost
import Foundation
import Jobs
import LinkTomeCore
import TableStorage

/// `--seed-demo`: fills an empty store with the demonstration data set.
enum DemoSeed {
    /// Seeds only when no table of the store holds a row, so a second run never mixes data sets.
    static func seedIfEmpty(_ host: DevHost, logger: Logger) async throws {
        let store = host.core.durable.store
        for table in try await store.listTables() where !(try await store.queryAll(table, top: 1).isEmpty) {
            logger.warning(
                "the store already holds data; --seed-demo fills only an empty store (delete it to start over)",
                metadata: ["store": store.location, "table": table]
            )
            return
        }
        let now = Timestamp(host.core.clock.now())
        let business = try await BusinessDemoData.seed(into: store, now: now)
        let retention = try await RetentionDemoData.seed(into: store, now: now)
        let instances = try await DemoInstances.seed(into: host.core.durable, now: now)
        logger.info(
            "demo data seeded",
            metadata: ["rows": "\(business + retention)", "durable.instances": "\(instances)", "store": store.location]
        )
    }
}
