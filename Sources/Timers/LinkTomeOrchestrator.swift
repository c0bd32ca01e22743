import Durable
import LinkTomeCore

/// `Receive-LinkTomeOrchestrationTrigger`: the one generic orchestrator. It runs a batch of work
/// items through the `LinkTomeActivity` function and reports, truthfully, how many succeeded.
///
/// Input: ``OrchestratorInput`` (`OrchestratorName`, `DurableMode`, `Batch` or `QueueFunction`,
/// `PostExecution`, `MaxAttempts`). FanOut schedules every item at once (or `MaxConcurrency` at a
/// time) and waits for all; Sequence runs them in order and stops at the first failure; both retry
/// an item up to `MaxAttempts` times, 5 s after the first failure and twice as long after each
/// further one. NoScaling runs them in order without retries. `PostExecution` runs after the
/// batch with `Results` (and `Summary`), even when items failed, with the same retry policy as
/// FanOut and Sequence items (in every mode); when it finally fails, the output's `Status` is
/// `Failed` and `OrchestrationError` names it.
///
/// The custom status carries the name and progress; the output is an ``OrchestrationSummary``
/// whose `Status` is `Failed` when any item failed (the orchestration itself still completes, so
/// that the counts and messages reach the timer's status row). An unusable input fails it.
public enum LinkTomeOrchestrator {
    /// The orchestrator function's name (the `LinkTomeOrchestrator` folder).
    public static let name = "LinkTomeOrchestrator"
    /// The activity function every item runs in (the `LinkTomeActivity` folder).
    public static let activityName = "LinkTomeActivity"

    /// Registers the orchestrator.
    public static func register(in registry: inout OrchestratorRegistry) {
        registry.register(name) { context in try await run(context) }
    }

    /// The retry policy for FanOut and Sequence items.
    public static func retryPolicy(maxAttempts: Int) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, firstInterval: 5, backoffCoefficient: 2)
    }

    static func run(_ context: OrchestrationContext) async throws -> JSONValue {
        let input: OrchestratorInput
        do {
            input = try OrchestratorInput(json: context.input)
        } catch {
            throw ActivityFailure(
                errorType: "InvalidOrchestratorInput",
                message: error.description,
                isNonRetriable: true
            )
        }
        var progress = BatchProgress(name: input.name)
        context.setCustomStatus(progress.status(stage: "Starting"))

        let batch = try await resolveBatch(input, context: context, progress: &progress)
        progress.total = batch.count
        context.setCustomStatus(progress.status(stage: "Running"))
        context.logger.info(
            "orchestration batch started",
            metadata: ["items": "\(batch.count)", "mode": input.mode.rawValue]
        )

        switch input.mode {
        case .fanOut: try await fanOut(batch, input: input, context: context, progress: &progress)
        case .sequence: try await inOrder(batch, retry: retryPolicy(maxAttempts: input.maxAttempts), context, &progress)
        case .noScaling: try await inOrder(batch, retry: nil, context, &progress)
        }
        try await postExecution(input, context: context, progress: &progress)

        let summary = progress.summary
        context.setCustomStatus(progress.status(stage: summary.statusText))
        context.logger.info(
            "orchestration batch finished",
            metadata: [
                "succeeded": "\(summary.succeeded)", "failed": "\(summary.failed)", "status": summary.statusText,
            ]
        )
        return summary.json
    }

    /// `Batch`, or the items the `QueueFunction` activity returns.
    private static func resolveBatch(
        _ input: OrchestratorInput,
        context: OrchestrationContext,
        progress: inout BatchProgress
    ) async throws -> [ActivityItem] {
        guard input.batch.isEmpty, let queue = input.queueFunction else { return input.batch }
        do {
            let produced = try await context.callActivity(activityName, input: queue.json).value
            let items = produced.arrayValue ?? (produced.isNull ? [] : [produced])
            return items.compactMap { try? ActivityItem(json: $0) }.filter {
                $0.functionName != nil || $0.command != nil
            }
        } catch let interrupted as OrchestrationInterrupted {
            throw interrupted
        } catch {
            progress.orchestrationError = "QueueFunction \(queue.label) failed: \(message(of: error))"
            return []
        }
    }

    /// Runs the batch in windows of `MaxConcurrency` items (all at once without it).
    private static func fanOut(
        _ batch: [ActivityItem],
        input: OrchestratorInput,
        context: OrchestrationContext,
        progress: inout BatchProgress
    ) async throws {
        let retry = retryPolicy(maxAttempts: input.maxAttempts)
        let window = max(1, input.maxConcurrency ?? batch.count)
        var start = 0
        while start < batch.count {
            let items = Array(batch[start..<min(start + window, batch.count)])
            let tasks = items.map { context.callActivity(activityName, input: $0.json, retry: retry) }
            let outcomes = try await context.whenAllSettled(tasks)
            for (item, outcome) in zip(items, outcomes) { progress.record(item, outcome) }
            context.setCustomStatus(progress.status(stage: "Running"))
            start += window
        }
    }

    /// Runs the batch one item at a time; the first failure leaves the rest not run.
    private static func inOrder(
        _ batch: [ActivityItem],
        retry: RetryPolicy?,
        _ context: OrchestrationContext,
        _ progress: inout BatchProgress
    ) async throws {
        for (index, item) in batch.enumerated() {
            let outcome = try await settle(context.callActivity(activityName, input: item.json, retry: retry))
            progress.record(item, outcome)
            context.setCustomStatus(progress.status(stage: "Running"))
            if case .failure = outcome {
                progress.notRun = batch.count - index - 1
                return
            }
        }
    }

    private static func postExecution(
        _ input: OrchestratorInput,
        context: OrchestrationContext,
        progress: inout BatchProgress
    ) async throws {
        guard var post = input.postExecution else { return }
        post.extra["Results"] = .array(progress.results)
        post.extra["Summary"] = progress.summary.countsJSON
        context.setCustomStatus(progress.status(stage: "PostExecution"))
        let retry = retryPolicy(maxAttempts: input.maxAttempts)
        let task = context.callActivity(activityName, input: post.json, retry: retry)
        if case .failure(let error) = try await settle(task) {
            progress.orchestrationError = "PostExecution \(post.label) failed: \(message(of: error))"
        }
    }

    /// The task's result or failure; only an interrupted episode propagates.
    private static func settle(_ task: DurableTask) async throws -> Result<JSONValue, any Error> {
        do {
            return .success(try await task.value)
        } catch let interrupted as OrchestrationInterrupted {
            throw interrupted
        } catch {
            return .failure(error)
        }
    }

    /// The activity's own message for a failed item.
    static func message(of error: any Error) -> String {
        guard let failed = error as? ActivityFailed else { return String(describing: error) }
        let tries = failed.attempts > 1 ? " (after \(failed.attempts) attempts)" : ""
        return failed.message + tries
    }
}

/// Counts and results of a batch as it runs.
struct BatchProgress {
    var name: String
    var total = 0
    var succeeded = 0
    var failed = 0
    var notRun = 0
    var errors: [OrchestrationSummary.ItemError] = []
    var results: [JSONValue] = []
    var orchestrationError: String?

    init(name: String) {
        self.name = name
    }

    mutating func record(_ item: ActivityItem, _ outcome: Result<JSONValue, any Error>) {
        switch outcome {
        case .success(let value):
            succeeded += 1
            results.append(value)
        case .failure(let error):
            failed += 1
            errors.append(.init(item: item.label, message: LinkTomeOrchestrator.message(of: error)))
        }
    }

    var summary: OrchestrationSummary {
        OrchestrationSummary(
            name: name,
            total: total,
            succeeded: succeeded,
            failed: failed,
            errors: errors,
            results: results,
            notRun: notRun,
            orchestrationError: orchestrationError
        )
    }

    /// The custom status: name, stage and counts.
    func status(stage: String) -> JSONValue {
        [
            "OrchestratorName": .string(name), "Stage": .string(stage), "Total": .integer(Int64(total)),
            "Succeeded": .integer(Int64(succeeded)), "Failed": .integer(Int64(failed)),
        ]
    }
}
