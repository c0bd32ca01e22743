import Foundation
import LinkTomeCore
import Synchronization
import TableStorage

@testable import Timers

/// An instant from ISO 8601 text (test literals only).
func utc(_ text: String) -> Date {
    guard let timestamp = Timestamp(iso8601: text) else { preconditionFailure("bad test date \(text)") }
    return timestamp.date
}

/// ISO 8601 text of an instant, to compare with readable literals.
func iso(_ date: Date?) -> String {
    date.map { Timestamp($0).iso8601Trimmed } ?? "nil"
}

/// Records every command run, from any task.
final class RunLog: Sendable {
    struct Run: Sendable, Hashable {
        var command: String
        var occurrence: Date
        var trigger: TimerRunTrigger
        var attempt: Int
    }

    private let runs = Mutex<[Run]>([])

    func record(_ context: TimerCommandContext) {
        let run = Run(
            command: context.timer.command,
            occurrence: context.occurrence,
            trigger: context.trigger,
            attempt: context.attempt
        )
        runs.withLock { $0.append(run) }
    }

    var all: [Run] { runs.withLock { $0 } }

    func runs(of command: String) -> [Run] { all.filter { $0.command == command } }

    /// `Command@occurrence` of every run, in order.
    var summary: [String] { all.map { "\($0.command)@\(iso($0.occurrence))" } }
}

/// A counter shared between a test and its commands.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new value.
    @discardableResult
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }

    var current: Int { value.withLock { $0 } }
}

/// An in-memory durable client: records starts; tests set instance states.
final class FakeDurable: TimerDurableClient {
    struct Start: Sendable, Hashable {
        var orchestrator: String
        var instanceId: String
        var input: JSONValue
    }

    private let state = Mutex<(starts: [Start], instances: [String: TimerInstanceStatus])>(([], [:]))
    let clock: any TimeSource

    init(clock: any TimeSource) {
        self.clock = clock
    }

    func startOrchestration(_ orchestrator: String, instanceId: String, input: JSONValue) async throws {
        let now = clock.now()
        state.withLock { state in
            state.starts.append(Start(orchestrator: orchestrator, instanceId: instanceId, input: input))
            if state.instances[instanceId] == nil {
                state.instances[instanceId] = TimerInstanceStatus(
                    instanceId: instanceId,
                    runtimeStatus: .pending,
                    createdTime: now,
                    lastUpdatedTime: now
                )
            }
        }
    }

    func instanceStatus(_ instanceId: String) async throws -> TimerInstanceStatus? {
        state.withLock { $0.instances[instanceId] }
    }

    var starts: [Start] { state.withLock { $0.starts } }

    /// Sets an instance's state (and its output when it ends).
    func set(_ instanceId: String, _ status: TimerInstanceRuntimeStatus, output: JSONValue = .null) {
        let now = clock.now()
        state.withLock { state in
            var instance =
                state.instances[instanceId]
                ?? TimerInstanceStatus(instanceId: instanceId, runtimeStatus: status, createdTime: now)
            instance.runtimeStatus = status
            instance.output = output
            instance.lastUpdatedTime = now
            state.instances[instanceId] = instance
        }
    }

    /// Forgets an instance, as a purge does.
    func purge(_ instanceId: String) {
        _ = state.withLock { $0.instances.removeValue(forKey: instanceId) }
    }
}

/// Builds catalogues, registries and environments for the tests.
struct TimerFixture {
    let store: any TableStore
    let clock: ManualTimeSource
    let log = RunLog()
    let durable: FakeDurable
    var registry = TimerRegistry()
    var settings: [String: String] = [:]
    let logs = CollectingSink()

    init(store: any TableStore = InMemoryTableStore(), at start: Date = utc("2026-01-20T00:00:00Z")) {
        self.store = store
        clock = ManualTimeSource(start)
        durable = FakeDurable(clock: clock)
        registerRecorder("Start-Recorded")
    }

    /// Registers a command that records its run and completes.
    mutating func registerRecorder(_ name: String) {
        let log = self.log
        registry.register(name) { context in
            log.record(context)
            return .completed(["Status": "Success", "Occurrence": .string(iso(context.occurrence))])
        }
    }

    /// Registers a command that records its run, then runs `body`.
    mutating func register(
        _ name: String,
        _ body: @escaping @Sendable (TimerCommandContext) async throws -> TimerCommandOutcome
    ) {
        let log = self.log
        registry.register(name) { context in
            log.record(context)
            return try await body(context)
        }
    }

    func catalogue(_ json: String) -> TimerCatalogue {
        TimerCatalogue(parsing: Array(json.utf8), source: "test catalogue", registry: registry)
    }
}

/// A catalogue entry in the original's shape.
func entry(
    id: String,
    command: String = "Start-Recorded",
    cron: String,
    priority: Int? = 0,
    extra: String = ""
) -> String {
    """
    {"Id": "\(id)", "Command": "\(command)", "Description": "test", "Cron": "\(cron)",
     "Priority": \(priority.map(String.init) ?? "null"),
     "RunOnProcessor": true, "IsSystem": false, "Parameters": {}\(extra.isEmpty ? "" : ", " + extra)}
    """
}

func catalogueJSON(_ entries: String...) -> String {
    "[" + entries.joined(separator: ",\n") + "]"
}
