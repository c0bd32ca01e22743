import Glibc
import Synchronization

/// The server's open connections, the cap on their number, and graceful stopping.
///
/// A connection is *idle* while it waits for the first byte of a request and *busy* from then until
/// its response is written. Stopping closes the read side of idle connections (waking their threads)
/// and lets busy ones finish their current request. A connection leaves the registry before its
/// descriptor is closed, so a descriptor the registry touches is always still open.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var fd: Int32
        var busy: Bool
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        var stopping = false
        var acceptorRunning = false
        var listenFD: Int32 = -1
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Why a new connection was not registered.
    enum Refusal: Error {
        case stopping
        case atCapacity
    }

    private let state = Mutex(State())
    let maxConnections: Int

    init(maxConnections: Int) {
        self.maxConnections = max(1, maxConnections)
    }

    var isStopping: Bool { state.withLock { $0.stopping } }

    var count: Int { state.withLock { $0.entries.count } }

    func acceptorStarted(listenFD: Int32) {
        state.withLock {
            $0.acceptorRunning = true
            $0.listenFD = listenFD
        }
    }

    /// Called by the accept thread as it exits, after closing the listening socket.
    func acceptorStopped() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.acceptorRunning = false
            state.listenFD = -1
            return takeWaitersIfDone(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Adds an accepted connection, idle until its first request starts.
    func register(fd: Int32) -> Result<Int, Refusal> {
        state.withLock { state in
            if state.stopping { return .failure(.stopping) }
            if state.entries.count >= maxConnections { return .failure(.atCapacity) }
            state.nextID += 1
            state.entries[state.nextID] = Entry(fd: fd, busy: false)
            return .success(state.nextID)
        }
    }

    /// Marks a connection busy or idle; returns `false` when the server is stopping.
    @discardableResult
    func setBusy(_ id: Int, _ busy: Bool) -> Bool {
        state.withLock { state in
            state.entries[id]?.busy = busy
            return !state.stopping
        }
    }

    /// Removes a connection; call before closing its descriptor.
    func remove(_ id: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.entries[id] = nil
            return takeWaitersIfDone(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops accepting and wakes idle connections so that they close; busy ones close after their
    /// response. With `force`, busy connections are cut off as well.
    func beginStop(force: Bool = false) {
        state.withLock { state in
            if !state.stopping, state.listenFD >= 0 {
                shutdown(state.listenFD, Int32(SHUT_RDWR))
            }
            state.stopping = true
            for entry in state.entries.values where !entry.busy || force {
                shutdown(entry.fd, force ? Int32(SHUT_RDWR) : Int32(SHUT_RD))
            }
        }
    }

    /// Returns once stopping has begun, the accept thread has exited and every connection has closed.
    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.stopping, !state.acceptorRunning, state.entries.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func takeWaitersIfDone(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard state.stopping, !state.acceptorRunning, state.entries.isEmpty else { return [] }
        defer { state.waiters = [] }
        return state.waiters
    }
}
