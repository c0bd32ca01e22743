import LinkTomeCore

/// How `LinkTomeOrchestrator` schedules the items of a batch.
public enum DurableMode: String, Sendable, Hashable, CaseIterable {
    /// Every item at once (bounded by `MaxConcurrency` when given), with retries; the default.
    case fanOut = "FanOut"
    /// One item after another, with retries; a failing item stops the rest.
    case sequence = "Sequence"
    /// One item after another, no retries; a failing item stops the rest.
    case noScaling = "NoScaling"

    /// Reads a mode ignoring case; anything else (or nothing) is `FanOut`, as in the original.
    public init(lenient text: String?) {
        let lowered = text?.lowercased()
        self = DurableMode.allCases.first { $0.rawValue.lowercased() == lowered } ?? .fanOut
    }
}

/// One work item of an orchestration, as `LinkTomeActivity` receives it: either a registered item
/// handler (`FunctionName`) or a timer command (`Command`), with `Parameters` and any other keys
/// the caller wants to carry (`TaskName` names the item in errors and progress).
public struct ActivityItem: Sendable, Hashable {
    /// The item handler to run (`registerActivity` name).
    public var functionName: String?
    /// The timer command to run, when no `functionName` is given.
    public var command: String?
    /// The item's parameters (an object).
    public var parameters: JSONValue
    /// Other keys of the item, kept as they are (`TaskName`, `Results` for PostExecution, …).
    public var extra: [String: JSONValue]

    /// An item for a registered activity item handler.
    public init(functionName: String, parameters: JSONValue = [:], extra: [String: JSONValue] = [:]) {
        self.functionName = functionName
        self.command = nil
        self.parameters = parameters
        self.extra = extra
    }

    /// An item that runs a registered timer command inside the activity.
    public init(command: String, parameters: JSONValue = [:], extra: [String: JSONValue] = [:]) {
        self.functionName = nil
        self.command = command
        self.parameters = parameters
        self.extra = extra
    }

    /// Reads an item object; keys are matched ignoring case. A non-object is invalid input.
    public init(json: JSONValue) throws(TimersError) {
        guard let object = json.objectValue else {
            throw .invalidInput("an activity item must be a JSON object, found \(ParameterDecoding.kind(of: json))")
        }
        functionName = Self.nonEmptyString(json.member(caseInsensitive: "FunctionName"))
        command = Self.nonEmptyString(json.member(caseInsensitive: "Command"))
        parameters = json.member(caseInsensitive: "Parameters") ?? [:]
        let known: Set<String> = ["functionname", "command", "parameters"]
        extra = object.filter { !known.contains($0.key.lowercased()) }
    }

    /// The item as JSON, with the original's key names.
    public var json: JSONValue {
        var object = extra
        if let functionName { object["FunctionName"] = .string(functionName) }
        if let command { object["Command"] = .string(command) }
        object["Parameters"] = parameters
        return .object(object)
    }

    /// The `Results` handed to a PostExecution item: what the batch's items returned.
    public var results: [JSONValue]? {
        extra.first { $0.key.lowercased() == "results" }?.value.arrayValue
    }

    /// A short name for logs, errors and progress: `TaskName`, else the function or command name.
    public var label: String {
        if let task = extra.first(where: { $0.key.lowercased() == "taskname" })?.value.stringValue, !task.isEmpty {
            return task
        }
        return functionName ?? command ?? "(unnamed item)"
    }

    private static func nonEmptyString(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }
}

/// The input of `LinkTomeOrchestrator`, with the original's keys: `OrchestratorName`,
/// `DurableMode`, `Batch` or `QueueFunction`, `PostExecution`, `MaxAttempts`.
public struct OrchestratorInput: Sendable, Hashable {
    /// A label: the custom status and the output carry it.
    public var name: String
    /// How the batch is scheduled.
    public var mode: DurableMode
    /// The work items; when empty, `queueFunction` is called to produce them.
    public var batch: [ActivityItem]
    /// An activity whose result is the batch (an array of items), used when `batch` is empty.
    public var queueFunction: ActivityItem?
    /// One activity run after the batch with `Results` = the items' results (also when some failed).
    public var postExecution: ActivityItem?
    /// Attempts per item in FanOut and Sequence modes (first retry after 5 s, backoff 2); at least 1.
    public var maxAttempts: Int
    /// The most items in flight at once in FanOut mode; `nil` for no limit.
    public var maxConcurrency: Int?

    public init(
        name: String,
        mode: DurableMode = .fanOut,
        batch: [ActivityItem] = [],
        queueFunction: ActivityItem? = nil,
        postExecution: ActivityItem? = nil,
        maxAttempts: Int = 1,
        maxConcurrency: Int? = nil
    ) {
        self.name = name
        self.mode = mode
        self.batch = batch
        self.queueFunction = queueFunction
        self.postExecution = postExecution
        self.maxAttempts = max(1, maxAttempts)
        self.maxConcurrency = maxConcurrency.map { max(1, $0) }
    }

    /// Reads the input. A JSON string holding JSON (as the PowerShell client sent it) is decoded
    /// once more. Batch entries without a `FunctionName` or `Command` are dropped, as in the original.
    public init(json: JSONValue) throws(TimersError) {
        var value = json
        if let text = json.stringValue, let inner = try? JSONParser.parse(text) { value = inner }
        guard value.objectValue != nil else {
            throw .invalidInput("orchestrator input must be a JSON object, found \(ParameterDecoding.kind(of: value))")
        }

        name = value.member(caseInsensitive: "OrchestratorName")?.stringValue ?? "LinkTomeOrchestration"
        mode = DurableMode(lenient: value.member(caseInsensitive: "DurableMode")?.stringValue)
        let items = value.member(caseInsensitive: "Batch")?.arrayValue ?? []
        batch = items.compactMap { try? ActivityItem(json: $0) }.filter { $0.functionName != nil || $0.command != nil }
        queueFunction = try Self.optionalItem(value.member(caseInsensitive: "QueueFunction"))
        postExecution = try Self.optionalItem(value.member(caseInsensitive: "PostExecution"))
        maxAttempts = max(1, value.member(caseInsensitive: "MaxAttempts")?.intValue ?? 1)
        maxConcurrency = value.member(caseInsensitive: "MaxConcurrency")?.intValue.map { max(1, $0) }
    }

    /// The input as JSON, with the original's keys.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "OrchestratorName": .string(name),
            "DurableMode": .string(mode.rawValue),
            "Batch": .array(batch.map(\.json)),
            "MaxAttempts": .integer(Int64(maxAttempts)),
        ]
        if let queueFunction { object["QueueFunction"] = queueFunction.json }
        if let postExecution { object["PostExecution"] = postExecution.json }
        if let maxConcurrency { object["MaxConcurrency"] = .integer(Int64(maxConcurrency)) }
        return .object(object)
    }

    private static func optionalItem(_ value: JSONValue?) throws(TimersError) -> ActivityItem? {
        guard let value, !value.isNull else { return nil }
        let item = try ActivityItem(json: value)
        return item.functionName == nil && item.command == nil ? nil : item
    }
}
