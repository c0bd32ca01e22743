import Foundation
import LinkTomeCore
import Timers

/// Checks the timer catalogue the app will read, at the path the timers use
/// (`LINKTOME_TIMERS_FILE`, else `LinkTomeTimers.json` in the app root), with the timers' own rules:
/// every entry the tick would skip is an error, every warning a warning.
enum CatalogueChecks {
    static func run(appRoot: URL, settings: Settings, fileName: String, commands: [String]?) -> [DeploymentFinding] {
        let fromSetting = settings[TimerCatalogue.pathSetting] != nil
        let path =
            fromSetting
            ? TimerCatalogue.path(settings: settings, directory: appRoot.path)
            : appRoot.appendingPathComponent(fileName).path
        let name = fromSetting ? "the timer catalogue (\(TimerCatalogue.pathSetting))" : fileName

        let bytes: [UInt8]
        let document: JSONValue
        switch AppFiles.read(URL(fileURLWithPath: path), what: name) {
        case .success(let read): bytes = read
        case .failure(let problem): return [unusable(problem.text, name: name)]
        }
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            return [unusable("\(name) (\(path)) is not valid JSON: \(error)", name: name)]
        }
        guard let entries = document.arrayValue else {
            return [unusable("\(name) (\(path)) holds \(kind(of: document)), not an array", name: name)]
        }

        let names = commands ?? entries.compactMap { $0.member(caseInsensitive: "Command")?.stringValue }
        let catalogue = TimerCatalogue(parsing: bytes, source: path, registry: registry(names))
        var findings = catalogue.problems.map { finding($0, name: name, commands: commands) }
        if entries.isEmpty {
            findings.append(
                DeploymentFinding(
                    .warning,
                    .catalogue,
                    "\(name) declares no timers, so nothing runs on schedule (and no status row is ever removed)."
                )
            )
        }
        return findings
    }

    private static func unusable(_ problem: String, name: String) -> DeploymentFinding {
        DeploymentFinding(
            .error,
            .catalogue,
            "\(problem), so no timer can run. Deploy \(name) from the app package, or fix it: it must be a JSON "
                + "array of timer entries."
        )
    }

    private static func finding(_ problem: CatalogueProblem, name: String, commands: [String]?) -> DeploymentFinding {
        guard problem.severity == .skipped else {
            return DeploymentFinding(.warning, .catalogue, "\(name) \(problem.description).")
        }
        var message = "\(name) \(problem.description), so this timer never runs. Fix the entry"
        if problem.message.hasPrefix("unknown timer command"), let commands {
            message += "; the registered commands are " + commands.sorted().joined(separator: ", ")
        }
        return DeploymentFinding(.error, .catalogue, message + ".")
    }

    /// A registry with a do-nothing command for each name, to check the catalogue against.
    private static func registry(_ names: [String]) -> TimerRegistry {
        var registry = TimerRegistry()
        for name in names { registry.register(name) { _ in .completed(.null) } }
        return registry
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .object: return "an object"
        case .string: return "a string"
        case .integer, .double: return "a number"
        case .bool: return "a Boolean"
        case .null: return "null"
        case .array: return "an array"
        }
    }
}
