import Glibc
import Synchronization

/// Lets a cancelled task interrupt the blocking I/O of its request: cancelling shuts down the socket
/// the request is using, which makes the blocked read or write fail at once.
final class Cancellation: Sendable {
    private struct State {
        var cancelled = false
        var expired = false
        var fd: Int32 = -1
    }

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Whether the cancellation came from the request's deadline rather than from its task.
    var hasExpired: Bool { state.withLock { $0.expired } }

    /// Starts watching `fd`; `false` when already cancelled.
    func attach(_ fd: Int32) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.fd = fd
            return true
        }
    }

    /// Stops watching; call before the descriptor is closed or handed on.
    func detach() {
        state.withLock { $0.fd = -1 }
    }

    /// Cancels the request; `expired` says it ran out of time (reported as a timeout, not a cancellation).
    func cancel(expired: Bool = false) {
        state.withLock { state in
            if expired, !state.cancelled { state.expired = true }
            state.cancelled = true
            if state.fd >= 0 { shutdown(state.fd, Int32(SHUT_RDWR)) }
        }
    }
}
