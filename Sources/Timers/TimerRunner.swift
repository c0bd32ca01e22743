import Foundation
import LinkTomeCore
import TableStorage

/// How one run of a timer ended.
public enum TimerRunResult: Sendable, Hashable {
    /// The command finished; its summary.
    case completed(JSONValue)
    /// The command handed its work to this orchestration instance.
    case startedOrchestration(instanceId: String)
    /// The command (or the orchestration start) failed; the message.
    case failed(String)
}

/// A run that holds the claim on its timer's status row.
struct ClaimedRun: Sendable {
    var timer: TimerDefinition
    /// The row as written by the claim (its ETag is the claim's).
    var row: TimerStatusRow
    var occurrence: Date
    var attempt: Int
    var trigger: TimerRunTrigger
    var owner: String
    var instanceId: String
    var startedAt: Date
}

/// Claims, runs and records single timer runs.
struct TimerRunner: Sendable {
    let environment: TimerEnvironment

    /// The orchestrator function that timer orchestrations start.
    static let orchestratorFunction = "LinkTomeOrchestrator"
    /// The most characters of a result or error kept in the status row.
    static let maximumTextLength = 8_000

    var rows: TimerStatusStore { TimerStatusStore(store: environment.store) }
    var policy: TimerPolicy { environment.policy }

    /// Takes the claim for `occurrence` with a conditional write; `nil` if another writer changed
    /// the row since it was read.
    func claim(
        _ timer: TimerDefinition,
        row: TimerStatusRow,
        occurrence: Date,
        attempt: Int,
        trigger: TimerRunTrigger,
        next: Date?
    ) async throws -> ClaimedRun? {
        let now = environment.clock.now()
        let owner = environment.newClaimOwner()
        var claimed = row
        claimed.refresh(from: timer)
        claimed.status = .started
        claimed.claimOwner = owner
        claimed.claimExpires = now.addingTimeInterval(policy.claimDuration)
        claimed.lastOccurrence = now
        claimed.errorMessage = ""
        claimed.orchestratorId = ""
        claimed.trigger = trigger.label
        claimed.retryAt = nil
        claimed.nextOccurrence = next
        let manual: Bool
        if case .manual(let requester) = trigger {
            manual = true
            claimed.manuallyTriggered = true
            claimed.manuallyTriggeredBy = requester
            claimed.manuallyTriggeredAt = now
        } else {
            manual = false
            claimed.lastServedOccurrence = occurrence
            claimed.attempt = attempt
        }

        let instanceId = TimerInstanceId.make(
            timerId: timer.id,
            occurrence: occurrence,
            attempt: manual ? 1 : attempt,
            manual: manual
        )
        claimed.claimInstanceId = instanceId

        guard let written = try await rows.update(claimed) else { return nil }
        return ClaimedRun(
            timer: timer,
            row: written,
            occurrence: occurrence,
            attempt: manual ? 1 : attempt,
            trigger: trigger,
            owner: owner,
            instanceId: instanceId,
            startedAt: now
        )
    }

    /// Runs the claimed command within the run timeout, starting its orchestration if it asks for one.
    func execute(_ run: ClaimedRun) async -> TimerRunResult {
        let timer = run.timer
        guard let command = environment.registry.command(named: timer.command) else {
            return .failed(TimersError.unknownCommand(timer.command).description)
        }
        let context = TimerCommandContext(
            store: environment.store,
            durable: environment.durable,
            logger: logger(for: run),
            clock: environment.clock,
            settings: environment.settings,
            timer: timer,
            occurrence: run.occurrence,
            trigger: run.trigger,
            attempt: run.attempt,
            instanceId: run.instanceId
        )
        let limit = policy.runTimeout
        do {
            let outcome = try await withTimeLimit(
                seconds: limit,
                timeout: { TimersError.timedOut(command: timer.command, seconds: limit) },
                { try await command.run(timer.parameters, context: context) }
            )
            switch outcome {
            case .completed(let summary):
                return .completed(summary)
            case .orchestration(let input):
                return try await start(input, for: run)
            }
        } catch {
            return .failed(String(describing: error))
        }
    }

    private func start(_ input: OrchestratorInput, for run: ClaimedRun) async throws -> TimerRunResult {
        guard let durable = environment.durable else {
            let reason = "no durable client is available (run it from the Functions host or configure one)"
            return .failed(TimersError.orchestrationUnavailable(command: run.timer.command, reason: reason).description)
        }
        do {
            try await durable.startOrchestration(
                Self.orchestratorFunction,
                instanceId: run.instanceId,
                input: input.json
            )
        } catch {
            return .failed(TimersError.durable("starting \(run.instanceId) failed: \(error)").description)
        }
        return .startedOrchestration(instanceId: run.instanceId)
    }

    /// Writes the run's result to the row it claimed; `nil` (and a warning) if the claim was lost.
    @discardableResult
    func record(_ run: ClaimedRun, _ result: TimerRunResult) async -> TimerStatusRow? {
        let now = environment.clock.now()
        var row = run.row
        row.claimOwner = ""
        row.claimExpires = nil
        row.claimInstanceId = ""
        row.durationMilliseconds = Self.milliseconds(from: run.startedAt, to: now)
        switch result {
        case .completed(let summary):
            row.markCompleted(result: Self.truncated(summary.jsonText), at: now)
        case .startedOrchestration(let instanceId):
            row.status = .started
            row.orchestratorId = instanceId
            row.orchestratorStarted = now
            row.durationMilliseconds = nil
            row.lastResult = ""
        case .failed(let message):
            markFailed(&row, message: message, at: now)
        }

        do {
            if let written = try await rows.update(row) { return written }
            logger(for: run).warning("run result not recorded: the status row changed while the run held its claim")
        } catch {
            logger(for: run).error("run result not recorded", metadata: ["error": "\(error)"])
        }
        return nil
    }

    /// Marks `row` failed with `message`, counting the failure and scheduling a retry when allowed.
    func markFailed(_ row: inout TimerStatusRow, message: String, at now: Date) {
        TimerRowSettlement.markFailed(&row, message: message, policy: policy, at: now)
    }

    func logger(for run: ClaimedRun) -> Logger {
        environment.logger
            .with("timer.id", run.timer.id)
            .with("timer.command", run.timer.command)
            .with("timer.occurrence", Timestamp(run.occurrence).iso8601Trimmed)
    }

    static func milliseconds(from start: Date, to end: Date) -> Int64 {
        Int64(max(0, (end.timeIntervalSince(start) * 1_000).rounded()))
    }

    static func truncated(_ text: String) -> String {
        guard text.count > maximumTextLength else { return text }
        return String(text.prefix(maximumTextLength - 1)) + "…"
    }
}

extension TimerStatusRow {
    /// Marks the row completed with `result` (compact JSON).
    mutating func markCompleted(result: String, at now: Date) {
        status = .completed
        errorMessage = ""
        lastResult = result
        lastCompleted = now
        consecutiveFailures = 0
        retryAt = nil
        orchestratorId = ""
    }
}
