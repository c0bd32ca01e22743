import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization
import TableStorage

/// Counts requests an Azure store sends.
final class RequestCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// The project's stand-in for Azure Table Storage (tools/table-standin), reached at
/// LINKTOME_TEST_AZURE_URL or started by the tests.
struct AzureStandIn: Sendable {
    static var isAvailable: Bool { false }

    static func shared() async throws -> AzureStandIn { throw CancellationError() }

    func makeStore(counter: RequestCounter) throws -> any TableStore { throw CancellationError() }

    func configure(table: String, scanLimit: Int) async throws {}

    struct Statistics: Sendable {
        var batches: Int
        var largestBatch: Int
        var batchPartitions: Int
    }

    func statistics(table: String) async throws -> Statistics {
        Statistics(batches: 0, largestBatch: 0, batchPartitions: 0)
    }
}
