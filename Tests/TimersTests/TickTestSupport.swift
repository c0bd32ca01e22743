import Foundation
import LinkTomeCore
import TableStorage

@testable import Timers

extension TimerFixture {
    func environment(instance: String = "test-instance", store: (any TableStore)? = nil) -> TimerEnvironment {
        TimerEnvironment(
            store: store ?? self.store,
            durable: durable,
            registry: registry,
            settings: Settings(settings),
            clock: clock,
            logger: Logger(label: "timers-test", level: .debug, sink: logs),
            instanceName: instance
        )
    }

    func service(_ catalogue: TimerCatalogue, instance: String = "test-instance") -> TimerService {
        TimerService(environment: environment(instance: instance), catalogue: catalogue)
    }

    /// Sets the clock and runs one tick.
    func tick(_ catalogue: TimerCatalogue, at time: String) async -> TimerTickReport {
        clock.set(utc(time))
        return await service(catalogue).tick()
    }

    func row(_ id: String) async throws -> TimerStatusRow? {
        try await store.get(from: TimerStatusRow.table, partitionKey: "Timer", rowKey: id).map(TimerStatusRow.init)
    }
}
