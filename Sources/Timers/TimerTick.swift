import Foundation
import LinkTomeCore
import TableStorage

/// One tick of the timer trigger (`Receive-LinkTomeTimerTrigger`): for every catalogue timer,
/// settle a finished orchestration, decide what is due, claim it with a conditional write on its
/// status row, run it, and record the result.
///
/// Timers are dispatched in priority order, a few at a time (`LINKTOME_TIMER_CONCURRENCY`). The
/// claim makes every (timer, occurrence) run at most once however many ticks, processes or manual
/// runs race for it. Rows of timers that left the catalogue are removed one by one (see
/// ``RowRetention``), and skipped entries get a row with `Status = Invalid` saying why.
public struct TimerTick: Sendable {
    public var environment: TimerEnvironment
    public var catalogue: TimerCatalogue

    public init(environment: TimerEnvironment, catalogue: TimerCatalogue) {
        self.environment = environment
        self.catalogue = catalogue
    }

    var runner: TimerRunner { TimerRunner(environment: environment) }
    var rows: TimerStatusStore { runner.rows }
    var planner: TimerPlanner { TimerPlanner(policy: environment.policy) }
    var logger: Logger { environment.logger }

    /// Runs the tick. Never throws: failures are logged and reported per timer.
    public func run() async -> TimerTickReport {
        var report = TimerTickReport(startedAt: environment.clock.now())
        reportProblems(into: &report)

        var snapshot: [String: TimerStatusRow]
        let unreadable: [String: String]
        do {
            try await rows.prepare()
            let read = try await rows.readAll()
            snapshot = read.byId
            unreadable = read.unreadable
        } catch {
            report.failure = "the status table \(TimerStatusRow.table) cannot be read: \(error)"
            logger.error("timer tick failed", metadata: ["error": report.failure ?? ""])
            return report
        }

        reportUnreadable(unreadable, into: &report)
        await RowCleanup(tick: self).removeStaleRows(&snapshot, unreadable: unreadable, report: &report)
        await SkippedEntryRows(tick: self).mark(&snapshot, unreadable: unreadable, report: &report)
        report.entries = await dispatch(snapshot, unreadable: unreadable, startedAt: report.startedAt)
        logSummary(report)
        return report
    }

    private func reportProblems(into report: inout TimerTickReport) {
        for problem in catalogue.problems {
            report.problems.append(problem.description)
            logger.warning("timer catalogue problem", metadata: ["problem": problem.description])
        }
        for problem in environment.policy.problems {
            report.problems.append(problem)
            logger.warning("timer setting problem", metadata: ["problem": problem])
        }
    }

    private func reportUnreadable(_ unreadable: [String: String], into report: inout TimerTickReport) {
        for (key, reason) in unreadable.sorted(by: { $0.key < $1.key }) {
            let problem = "status row '\(key.escapingControlCharacters)' cannot be read and is skipped: \(reason)"
            report.problems.append(problem)
            logger.warning(
                "timer status row unreadable",
                metadata: ["row": key.escapingControlCharacters, "error": reason]
            )
        }
    }

    /// Processes the timers in priority order with bounded concurrency and the tick's time budget;
    /// a timer whose row cannot be read is reported as an error and left alone.
    private func dispatch(
        _ snapshot: [String: TimerStatusRow],
        unreadable: [String: String],
        startedAt: Date
    ) async -> [TimerTickReport.Entry] {
        let timers = catalogue.timers
        var outcomes = [TimerTickReport.Outcome?](repeating: nil, count: timers.count)
        let limit = environment.policy.concurrency
        let budget = environment.policy.tickBudget

        await withTaskGroup(of: (Int, TimerTickReport.Outcome).self) { group in
            var inFlight = 0
            for (index, timer) in timers.enumerated() {
                if inFlight >= limit, let (done, outcome) = await group.next() {
                    outcomes[done] = outcome
                    inFlight -= 1
                }
                if let reason = unreadable[timer.id] {
                    outcomes[index] = .error("its status row cannot be read: \(reason)")
                    continue
                }
                if environment.clock.now().timeIntervalSince(startedAt) > budget {
                    outcomes[index] = .deferred
                    continue
                }
                let row = snapshot[timer.id]
                group.addTask { (index, await self.process(timer, row: row)) }
                inFlight += 1
            }
            for await (done, outcome) in group { outcomes[done] = outcome }
        }

        return zip(timers, outcomes).map { timer, outcome in
            TimerTickReport.Entry(timerId: timer.id, command: timer.command, outcome: outcome ?? .deferred)
        }
    }

    /// Evaluates one timer; re-reads and re-evaluates when another writer changed its row meanwhile.
    func process(_ timer: TimerDefinition, row snapshotRow: TimerStatusRow?) async -> TimerTickReport.Outcome {
        let log = logger.with("timer.id", timer.id).with("timer.command", timer.command)
        do {
            var row: TimerStatusRow
            if let snapshotRow {
                row = snapshotRow
            } else {
                row = try await rows.create(TimerStatusRow(timer: timer))
            }
            if timer.runOnProcessor && !environment.policy.isProcessor { return .otherRole }

            for _ in 0..<4 {
                if let outcome = try await evaluate(timer, row: row, logger: log) {
                    return outcome
                }
                guard let fresh = try await rows.read(timer.id) else {
                    row = try await rows.create(TimerStatusRow(timer: timer))
                    continue
                }
                row = fresh
            }
            log.warning("timer left to the next tick: its status row kept changing")
            return .contended
        } catch {
            log.error("timer evaluation failed", metadata: ["error": "\(error)"])
            return .error(String(describing: error))
        }
    }

    /// One evaluation against `row`; `nil` when a conditional write lost to another writer.
    private func evaluate(
        _ timer: TimerDefinition,
        row original: TimerStatusRow,
        logger log: Logger
    ) async throws -> TimerTickReport.Outcome? {
        var row: TimerStatusRow
        switch try await settle(original, logger: log) {
        case .lost: return nil
        case .busy(let reason): return .busy(reason)
        case .proceed(let settled): row = settled
        }
        if let busy = claimBusy(row) { return busy }
        // The entry was skipped at an earlier tick and is valid again.
        let revived = row.status == .invalid
        if revived {
            row.status = .notScheduled
            row.errorMessage = ""
        }
        if row.status == .started, !row.claimOwner.isEmpty {
            guard let released = try await releaseAbandoned(row, logger: log) else { return nil }
            row = released
        }

        let now = environment.clock.now()
        if row.isLegacy, let tickTime = row.lastOccurrence {
            row.lastServedOccurrence = planner.legacyServedOccurrence(timer, tickTime: tickTime)
        }
        let next = planner.nextOccurrence(timer, now: now)
        switch planner.decide(timer, row: row, now: now) {
        case .idle:
            try await refreshIfStale(timer, row: row, next: next, force: revived)
            return .notDue(next: next)
        case .skip(let occurrence, let lateness):
            return try await recordSkip(timer, row: row, occurrence: occurrence, lateness: lateness, next: next, log)
        case .run(let occurrence, let attempt, let trigger):
            guard
                let claim = try await runner.claim(
                    timer,
                    row: row,
                    occurrence: occurrence,
                    attempt: attempt,
                    trigger: trigger,
                    next: next
                )
            else { return nil }
            let result = await runAndRecord(claim)
            return .ran(occurrence: occurrence, attempt: attempt, result: result)
        }
    }

    /// Runs a claimed run and records it, logging the outcome.
    func runAndRecord(_ claim: ClaimedRun) async -> TimerRunResult {
        let log = runner.logger(for: claim)
        log.info("timer run started", metadata: ["trigger": claim.trigger.label, "attempt": "\(claim.attempt)"])
        let result = await runner.execute(claim)
        await runner.record(claim, result)
        switch result {
        case .completed: log.info("timer run completed")
        case .startedOrchestration(let id): log.info("timer orchestration started", metadata: ["instance": id])
        case .failed(let message): log.error("timer run failed", metadata: ["error": message])
        }
        return result
    }

    /// What the running guard allows.
    enum Settlement {
        /// No orchestration is outstanding (any that ended is settled into this row).
        case proceed(TimerStatusRow)
        /// An orchestration is active, or its state cannot be read.
        case busy(String)
        /// Writing the settled row lost to another writer.
        case lost
    }

    /// The running guard: an active orchestration blocks the timer (and is reported once past its
    /// maximum age); an ended one is settled into the row.
    func settle(_ row: TimerStatusRow, logger log: Logger) async throws -> Settlement {
        switch await OrchestrationGuard(runner: runner).check(row) {
        case .none:
            return .proceed(row)
        case .active(let reason, let overdue):
            if overdue { log.warning("timer orchestration past its maximum age", metadata: ["reason": reason]) }
            return .busy(reason)
        case .unknown(let reason):
            log.warning("timer skipped: its orchestration cannot be checked", metadata: ["reason": reason])
            return .busy(reason)
        case .finished(let settled):
            guard let written = try await rows.update(settled) else { return .lost }
            log.info(
                "timer orchestration ended",
                metadata: ["status": written.status.text, "error": written.errorMessage]
            )
            return .proceed(written)
        }
    }

    /// `busy` while an inline run holds an unexpired claim.
    func claimBusy(_ row: TimerStatusRow) -> TimerTickReport.Outcome? {
        guard row.status == .started, row.claimHeld(at: environment.clock.now()) else { return nil }
        let until = row.claimExpires.map { Timestamp($0).iso8601Trimmed } ?? "?"
        return .busy("claimed by \(row.claimOwner) until \(until)")
    }

    /// A claim that expired without a result: its run died. When the run had already started its
    /// orchestration (it died before recording it), the orchestration is adopted, so the running guard
    /// settles it and nothing runs twice; otherwise the run is marked failed so it can be retried.
    /// `nil` when the row was rewritten (adopted, or changed by another writer): evaluate it afresh.
    private func releaseAbandoned(_ row: TimerStatusRow, logger log: Logger) async throws -> TimerStatusRow? {
        let now = environment.clock.now()
        var released = row
        let expired = row.claimExpires.map { Timestamp($0).iso8601Trimmed } ?? "an unknown time"
        released.claimOwner = ""
        released.claimExpires = nil
        released.claimInstanceId = ""
        if try await startedOrchestration(of: row) {
            released.orchestratorId = row.claimInstanceId
            released.orchestratorStarted = row.lastOccurrence ?? now
            _ = try await rows.update(released)
            log.warning(
                "abandoned timer run had started its orchestration; adopting it",
                metadata: ["owner": row.claimOwner, "orchestration.instance": row.claimInstanceId]
            )
            return nil
        }
        let message =
            "the run claimed by \(row.claimOwner) did not record a result before its claim expired at \(expired)"
        runner.markFailed(&released, message: message, at: now)
        guard let written = try await rows.update(released) else { return nil }
        log.warning("abandoned timer run marked failed", metadata: ["owner": row.claimOwner])
        return written
    }

    /// Whether the abandoned run's orchestration exists. Without a durable client the answer is no:
    /// the run cannot have started one through this app.
    private func startedOrchestration(of row: TimerStatusRow) async throws -> Bool {
        guard !row.claimInstanceId.isEmpty, let durable = environment.durable else { return false }
        return try await durable.instanceStatus(row.claimInstanceId) != nil
    }

    /// Rewrites the row when its catalogue columns, next occurrence or legacy columns are out of date.
    private func refreshIfStale(_ timer: TimerDefinition, row: TimerStatusRow, next: Date?, force: Bool) async throws {
        guard force || row.needsRepair || row.differs(from: timer) || row.nextOccurrence != next else { return }
        var refreshed = row
        refreshed.refresh(from: timer)
        refreshed.nextOccurrence = next
        _ = try await rows.update(refreshed)
    }

    private func recordSkip(
        _ timer: TimerDefinition,
        row: TimerStatusRow,
        occurrence: Date,
        lateness: TimeInterval,
        next: Date?,
        _ log: Logger
    ) async throws -> TimerTickReport.Outcome? {
        let window = timer.catchUpWindow ?? environment.policy.catchUpWindow
        var skipped = row
        skipped.refresh(from: timer)
        skipped.lastServedOccurrence = occurrence
        skipped.attempt = 0
        skipped.retryAt = nil
        skipped.skippedOccurrence = occurrence
        skipped.skipReason =
            "missed by \(TimersError.duration(lateness)), more than the catch-up window of "
            + TimersError.duration(window)
        skipped.nextOccurrence = next
        guard try await rows.update(skipped) != nil else { return nil }
        log.warning(
            "missed timer occurrence skipped",
            metadata: ["occurrence": Timestamp(occurrence).iso8601Trimmed, "reason": skipped.skipReason]
        )
        return .skipped(occurrence: occurrence, lateness: lateness)
    }

    private func logSummary(_ report: TimerTickReport) {
        let ran = report.runs.count
        let busy = report.entries.filter { if case .busy = $0.outcome { return true } else { return false } }.count
        logger.info(
            "timer tick finished",
            metadata: ["timers": "\(report.entries.count)", "ran": "\(ran)", "busy": "\(busy)"]
        )
    }
}
