import Foundation
import LinkTomeCore
import TableStorage

/// The timer machinery behind the trigger and the operator commands: a tick, a manual run and
/// the overview for `linktome timers list`, over one catalogue and one environment.
public struct TimerService: Sendable {
    public var environment: TimerEnvironment
    public var catalogue: TimerCatalogue

    public init(environment: TimerEnvironment, catalogue: TimerCatalogue) {
        self.environment = environment
        self.catalogue = catalogue
    }

    /// Runs one tick (see ``TimerTick``).
    public func tick() async -> TimerTickReport {
        await TimerTick(environment: environment, catalogue: catalogue).run()
    }

    /// Runs the timer whose `Id` or `Command` is `key` now, under the same claim as the tick.
    /// It does not count as serving a scheduled occurrence, so the next one still runs.
    ///
    /// - Throws: ``TimersError/timerNotFound(_:)``, ``TimersError/timerBusy(timer:reason:)`` while
    ///   the timer runs, or a storage error.
    public func runNow(_ key: String, requestedBy: String) async throws -> TimerManualRun {
        guard let timer = catalogue.timer(matching: key) else {
            let lowered = key.lowercased()
            let problems = catalogue.skipped.filter {
                $0.id?.lowercased() == lowered || $0.command?.lowercased() == lowered
            }
            if !problems.isEmpty {
                let reasons = problems.map(\.message).joined(separator: "; ")
                throw TimersError.invalidInput("timer '\(key.escapingControlCharacters)' is not runnable: \(reasons)")
            }
            throw TimersError.timerNotFound(key)
        }

        let tick = TimerTick(environment: environment, catalogue: catalogue)
        let log = environment.logger.with("timer.id", timer.id).with("timer.command", timer.command)
        try await tick.rows.prepare()
        var row = try await tick.rows.readOrCreate(timer)
        for _ in 0..<4 {
            if let claim = try await manualClaim(timer, row: row, requestedBy: requestedBy, tick: tick, logger: log) {
                let result = await tick.runAndRecord(claim)
                return TimerManualRun(
                    timer: timer,
                    instanceId: claim.instanceId,
                    startedAt: claim.startedAt,
                    result: result
                )
            }
            row = try await tick.rows.readOrCreate(timer)
        }
        throw TimersError.timerBusy(timer: timer.command, reason: "its status row kept changing; try again")
    }

    /// The claim of a manual run, or `nil` when a write lost a race (re-read and try again).
    private func manualClaim(
        _ timer: TimerDefinition,
        row: TimerStatusRow,
        requestedBy: String,
        tick: TimerTick,
        logger log: Logger
    ) async throws -> ClaimedRun? {
        let current: TimerStatusRow
        switch try await tick.settle(row, logger: log) {
        case .lost: return nil
        case .busy(let reason): throw TimersError.timerBusy(timer: timer.command, reason: reason)
        case .proceed(let settled): current = settled
        }
        if case .busy(let reason) = tick.claimBusy(current) {
            throw TimersError.timerBusy(timer: timer.command, reason: reason)
        }

        let now = environment.clock.now()
        return try await tick.runner.claim(
            timer,
            row: current,
            occurrence: now,
            attempt: 1,
            trigger: .manual(by: requestedBy),
            next: current.nextOccurrence ?? tick.planner.nextOccurrence(timer, now: now)
        )
    }

    /// The catalogue joined with the status rows. Never fails: unreadable storage is reported in
    /// the overview, and every row reads leniently.
    public func overview() async -> TimerOverview {
        var snapshot = TimerStatusSnapshot()
        var storageError: String?
        do {
            snapshot = try await TimerStatusStore(store: environment.store).readAllIfPresent()
        } catch {
            storageError = "status rows cannot be read from \(environment.store.location): \(error)"
        }
        return TimerOverview(
            catalogue: catalogue,
            rows: snapshot.rows,
            unreadable: snapshot.unreadable,
            planner: TimerPlanner(policy: environment.policy),
            now: environment.clock.now(),
            storageError: storageError
        )
    }
}

/// The outcome of ``TimerService/runNow(_:requestedBy:)``.
public struct TimerManualRun: Sendable, Hashable {
    public var timer: TimerDefinition
    /// The orchestration instance id the run used (if it started one) or would have used.
    public var instanceId: String
    public var startedAt: Date
    public var result: TimerRunResult
}
