import Durable
import Foundation
import LinkTomeCore
import Synchronization

/// What the parts of the development host share: the durable state, the way to invoke functions,
/// the app layout, the clock, this host's identity, and the instances a `--once` run waits for.
public final class HostCore: Sendable {
    public let durable: DurableStore
    public let invoker: FunctionInvoker
    public let layout: AppLayout
    public let clock: any TimeSource
    public let logger: Logger
    /// Names this host in leases: host name, process id and a random suffix.
    public let owner: String
    let orchestrationWakeup = Wakeup()
    let activityWakeup = Wakeup()
    private let sequence = Atomic<Int64>(0)
    private let tracked = Mutex<Set<String>>([])

    init(durable: DurableStore, invoker: FunctionInvoker, layout: AppLayout, clock: any TimeSource, logger: Logger) {
        self.durable = durable
        self.invoker = invoker
        self.layout = layout
        self.clock = clock
        self.logger = logger
        owner = "\(ProcessInfo.processInfo.hostName)/\(getpid())/" + UUID().uuidString.prefix(8).lowercased()
    }

    /// The current instant on the host's clock.
    func now() -> Timestamp { Timestamp(clock.now()) }

    /// A number that orders messages enqueued by this host.
    func nextSequence() -> Int64 {
        let ticks = now().ticksSince1970 * 16
        return sequence.add(1, ordering: .relaxed).newValue + ticks
    }

    /// How long an episode or activity lease lasts: the function timeout plus a minute.
    var leaseSeconds: Int64 { Int64(layout.functionTimeout) + 60 }

    /// Remembers an instance so ``trackedInstances`` includes it.
    func track(_ instanceId: String) {
        _ = tracked.withLock { $0.insert(instanceId) }
    }

    func isTracked(_ instanceId: String) -> Bool {
        tracked.withLock { $0.contains(instanceId) }
    }

    /// The instances started through this host's webhook API, and their sub-orchestrations.
    public var trackedInstances: Set<String> { tracked.withLock { $0 } }

    /// What a start found.
    enum StartResult {
        case started(InstanceRecord)
        /// An instance with that id is pending or running.
        case alreadyActive(InstanceRecord)
    }

    /// Creates (or, when the id names a finished instance, recreates) an instance and queues its
    /// `ExecutionStarted` event, as `StartNewAsync` does with the default overridable states.
    func startInstance(
        name: String,
        instanceId: String,
        input: String?,
        parent: (instanceId: String, executionId: String, taskId: Int32)? = nil
    ) async throws(DevHostError) -> StartResult {
        let executionId = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        for _ in 0..<5 {
            var record = InstanceRecord(
                instanceId: instanceId,
                name: name,
                executionId: executionId,
                input: input,
                now: now()
            )
            record.parentInstanceId = parent?.instanceId
            record.parentExecutionId = parent?.executionId
            record.parentTaskId = parent?.taskId
            let stored: InstanceRecord?
            if let existing = try await durable.instance(instanceId) {
                guard existing.runtimeStatus.isTerminal else { return .alreadyActive(existing) }
                _ = try await durable.purge(instanceId)
                stored = try await durable.insert(record)
            } else {
                stored = try await durable.insert(record)
            }
            guard let stored else { continue }

            let started = ExecutionStartedEvent(
                name: name,
                version: "",
                input: input,
                orchestrationInstance: OrchestrationInstance(instanceId: instanceId, executionId: executionId),
                parentInstance: parent.map {
                    ParentInstanceInfo(
                        taskScheduledId: $0.taskId,
                        name: nil,
                        version: nil,
                        orchestrationInstance: OrchestrationInstance(
                            instanceId: $0.instanceId,
                            executionId: $0.executionId
                        )
                    )
                }
            )
            try await enqueue(to: stored, key: "start-" + executionId, kind: .executionStarted(started))
            if let parent, isTracked(parent.instanceId) { track(instanceId) }
            logger.debug(
                "orchestration created",
                metadata: ["orchestration.instance": instanceId, "orchestration.name": name]
            )
            return .started(stored)
        }
        throw .durableState("instance \(instanceId) kept changing while it was being started")
    }

    /// Queues `kind` for the current execution of `record`, visible at `visibleAt` (default now).
    func enqueue(
        to record: InstanceRecord,
        key: String,
        kind: HistoryEvent.Kind,
        visibleAt: Timestamp? = nil,
        anyExecution: Bool = false
    ) async throws(DevHostError) {
        let at = visibleAt ?? now()
        let message = DurableMessage(
            instanceId: record.instanceId,
            key: key,
            executionId: anyExecution ? "" : record.executionId,
            visibleAt: at,
            sequence: nextSequence(),
            event: HistoryEvent(eventId: -1, timestamp: at, kind: kind)
        )
        try await durable.enqueue(message)
        orchestrationWakeup.signal()
    }

    /// A key for a message that has no natural identity (raised events, terminations).
    func uniqueKey(_ prefix: String) -> String {
        prefix + "-" + String(format: "%020lld", nextSequence()) + "-" + UUID().uuidString.prefix(8).lowercased()
    }
}
