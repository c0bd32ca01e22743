import Dispatch
import Synchronization

/// A task executor that runs jobs on the thread that calls ``run(_:)``.
///
/// Each server connection owns one. The request handler is an async closure; running it as a task
/// that prefers this executor keeps the whole request on the connection's thread (read, handle,
/// write), so a request costs no thread hop, and a handler that computes for a long time only holds
/// up its own connection. Jobs that arrive while no `run` is draining (from unstructured tasks that
/// outlive a handler) go to the global executor instead of waiting for the next request.
final class ConnectionExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var draining = false
        var sleeping = false
        var finished = false
    }

    private enum Placement {
        case queued
        case queuedAndWake
        case forwarded
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let placement = state.withLock { state -> Placement in
            guard state.draining else { return .forwarded }
            state.jobs.append(unowned)
            guard state.sleeping else { return .queued }
            state.sleeping = false
            return .queuedAndWake
        }
        switch placement {
        case .queued: break
        case .queuedAndWake: wakeup.signal()
        case .forwarded: globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
        }
    }

    /// Runs `operation` as a task on the calling thread and returns its result.
    func run<Result: Sendable>(_ operation: @escaping @Sendable () async -> Result) -> Result? {
        state.withLock {
            $0.draining = true
            $0.finished = false
        }
        let box = ResultBox<Result>()
        Task(executorPreference: self) {
            box.set(await operation())
            self.finish()
        }
        drain()
        return box.take()
    }

    /// Runs `operation` on the global concurrent executor while the calling thread waits; the
    /// alternative placement, kept for measuring against ``run(_:)``.
    static func runOnGlobalExecutor<Result: Sendable>(
        _ operation: @escaping @Sendable () async -> Result
    ) -> Result? {
        let box = ResultBox<Result>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.set(await operation())
            done.signal()
        }
        done.wait()
        return box.take()
    }

    private func finish() {
        let wake = state.withLock { state -> Bool in
            state.finished = true
            guard state.sleeping else { return false }
            state.sleeping = false
            return true
        }
        if wake { wakeup.signal() }
    }

    /// Runs queued jobs until the task of the current `run` has finished.
    private func drain() {
        var batch: [UnownedJob] = []
        while true {
            let done = state.withLock { state -> Bool in
                swap(&batch, &state.jobs)
                guard batch.isEmpty else { return false }
                if state.finished {
                    state.draining = false
                    return true
                }
                state.sleeping = true
                return false
            }
            if done { return }
            if batch.isEmpty {
                wakeup.wait()
                continue
            }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

/// Carries a task's result back to the thread waiting for it.
final class ResultBox<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)

    func set(_ newValue: Value) {
        value.withLock { $0 = newValue }
    }

    /// The value, once set.
    func take() -> Value? {
        value.withLock { $0.take() }
    }
}
