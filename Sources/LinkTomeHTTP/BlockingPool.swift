import Dispatch
import Synchronization

/// Threads for blocking client I/O, so that awaiting a response never blocks a thread of the Swift
/// concurrency pool. Threads start on demand up to a cap and then stay for later requests.
final class BlockingPool: Sendable {
    static let shared = BlockingPool(maxThreads: 64)

    private struct State {
        var queue: [@Sendable () -> Void] = []
        var idle = 0
        var threads = 0
    }

    private enum Action {
        case none
        case wake
        case spawn
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    let maxThreads: Int

    init(maxThreads: Int) {
        self.maxThreads = maxThreads
    }

    /// Runs `work` on a pool thread.
    func submit(_ work: @escaping @Sendable () -> Void) {
        let action = state.withLock { state -> Action in
            state.queue.append(work)
            if state.idle > 0 {
                state.idle -= 1
                return .wake
            }
            guard state.threads < maxThreads else { return .none }
            state.threads += 1
            return .spawn
        }
        switch action {
        case .none: break
        case .wake: wakeup.signal()
        case .spawn: spawn()
        }
    }

    private func spawn() {
        do {
            try startThread(name: "http-client", stackSize: 1 << 20) { [self] in workLoop() }
        } catch {
            // Without a new thread the queued work still has to run; the threads already running
            // will take it, and with none at all it runs here.
            let orphaned = state.withLock { state -> [@Sendable () -> Void] in
                state.threads -= 1
                guard state.threads == 0 else { return [] }
                defer { state.queue = [] }
                return state.queue
            }
            for work in orphaned { work() }
        }
    }

    private func workLoop() {
        while true {
            let work = state.withLock { state -> (@Sendable () -> Void)? in
                guard !state.queue.isEmpty else {
                    state.idle += 1
                    return nil
                }
                return state.queue.removeFirst()
            }
            if let work {
                work()
            } else {
                wakeup.wait()
            }
        }
    }
}
