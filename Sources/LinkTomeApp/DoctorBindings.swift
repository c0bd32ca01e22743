import Cron
import Foundation
import LinkTomeCore

/// What the handler's entrypoints expect of their function.json: the trigger's type and binding
/// name (the entrypoint reads the trigger's value by that name), other bindings it reads, and that
/// the function is enabled.
enum BindingChecks {
    struct Binding {
        var name: String
        var type: String
    }

    struct Shape {
        var trigger: Binding
        var inputs: [Binding]
    }

    /// The shapes of the three functions, by lowercased folder name.
    static let shapes: [String: Shape] = [
        "linktometimer": Shape(
            trigger: Binding(name: "Timer", type: "timerTrigger"),
            inputs: [Binding(name: "starter", type: "durableClient")]
        ),
        "linktomeorchestrator": Shape(trigger: Binding(name: "Context", type: "orchestrationTrigger"), inputs: []),
        "linktomeactivity": Shape(trigger: Binding(name: "Item", type: "activityTrigger"), inputs: []),
    ]

    static func run(
        folder: String,
        document: JSONValue,
        bindings: [JSONValue],
        settings: Settings
    ) -> [DeploymentFinding] {
        var findings = disabled(folder: folder, document: document, settings: settings)
        guard let shape = shapes[folder.lowercased()] else { return findings }
        let file = "\(folder)/function.json"

        let triggers = bindings.filter { type(of: $0).lowercased().hasSuffix("trigger") }
        if let trigger = triggers.first {
            findings += check(trigger: trigger, expected: shape.trigger, file: file)
        } else {
            findings.append(
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(file) has no trigger binding, so the host never calls \(folder). Add {\"name\": "
                        + "\"\(shape.trigger.name)\", \"type\": \"\(shape.trigger.type)\", \"direction\": \"in\"}."
                )
            )
        }
        for input in shape.inputs {
            findings += check(input: input, bindings: bindings, file: file)
        }
        return findings
    }

    private static func check(trigger: JSONValue, expected: Binding, file: String) -> [DeploymentFinding] {
        var findings: [DeploymentFinding] = []
        let actualType = type(of: trigger)
        if actualType.lowercased() != expected.type.lowercased() {
            findings.append(
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(file) has \(article(actualType)) \(actualType.escapingControlCharacters) trigger, but its Swift "
                        + "entrypoint handles "
                        + "\(article(expected.type)) \(expected.type). Deploy \(file) from the app package."
                )
            )
        }
        let actualName = name(of: trigger)
        if actualName.lowercased() != expected.name.lowercased() {
            findings.append(
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(file) names its trigger binding '\(actualName.escapingControlCharacters)', but the handler "
                        + "reads the binding '\(expected.name)'. Rename it to \"\(expected.name)\"."
                )
            )
        }
        if expected.type == "timerTrigger", actualType.lowercased() == "timertrigger" {
            findings += schedule(of: trigger, file: file)
        }
        return findings
    }

    private static func check(input: Binding, bindings: [JSONValue], file: String) -> [DeploymentFinding] {
        let sameType = bindings.filter { type(of: $0).lowercased() == input.type.lowercased() }
        if sameType.contains(where: { name(of: $0).lowercased() == input.name.lowercased() }) { return [] }
        let found =
            sameType.first.map { "its \(input.type) binding is named '\(name(of: $0).escapingControlCharacters)'" }
            ?? "it has no \(input.type) binding"
        return [
            DeploymentFinding(
                .error,
                .functionDefinition,
                "\(file) must give the handler a \(input.type) binding named '\(input.name)', but \(found), so "
                    + "orchestration timers cannot start. Add {\"name\": \"\(input.name)\", \"type\": "
                    + "\"\(input.type)\", \"direction\": \"in\"}."
            )
        ]
    }

    /// The timer trigger's `schedule`, read with the same NCRONTAB rules as the host.
    private static func schedule(of trigger: JSONValue, file: String) -> [DeploymentFinding] {
        guard let value = trigger.member(caseInsensitive: "schedule"), let text = value.stringValue else {
            return [
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(file) has a timerTrigger without a schedule string, so the host cannot load it. Set "
                        + "\"schedule\": \"0 */15 * * * *\"."
                )
            ]
        }
        if text.hasPrefix("%") && text.hasSuffix("%") && text.count > 2 { return [] }
        do {
            _ = try CronSchedule(parsing: text)
            return []
        } catch {
            return [
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(file) has an unusable timer schedule: \(error), so the host cannot load the timer. Use the "
                        + "package's schedule \"0 */15 * * * *\"."
                )
            ]
        }
    }

    /// `"disabled": true` (or a setting name whose value is true), or the app setting
    /// `AzureWebJobs.<function>.Disabled`, keeps the host from calling the function.
    private static func disabled(folder: String, document: JSONValue, settings: Settings) -> [DeploymentFinding] {
        var reason: String?
        switch document.member(caseInsensitive: "disabled") {
        case .bool(true)?:
            reason = "\(folder)/function.json says \"disabled\": true"
        case .string(let text)? where isTrue(text) || isTrue(settings[text] ?? ""):
            reason = "\(folder)/function.json says \"disabled\": \"\(text.escapingControlCharacters)\""
        default:
            break
        }
        for name in ["AzureWebJobs.\(folder).Disabled", "AzureWebJobs_\(folder)_Disabled"] where reason == nil {
            if let value = settings[name], isTrue(value) { reason = "the app setting \(name) is \(value)" }
        }
        guard let reason else { return [] }
        return [
            DeploymentFinding(
                .error,
                .functionDefinition,
                "\(reason), so the host never runs \(folder) and "
                    + (folder.lowercased() == "linktometimer" ? "no timer runs" : "orchestrations stall")
                    + ". Remove the setting."
            )
        ]
    }

    private static func isTrue(_ text: String) -> Bool {
        ["true", "1"].contains(text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    static func type(of binding: JSONValue) -> String {
        binding.member(caseInsensitive: "type")?.stringValue ?? ""
    }

    static func name(of binding: JSONValue) -> String {
        binding.member(caseInsensitive: "name")?.stringValue ?? ""
    }

    /// `a` or `an` before a word, by its first letter.
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}
