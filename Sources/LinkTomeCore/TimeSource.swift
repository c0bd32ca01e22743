import Foundation
import Synchronization

/// The wall clock, injected so that scheduling and tests never read the system time directly.
///
/// Orchestration code does not use this: replay takes its time from history.
public protocol TimeSource: Sendable {
    func now() -> Date
}

/// The system clock.
public struct SystemTimeSource: TimeSource {
    public init() {}

    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; for tests and for `--at` runs.
public final class ManualTimeSource: TimeSource {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date {
        current.withLock { $0 }
    }

    /// Sets the time.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }

    /// Moves the time forward by `seconds`.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
