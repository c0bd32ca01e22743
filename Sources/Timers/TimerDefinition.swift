import Cron
import Foundation
import LinkTomeCore

/// One valid timer of the catalogue (`LinkTomeTimers.json`), with its schedule parsed.
public struct TimerDefinition: Sendable, Hashable {
    /// The `Id`: the status row's RowKey.
    public var id: String
    /// The `Command`, as registered.
    public var command: String
    /// The `Description` (display only).
    public var description: String
    /// The `Cron` text as written.
    public var cron: String
    /// The parsed schedule.
    public var schedule: CronSchedule
    /// `Priority`: lower runs first; 99 when absent (as the original).
    public var priority: Int
    /// `RunOnProcessor`: only instances in the processor role run it (default `true`).
    public var runOnProcessor: Bool
    /// `IsSystem` (display only; default `false`).
    public var isSystem: Bool
    /// `Parameters`: an object handed to the command (default `{}`).
    public var parameters: JSONValue
    /// `PreferredProcessor` (stored and shown; default empty).
    public var preferredProcessor: String
    /// `TimeZone`: an IANA zone that overrides the app's schedule zone for this timer.
    public var timeZone: TimeZone?
    /// `CatchUpWindow`: how late (seconds) a missed occurrence may still run; overrides the app setting.
    public var catchUpWindow: TimeInterval?
    /// The 1-based position in the catalogue file; breaks ties between equal priorities.
    public var position: Int

    public init(
        id: String,
        command: String,
        description: String = "",
        cron: String,
        schedule: CronSchedule,
        priority: Int = TimerDefinition.defaultPriority,
        runOnProcessor: Bool = true,
        isSystem: Bool = false,
        parameters: JSONValue = [:],
        preferredProcessor: String = "",
        timeZone: TimeZone? = nil,
        catchUpWindow: TimeInterval? = nil,
        position: Int = 0
    ) {
        self.id = id
        self.command = command
        self.description = description
        self.cron = cron
        self.schedule = schedule
        self.priority = priority
        self.runOnProcessor = runOnProcessor
        self.isSystem = isSystem
        self.parameters = parameters
        self.preferredProcessor = preferredProcessor
        self.timeZone = timeZone
        self.catchUpWindow = catchUpWindow
        self.position = position
    }

    /// The priority of an entry without one, as the original.
    public static let defaultPriority = 99

    /// The zone this timer's schedule is read in.
    public func zone(default appZone: TimeZone) -> TimeZone {
        timeZone ?? appZone
    }

    /// Whether `self` runs before `other`: lower priority first, then catalogue order.
    public func runsBefore(_ other: TimerDefinition) -> Bool {
        (priority, position) < (other.priority, other.position)
    }
}
