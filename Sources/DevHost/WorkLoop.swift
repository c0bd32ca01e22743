import Synchronization

/// A signal that wakes a waiting loop early; a signal sent while nobody waits is kept for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    /// Wakes the waiting loop, or the next one to wait.
    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when signalled or after `milliseconds`.
    func wait(milliseconds: Int) async {
        let generation = state.withLock { state -> Int? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        let timer = Task { [self] in
            try? await Task.sleep(for: .milliseconds(milliseconds))
            expire(generation)
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending || state.generation != generation {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func expire(_ generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}

/// Runs work items found by `fetch` with at most `limit` at once, polling every `pollMilliseconds`
/// and at once when woken.
final class WorkLoop<Key: Hashable & Sendable>: Sendable {
    private let limit: Int
    private let pollMilliseconds: Int
    private let wakeup: Wakeup
    private let fetch: @Sendable (Int) async -> [Key]
    private let process: @Sendable (Key) async -> Void
    private let state = Mutex<(inFlight: Set<Key>, stopped: Bool)>(([], false))

    init(
        limit: Int,
        pollMilliseconds: Int,
        wakeup: Wakeup,
        fetch: @escaping @Sendable (Int) async -> [Key],
        process: @escaping @Sendable (Key) async -> Void
    ) {
        self.limit = max(1, limit)
        self.pollMilliseconds = pollMilliseconds
        self.wakeup = wakeup
        self.fetch = fetch
        self.process = process
    }

    /// How many items are being processed.
    var busy: Int { state.withLock { $0.inFlight.count } }

    /// Loops until ``stop()``; returns once the items in progress have finished.
    func run() async {
        await withDiscardingTaskGroup { group in
            while !state.withLock({ $0.stopped }) {
                let free = limit - busy
                var started = 0
                if free > 0 {
                    for key in await fetch(free * 2) where started < free {
                        let admitted = state.withLock { state -> Bool in
                            guard !state.stopped, !state.inFlight.contains(key) else { return false }
                            state.inFlight.insert(key)
                            return true
                        }
                        guard admitted else { continue }
                        started += 1
                        group.addTask { [self] in
                            await process(key)
                            _ = state.withLock { $0.inFlight.remove(key) }
                            wakeup.signal()
                        }
                    }
                }
                if started == 0 { await wakeup.wait(milliseconds: pollMilliseconds) }
            }
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
        wakeup.signal()
    }
}
