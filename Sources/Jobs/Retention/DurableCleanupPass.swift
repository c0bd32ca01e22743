import Foundation
import LinkTomeCore

/// The terminate and purge phases of one durable cleanup run, with their counts.
struct DurableCleanupPass {
    /// Instances listed per request when looking for stuck ones.
    static let listPageSize = 100
    /// A safety stop for a run whose budget never ends (a stalled clock in tests).
    static let maximumSlices = 10_000

    let client: any DurableMaintenanceClient
    let now: Date
    let configuration: DurableCleanup.Configuration
    let deadline: ContinuousClock.Instant
    let logger: Logger

    var counts = RetentionSummary(command: DurableCleanup.command, target: "task hub")
    var slices = 0
    var purgeFinished = false
    var budgetExhausted = false

    var withinBudget: Bool { ContinuousClock.now < deadline }

    /// Terminates every instance running or pending since before now minus the maximum age.
    mutating func terminateStuck() async throws {
        let threshold = now.addingTimeInterval(-configuration.maxRunning)
        var continuation: String?
        var seen: Set<String> = []
        repeat {
            guard withinBudget else {
                budgetExhausted = true
                return
            }
            let page: DurableInstancePage
            do {
                page = try await client.listInstances(
                    statuses: DurableCleanup.stuckStatuses,
                    createdTo: threshold,
                    top: Self.listPageSize,
                    continuation: continuation
                )
            } catch {
                try fail("list", error)
                return
            }
            for instance in page.instances where instance.isActive {
                counts.examined += 1
                if let created = instance.createdTime, created > threshold { continue }
                try await terminate(instance)
            }
            continuation = page.continuation
            if let token = continuation, !seen.insert(token).inserted {
                try fail(
                    "list",
                    RetentionError.durableRequestFailed(operation: "list", detail: "token \(token) repeated")
                )
                return
            }
        } while continuation != nil
    }

    private mutating func terminate(_ instance: DurableInstanceSummary) async throws {
        let since = instance.createdTime.map { Timestamp($0).iso8601Trimmed } ?? "an unknown time"
        let reason =
            "Terminated by \(DurableCleanup.command): \(instance.runtimeStatus) since \(since), "
            + "longer than the maximum of \(Int(configuration.maxRunning)) seconds"
        do {
            switch try await client.terminateInstance(instance.instanceId, reason: reason) {
            case .accepted:
                counts.countChanged("terminated")
                logger.warning(reason, metadata: ["instanceId": instance.instanceId])
            case .alreadyEnded: counts.countKept("alreadyEnded")
            case .notFound: counts.vanished += 1
            }
        } catch {
            try fail("terminate", error, instance: instance.instanceId)
        }
    }

    /// Purges ended instances created before `cutoff`, newest slice first, until a slice finds
    /// nothing and nothing older is left, or the budget ends.
    mutating func purge(before cutoff: Date) async throws {
        var upper = cutoff.addingTimeInterval(-0.001)
        var width = configuration.initialSlice
        while slices < Self.maximumSlices {
            guard withinBudget else {
                budgetExhausted = true
                return
            }
            let lower = upper.addingTimeInterval(-width)
            let purged: Int
            do {
                purged = try await client.purgeInstances(
                    createdFrom: lower,
                    createdTo: upper,
                    statuses: DurableCleanup.purgedStatuses
                )
            } catch {
                try fail("purge", error)
                return
            }
            slices += 1
            counts.countDeleted("purged", purged)
            width = nextWidth(after: purged, width: width)
            upper = lower
            guard purged == 0 else { continue }
            // The listing's order is not creation order, so an older instance says only that the
            // walk must go on, not how far: empty slices double the width (up to the maximum).
            switch try await anyRemaining(before: upper) {
            case true?: continue
            case false?: purgeFinished = true
            case nil: break
            }
            return
        }
    }

    /// Halves the width after a slice that purged over twice the target, doubles it after one
    /// that purged under a quarter of it.
    private func nextWidth(after purged: Int, width: Double) -> Double {
        if purged > configuration.targetPerSlice * 2 { return max(1, width / 2) }
        if purged < configuration.targetPerSlice / 4 { return min(configuration.maximumSlice, width * 2) }
        return width
    }

    /// Whether an ended instance created at or before `date` remains; `nil` when the search failed
    /// or could not finish (the next run looks again). Empty pages with a continuation (the service
    /// may send them) are followed while the budget lasts.
    private mutating func anyRemaining(before date: Date) async throws -> Bool? {
        var continuation: String?
        var seen: Set<String> = []
        repeat {
            let page: DurableInstancePage
            do {
                page = try await client.listInstances(
                    statuses: DurableCleanup.purgedStatuses,
                    createdTo: date,
                    top: 1,
                    continuation: continuation
                )
            } catch {
                try fail("list", error)
                return nil
            }
            if !page.instances.isEmpty { return true }
            continuation = page.continuation
            if let token = continuation, !seen.insert(token).inserted { return nil }
        } while continuation != nil && withinBudget
        return continuation == nil ? false : nil
    }

    /// Counts a failed request by operation; cancellation is rethrown.
    private mutating func fail(_ operation: String, _ error: any Error, instance: String? = nil) throws {
        if error is CancellationError { throw error }
        counts.countFailed(operation)
        var metadata = ["operation": operation, "error": String(describing: error)]
        if let instance { metadata["instanceId"] = instance }
        logger.warning("durable cleanup request failed; the next run retries", metadata: metadata)
    }

    /// The run's summary.
    func summary(cutoff: Timestamp) -> RetentionSummary {
        var summary = counts
        let purged = summary.deletedBy["purged"] ?? 0
        let terminated = summary.changedBy["terminated"] ?? 0
        let settled = summary.changedBy["timerSettled"] ?? 0
        if summary.nothingToDo && purgeFinished {
            summary.message =
                "Nothing to clean: no ended instances created before \(RetentionTime.text(cutoff)), "
                + "none running longer than \(Int(configuration.maxRunning)) seconds, no timer rows to settle"
        } else {
            summary.message =
                "Purged \(purged) ended instances created before \(RetentionTime.text(cutoff)) "
                + "in \(slices) slices; terminated \(terminated); settled \(settled) timer rows"
            if budgetExhausted { summary.message += "; the time budget ended, the next run continues" }
            if summary.failed > 0 {
                summary.message +=
                    "; \(summary.failed) requests failed (\(RetentionSummary.describe(summary.failedBy)))"
            }
        }
        summary.payload = [
            "PurgedCount": .integer(Int64(purged)),
            "TerminatedCount": .integer(Int64(terminated)),
            "TimersSettled": .integer(Int64(settled)),
            "Slices": .integer(Int64(slices)),
            "MoreRemaining": .bool(!purgeFinished),
            "RetentionDays": .integer(Int64(configuration.retentionDays)),
            "MaxDurationSeconds": .integer(Int64(configuration.maxRunning)),
            "Cutoff": .string(RetentionTime.text(cutoff)),
        ]
        return summary
    }
}
