import Foundation
import LinkTomeCore

/// The Swift code behind the catalogue: timer commands by `Command` name and activity item
/// handlers by `FunctionName`. Names match ignoring case, as PowerShell resolved them.
///
/// Adding a timer means one catalogue entry plus one `register` call here; adding a kind of
/// orchestration work item means one `registerActivity` call.
///
/// ```swift
/// var registry = TimerRegistry()
/// registry.register("Start-RefreshTokenCleanup") { context in
///     .completed(["DeletedCount": 0])
/// }
/// registry.register("Start-BillingOrchestrator") { context in
///     .orchestration(OrchestratorInput(name: "Billing", batch: [ActivityItem(functionName: "BillingSync")]))
/// }
/// registry.registerActivity("BillingSync") { item, context in
///     ["Synced": true]
/// }
/// ```
public struct TimerRegistry: Sendable {
    private var commands: [String: RegisteredCommand] = [:]
    private var activities: [String: RegisteredActivity] = [:]

    public init() {}

    /// The registered command names, sorted.
    public var commandNames: [String] { commands.values.map(\.name).sorted() }

    /// The registered activity function names, sorted.
    public var activityNames: [String] { activities.values.map(\.name).sorted() }

    /// The command registered under `name` (ignoring case).
    public func command(named name: String) -> RegisteredCommand? {
        commands[name.lowercased()]
    }

    /// The activity item handler registered under `name` (ignoring case).
    public func activity(named name: String) -> RegisteredActivity? {
        activities[name.lowercased()]
    }

    /// Registers a command type under its `name`; a later registration of the same name replaces it.
    public mutating func register<Command: TimerCommand>(_ command: Command) {
        register(Command.name, parameters: Command.Parameters.self) { parameters, context in
            try await command.run(parameters, context: context)
        }
    }

    /// Registers a command with typed parameters decoded from the catalogue's `Parameters`.
    public mutating func register<Parameters: Decodable & Sendable>(
        _ name: String,
        parameters: Parameters.Type,
        _ run: @escaping @Sendable (Parameters, TimerCommandContext) async throws -> TimerCommandOutcome
    ) {
        let check: @Sendable (JSONValue) throws(TimersError) -> Void = { value throws(TimersError) in
            _ = try ParameterDecoding.decode(Parameters.self, from: value, for: name)
        }
        let work: @Sendable (JSONValue, TimerCommandContext) async throws -> TimerCommandOutcome = { value, context in
            try await run(try ParameterDecoding.decode(Parameters.self, from: value, for: name), context)
        }
        commands[name.lowercased()] = RegisteredCommand(name: name, check: check, work: work)
    }

    /// Registers a command that takes no parameters.
    public mutating func register(
        _ name: String,
        _ run: @escaping @Sendable (TimerCommandContext) async throws -> TimerCommandOutcome
    ) {
        register(name, parameters: NoParameters.self) { _, context in try await run(context) }
    }

    /// Registers an activity item handler for items whose `FunctionName` is `name`. It receives the
    /// whole item and returns the item's result (collected into the orchestration's output).
    /// Throwing fails the item; the orchestrator retries it up to `MaxAttempts`.
    public mutating func registerActivity(
        _ name: String,
        _ handler: @escaping @Sendable (ActivityItem, ActivityContext) async throws -> JSONValue
    ) {
        activities[name.lowercased()] = RegisteredActivity(name: name, handler: handler)
    }

    /// Registers an activity item handler whose item `Parameters` decode to `Parameters`.
    public mutating func registerActivity<Parameters: Decodable & Sendable>(
        _ name: String,
        parameters: Parameters.Type,
        _ handler: @escaping @Sendable (Parameters, ActivityItem, ActivityContext) async throws -> JSONValue
    ) {
        registerActivity(name) { item, context in
            let decoded = try ParameterDecoding.decode(Parameters.self, from: item.parameters, for: name)
            return try await handler(decoded, item, context)
        }
    }
}

/// An activity item handler as the registry keeps it.
public struct RegisteredActivity: Sendable {
    /// The `FunctionName` as registered.
    public let name: String
    let handler: @Sendable (ActivityItem, ActivityContext) async throws -> JSONValue

    /// Runs the handler.
    public func run(_ item: ActivityItem, context: ActivityContext) async throws -> JSONValue {
        try await handler(item, context)
    }
}

/// Decodes typed parameters from a JSON value with a message fit for a log line.
enum ParameterDecoding {
    static func decode<Value: Decodable>(
        _ type: Value.Type,
        from value: JSONValue,
        for name: String
    ) throws(TimersError) -> Value {
        let object: JSONValue
        switch value {
        case .null: object = .object([:])
        case .object: object = value
        default: throw .invalidParameters(command: name, reason: "expected an object, found \(kind(of: value))")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(object.jsonBytes))
        } catch let error as DecodingError {
            throw .invalidParameters(command: name, reason: describe(error))
        } catch {
            throw .invalidParameters(command: name, reason: "\(error)")
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .integer, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(typeName(type))"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "the parameters" }
        return "'" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
    }

    private static func typeName(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "Int", "Int32", "Int64", "UInt", "Double", "Float": return "a number (\(name))"
        case "Bool": return "true or false"
        case "String": return "a string"
        default: return name
        }
    }
}
