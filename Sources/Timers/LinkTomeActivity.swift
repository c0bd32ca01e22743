import Cron
import Durable
import Foundation
import LinkTomeCore
import TableStorage

/// `Receive-LinkTomeActivityTrigger`: runs one work item of an orchestration.
///
/// An item with `FunctionName` goes to the item handler registered under that name (it receives
/// the whole item); an item with `Command` runs that registered timer command with the item's
/// `Parameters`. Failures are thrown as ``ActivityFailure`` so that the orchestration sees the real
/// message (through the Durable module's failure envelope) and its retry policy applies; an unknown
/// name or a malformed item is marked non-retriable, since retrying cannot help.
public struct LinkTomeActivity: Sendable {
    public var environment: TimerEnvironment
    /// The catalogue, to give `Command` items their timer's definition (an ad-hoc one otherwise).
    public var catalogue: TimerCatalogue

    public init(environment: TimerEnvironment, catalogue: TimerCatalogue) {
        self.environment = environment
        self.catalogue = catalogue
    }

    /// Runs `input` (the item JSON) for the orchestration `instanceId` and returns the item's result.
    public func run(_ input: JSONValue, instanceId: String) async throws -> JSONValue {
        let item: ActivityItem
        do {
            item = try ActivityItem(json: input)
        } catch {
            throw ActivityFailure(errorType: "InvalidActivityItem", message: error.description, isNonRetriable: true)
        }
        let logger = environment.logger.with("orchestration.instance", instanceId).with("activity.item", item.label)

        if let name = item.functionName {
            guard let handler = environment.registry.activity(named: name) else {
                let message = TimersError.unknownActivity(name).description
                throw ActivityFailure(errorType: "UnknownActivity", message: message, isNonRetriable: true)
            }
            let context = ActivityContext(
                store: environment.store,
                logger: logger,
                clock: environment.clock,
                settings: environment.settings,
                instanceId: instanceId
            )
            return try await handler.run(item, context: context)
        }
        if let command = item.command {
            return try await runCommand(command, item: item, instanceId: instanceId, logger: logger)
        }
        let message = "the activity item has neither a FunctionName nor a Command: \(input.jsonText.prefix(200))"
        throw ActivityFailure(errorType: "InvalidActivityItem", message: message, isNonRetriable: true)
    }

    private func runCommand(
        _ name: String,
        item: ActivityItem,
        instanceId: String,
        logger: Logger
    ) async throws -> JSONValue {
        guard let command = environment.registry.command(named: name) else {
            let message = TimersError.unknownCommand(name).description
            throw ActivityFailure(errorType: "UnknownCommand", message: message, isNonRetriable: true)
        }
        let now = environment.clock.now()
        let context = TimerCommandContext(
            store: environment.store,
            durable: nil,
            logger: logger,
            clock: environment.clock,
            settings: environment.settings,
            timer: timer(for: command.name),
            occurrence: now,
            trigger: .orchestration(instanceId: instanceId),
            attempt: 1,
            instanceId: instanceId
        )
        switch try await command.run(item.parameters, context: context) {
        case .completed(let result):
            return result
        case .orchestration:
            let reason = "an activity cannot start an orchestration; return the work as batch items instead"
            let message = TimersError.orchestrationUnavailable(command: name, reason: reason).description
            throw ActivityFailure(errorType: "NestedOrchestration", message: message, isNonRetriable: true)
        }
    }

    /// The catalogue timer running `command`, or a stand-in definition when the catalogue has none.
    private func timer(for command: String) -> TimerDefinition {
        if let timer = catalogue.timers.first(where: { $0.command.lowercased() == command.lowercased() }) {
            return timer
        }
        return TimerDefinition(
            id: command,
            command: command,
            cron: "",
            schedule: Self.placeholderSchedule,
            priority: TimerDefinition.defaultPriority
        )
    }

    // A schedule is required by the definition; an ad-hoc command run never consults it.
    private static let placeholderSchedule: CronSchedule = {
        do {
            return try CronSchedule(parsing: "0 0 0 1 1 *")
        } catch {
            preconditionFailure("the constant schedule parses: \(error)")
        }
    }()
}
