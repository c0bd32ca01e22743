import Glibc
import Synchronization

/// The server's open connections, the cap on their number, and graceful stopping.
///
/// A connection is *idle* while it waits for a request or receives one, and *busy* from the moment a
/// complete request goes to the handler until its response is written. Stopping closes the read side
/// of idle connections (waking their threads, and dropping requests that are only partly received)
/// and lets busy ones finish their current request. The per-request bookkeeping is two atomic
/// stores and a load, so that connections never contend for a lock: a connection marks itself idle
/// and then checks `isStopping`, while `beginStop` sets `isStopping` and then looks for idle
/// connections, so at least one side always sees the other. A connection leaves the registry before
/// its descriptor is closed, so a descriptor the registry touches is always still open.
final class ConnectionRegistry: Sendable {
    /// One registered connection.
    final class Slot: Sendable {
        let id: Int
        let fd: Int32
        private let busy = Atomic<Bool>(false)

        init(id: Int, fd: Int32) {
            self.id = id
            self.fd = fd
        }

        var isBusy: Bool { busy.load(ordering: .sequentiallyConsistent) }

        func setBusy(_ value: Bool) {
            busy.store(value, ordering: .sequentiallyConsistent)
        }
    }

    private struct State {
        var slots: [Int: Slot] = [:]
        var nextID = 0
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
    private let stopping = Atomic<Bool>(false)
    let maxConnections: Int

    init(maxConnections: Int) {
        self.maxConnections = max(1, maxConnections)
    }

    var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    var count: Int { state.withLock { $0.slots.count } }

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
    func register(fd: Int32) -> Result<Slot, Refusal> {
        state.withLock { state in
            if isStopping { return .failure(.stopping) }
            if state.slots.count >= maxConnections { return .failure(.atCapacity) }
            state.nextID += 1
            let slot = Slot(id: state.nextID, fd: fd)
            state.slots[slot.id] = slot
            return .success(slot)
        }
    }

    /// Marks a connection idle after a response; `false` when the server is stopping and the
    /// connection should close.
    func markIdle(_ slot: Slot) -> Bool {
        slot.setBusy(false)
        return !isStopping
    }

    /// Removes a connection; call before closing its descriptor.
    func remove(_ slot: Slot) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.slots[slot.id] = nil
            return takeWaitersIfDone(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops accepting and wakes idle connections so that they close; busy ones close after their
    /// response. With `force`, busy connections are cut off as well.
    func beginStop(force: Bool = false) {
        let wasStopping = stopping.exchange(true, ordering: .sequentiallyConsistent)
        state.withLock { state in
            if !wasStopping, state.listenFD >= 0 {
                shutdown(state.listenFD, Int32(SHUT_RDWR))
            }
            for slot in state.slots.values where force || !slot.isBusy {
                shutdown(slot.fd, force ? Int32(SHUT_RDWR) : Int32(SHUT_RD))
            }
        }
    }

    /// Returns once stopping has begun, the accept thread has exited and every connection has closed.
    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if isStopping, !state.acceptorRunning, state.slots.isEmpty { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func takeWaitersIfDone(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard isStopping, !state.acceptorRunning, state.slots.isEmpty else { return [] }
        defer { state.waiters = [] }
        return state.waiters
    }
}
