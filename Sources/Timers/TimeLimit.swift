import Foundation
import Synchronization

/// Runs `operation` and returns its result, or throws `timeout()` once `seconds` have passed.
///
/// On timeout the operation's task is cancelled and abandoned: work that ignores cancellation keeps
/// running in the background, but the caller is free to record the failure and go on.
func withTimeLimit<Value: Sendable>(
    seconds: TimeInterval,
    timeout: @escaping @Sendable () -> any Error,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let gate = ResumeGate<Value>()
    let nanoseconds = UInt64(max(0, min(seconds, 1e9)) * 1_000_000_000)
    return try await withCheckedThrowingContinuation { continuation in
        gate.install(continuation)
        let work = Task {
            do {
                gate.resume(with: .success(try await operation()))
            } catch {
                gate.resume(with: .failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(nanoseconds: nanoseconds)
            guard !Task.isCancelled else { return }
            if gate.resume(with: .failure(timeout())) { work.cancel() }
        }
        gate.whenResumed { timer.cancel() }
    }
}

/// Resumes a continuation exactly once, whichever of the work and the timer finishes first.
private final class ResumeGate<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var resumed = false
        var handlers: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `handler` once the gate has resumed (at once if it already has).
    func whenResumed(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.resumed { return true }
            state.handlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    /// Resumes with `result` unless already resumed; returns whether this call resumed.
    @discardableResult
    func resume(with result: Result<Value, any Error>) -> Bool {
        let taken = state.withLock { state -> (CheckedContinuation<Value, any Error>, [@Sendable () -> Void])? in
            guard !state.resumed, let continuation = state.continuation else { return nil }
            state.resumed = true
            state.continuation = nil
            defer { state.handlers = [] }
            return (continuation, state.handlers)
        }
        guard let (continuation, handlers) = taken else { return false }
        continuation.resume(with: result)
        for handler in handlers { handler() }
        return true
    }
}
