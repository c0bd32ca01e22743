import Foundation
import LinkTomeCore

/// What the host learns from the app root: `host.json` and one `function.json` per function folder.
///
/// As in the Functions host, the function name is the folder name, keys are matched ignoring case,
/// and `%NAME%` in a timer schedule is replaced by the app setting `NAME`.
public struct AppLayout: Sendable {
    /// A `timerTrigger` function and the `durableClient` input it may have.
    public struct TimerFunction: Sendable, Hashable {
        public var name: String
        public var binding: String
        /// The schedule after `%setting%` expansion.
        public var schedule: String
        public var useMonitor: Bool
        public var runOnStartup: Bool
        /// The binding name of a `durableClient` (or `orchestrationClient`) input, if any.
        public var clientBinding: String?
    }

    /// A function with an `orchestrationTrigger` or `activityTrigger`, and its binding name.
    public struct DurableFunction: Sendable, Hashable {
        public var name: String
        public var binding: String
    }

    public var root: String
    /// `extensions.durableTask.hubName`, else `TestHubName` as the extension names it locally.
    public var hubName: String
    /// `functionTimeout` in seconds.
    public var functionTimeout: Double
    /// `extensions.durableTask.maxConcurrentOrchestratorFunctions` / `…ActivityFunctions`, when set.
    public var maxConcurrentOrchestrators: Int?
    public var maxConcurrentActivities: Int?
    public var timers: [TimerFunction]
    public var orchestrators: [DurableFunction]
    public var activities: [DurableFunction]

    /// The orchestrator function named `name` (ignoring case).
    public func orchestrator(named name: String) -> DurableFunction? {
        orchestrators.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The activity function named `name` (ignoring case).
    public func activity(named name: String) -> DurableFunction? {
        activities.first { $0.name.lowercased() == name.lowercased() }
    }

    /// Reads `root/host.json` and every `root/<Function>/function.json`.
    ///
    /// - Throws: ``DevHostError/appLayout(_:)`` naming the file that is missing or malformed.
    public static func load(root: String, settings: Settings) throws(DevHostError) -> AppLayout {
        guard FileManager.default.fileExists(atPath: root + "/host.json") else {
            throw .appLayout(
                "\(root) has no host.json: run linktome dev in the app root (the repository root) or pass --app-root"
            )
        }
        let host = try readJSON(root + "/host.json")
        let durable = host.member(caseInsensitive: "extensions")?.member(caseInsensitive: "durableTask")
        var layout = AppLayout(
            root: root,
            hubName: durable?.member(caseInsensitive: "hubName")?.stringValue ?? "TestHubName",
            functionTimeout: 30 * 60,
            maxConcurrentOrchestrators: durable?.member(caseInsensitive: "maxConcurrentOrchestratorFunctions")?
                .intValue,
            maxConcurrentActivities: durable?.member(caseInsensitive: "maxConcurrentActivityFunctions")?.intValue,
            timers: [],
            orchestrators: [],
            activities: []
        )
        if let timeout = host.member(caseInsensitive: "functionTimeout")?.stringValue {
            guard let seconds = Settings.parseDuration(timeout), seconds > 0 else {
                throw .appLayout("host.json: functionTimeout '\(timeout)' is not a time span such as 00:10:00")
            }
            layout.functionTimeout = seconds
        }

        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for folder in entries.sorted() where !folder.hasPrefix(".") {
            let path = root + "/" + folder + "/function.json"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            try layout.add(function: folder, try readJSON(path), settings: settings)
        }
        return layout
    }

    private mutating func add(function name: String, _ document: JSONValue, settings: Settings) throws(DevHostError) {
        let bindings = document.member(caseInsensitive: "bindings")?.arrayValue ?? []
        func text(_ binding: JSONValue, _ key: String) -> String? {
            binding.member(caseInsensitive: key)?.stringValue
        }
        let inputs = bindings.filter { (text($0, "direction") ?? "in").lowercased() == "in" }
        guard let trigger = inputs.first(where: { (text($0, "type") ?? "").lowercased().hasSuffix("trigger") }),
            let binding = text(trigger, "name")
        else { return }

        switch (text(trigger, "type") ?? "").lowercased() {
        case "timertrigger":
            guard let raw = text(trigger, "schedule") else {
                throw .appLayout("\(name)/function.json: the timerTrigger has no schedule")
            }
            let client = inputs.first {
                ["durableclient", "orchestrationclient"].contains((text($0, "type") ?? "").lowercased())
            }
            timers.append(
                TimerFunction(
                    name: name,
                    binding: binding,
                    schedule: try Self.expand(raw, settings: settings, function: name),
                    useMonitor: trigger.member(caseInsensitive: "useMonitor")?.boolValue ?? true,
                    runOnStartup: trigger.member(caseInsensitive: "runOnStartup")?.boolValue ?? false,
                    clientBinding: client.flatMap { text($0, "name") }
                )
            )
        case "orchestrationtrigger":
            orchestrators.append(DurableFunction(name: name, binding: binding))
        case "activitytrigger":
            activities.append(DurableFunction(name: name, binding: binding))
        default:
            break
        }
    }

    /// Replaces `%NAME%` with the app setting `NAME`, as the host resolves binding expressions.
    static func expand(_ text: String, settings: Settings, function: String) throws(DevHostError) -> String {
        guard text.hasPrefix("%"), text.hasSuffix("%"), text.count > 2 else { return text }
        let name = String(text.dropFirst().dropLast())
        guard let value = settings[name] else {
            throw .appLayout("\(function)/function.json: the schedule names app setting '\(name)', which is not set")
        }
        return value
    }

    static func readJSON(_ path: String) throws(DevHostError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .appLayout("\(path) is missing or unreadable")
        }
        do {
            let value = try JSONParser.parse(Array(data))
            guard value.objectValue != nil else { throw JSONError(offset: 0, reason: "expected an object") }
            return value
        } catch {
            throw .appLayout("\(path): \(error)")
        }
    }
}
