import Foundation
import LinkTomeCore
import Synchronization

@testable import Jobs

/// An in-memory task hub with the webhook API's semantics for list (status and creation-time
/// filters, `top`, continuation), purge by range (both bounds inclusive), terminate (410 for ended
/// instances) and status. Tests use it directly and behind the HTTP stand-in.
final class RetentionTaskHub: DurableMaintenanceClient {
    struct Stats: Sendable, Equatable {
        var purgeCalls = 0
        var listCalls = 0
        var terminateCalls = 0
    }

    private struct State {
        var instances: [String: DurableInstanceSummary] = [:]
        var terminateReasons: [String: String] = [:]
        var stats = Stats()
    }

    private let state = Mutex(State())

    init(_ instances: [DurableInstanceSummary] = []) {
        state.withLock { state in
            for instance in instances { state.instances[instance.instanceId] = instance }
        }
    }

    var stats: Stats { state.withLock { $0.stats } }
    var all: [DurableInstanceSummary] { state.withLock { Array($0.instances.values) } }
    func reason(_ id: String) -> String? { state.withLock { $0.terminateReasons[id] } }

    func add(_ instance: DurableInstanceSummary) {
        state.withLock { $0.instances[instance.instanceId] = instance }
    }

    func listInstances(
        statuses: [String],
        createdTo: Date,
        top: Int,
        continuation: String?
    ) async throws -> DurableInstancePage {
        state.withLock { state in
            state.stats.listCalls += 1
            let wanted = Set(statuses.map { $0.lowercased() })
            let matching = state.instances.values
                .filter {
                    wanted.contains($0.runtimeStatus.lowercased()) && ($0.createdTime ?? .distantPast) <= createdTo
                }
                .sorted { $0.instanceId < $1.instanceId }
                .filter { continuation == nil || $0.instanceId >= continuation! }
            let page = Array(matching.prefix(max(1, top)))
            let next = matching.count > page.count ? matching[page.count].instanceId : nil
            return DurableInstancePage(instances: page, continuation: next)
        }
    }

    func purgeInstances(createdFrom: Date, createdTo: Date, statuses: [String]) async throws -> Int {
        state.withLock { state in
            state.stats.purgeCalls += 1
            let wanted = Set(statuses.map { $0.lowercased() })
            let doomed = state.instances.values.filter { instance in
                guard let created = instance.createdTime else { return false }
                return wanted.contains(instance.runtimeStatus.lowercased()) && created >= createdFrom
                    && created <= createdTo
            }
            for instance in doomed { state.instances[instance.instanceId] = nil }
            return doomed.count
        }
    }

    func terminateInstance(_ instanceId: String, reason: String) async throws -> DurableTerminateOutcome {
        state.withLock { state in
            state.stats.terminateCalls += 1
            guard var instance = state.instances[instanceId] else { return .notFound }
            guard instance.isActive else { return .alreadyEnded }
            instance.runtimeStatus = "Terminated"
            instance.output = .string(reason)
            state.instances[instanceId] = instance
            state.terminateReasons[instanceId] = reason
            return .accepted
        }
    }

    func instanceStatus(_ instanceId: String) async throws -> DurableInstanceSummary? {
        state.withLock { $0.instances[instanceId] }
    }
}

/// An instance created `seconds` before the tests' now.
func hubInstance(
    _ id: String,
    _ status: String,
    createdAgo seconds: Double,
    output: JSONValue = .null
)
    -> DurableInstanceSummary
{
    let created = retentionNow.date.addingTimeInterval(-seconds)
    return DurableInstanceSummary(
        instanceId: id,
        runtimeStatus: status,
        createdTime: created,
        lastUpdatedTime: created.addingTimeInterval(5),
        output: output
    )
}
