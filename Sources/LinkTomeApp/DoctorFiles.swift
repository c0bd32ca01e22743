import Foundation
import LinkTomeCore

/// Why an app file could not be used, as the start of a finding's message.
struct AppFileProblem: Error {
    var text: String
}

/// Reads the small JSON files of an app root with a size cap, so a wrong path never loads a huge file.
enum AppFiles {
    /// Larger than any host.json, function.json or timer catalogue.
    static let maximumSize = 4 << 20

    static func readJSON(_ file: URL, what: String) -> Result<JSONValue, AppFileProblem> {
        let bytes: [UInt8]
        switch read(file, what: what) {
        case .success(let read): bytes = read
        case .failure(let problem): return .failure(problem)
        }
        do {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(AppFileProblem(text: "\(what) (\(file.path)) is not valid JSON: \(error)"))
        }
    }

    static func read(_ file: URL, what: String) -> Result<[UInt8], AppFileProblem> {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        } catch {
            return .failure(AppFileProblem(text: "\(what) is missing (\(file.path) does not exist)"))
        }
        if attributes[.type] as? FileAttributeType == .typeDirectory {
            return .failure(AppFileProblem(text: "\(what) (\(file.path)) is a directory, not a file"))
        }
        if let size = attributes[.size] as? Int, size > maximumSize {
            return .failure(AppFileProblem(text: "\(what) (\(file.path)) is \(size) bytes, more than \(maximumSize)"))
        }
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            return .failure(AppFileProblem(text: "\(what) (\(file.path)) cannot be read (permission denied?)"))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: maximumSize + 1) ?? Data()
            guard data.count <= maximumSize else {
                return .failure(AppFileProblem(text: "\(what) (\(file.path)) is more than \(maximumSize) bytes"))
            }
            return .success([UInt8](data))
        } catch {
            return .failure(AppFileProblem(text: "\(what) (\(file.path)) cannot be read: \(error)"))
        }
    }
}

/// Compares the function folders in the app root with the Swift entrypoints and checks each
/// `function.json` for bindings the durable triggers must not have.
enum FunctionFolderChecks {
    /// Trigger types whose function's answer the Durable extension takes from `ReturnValue` itself.
    static let durableTriggers: Set<String> = ["orchestrationtrigger", "activitytrigger", "entitytrigger"]

    static func run(appRoot: URL, entrypoints: [String], settings: Settings = Settings([:])) -> [DeploymentFinding] {
        let folders = functionFolders(in: appRoot)
        var findings: [DeploymentFinding] = []

        let known = Set(entrypoints.map { $0.lowercased() })
        for folder in folders where !known.contains(folder.lowercased()) {
            findings.append(
                DeploymentFinding(
                    .error,
                    .functionFolders,
                    "\(folder)/function.json defines a function the handler has no Swift entrypoint for; the host "
                        + "will call POST /\(folder) and every invocation will fail. Remove the \(folder) folder "
                        + "from the app, or add an entrypoint for it to the handler. Known: "
                        + entrypoints.joined(separator: ", ") + "."
                )
            )
        }

        let present = Set(folders.map { $0.lowercased() })
        for entrypoint in entrypoints where !present.contains(entrypoint.lowercased()) {
            findings.append(
                DeploymentFinding(
                    .error,
                    .functionFolders,
                    "the handler has a Swift entrypoint \(entrypoint) but the app has no \(entrypoint)/function.json, "
                        + "so the host never calls it. Deploy the whole app package (scripts/package.sh), which "
                        + "includes \(entrypoint)/function.json."
                )
            )
        }

        for folder in folders {
            let file = appRoot.appendingPathComponent(folder).appendingPathComponent("function.json")
            findings += checkDefinition(file, settings: settings)
        }
        return findings
    }

    /// Names of the directories directly under `appRoot` that hold a `function.json`, sorted.
    static func functionFolders(in appRoot: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: appRoot.path)) ?? []
        return names.filter { name in
            guard !name.hasPrefix(".") else { return false }
            let path = appRoot.appendingPathComponent(name).appendingPathComponent("function.json").path
            return FileManager.default.fileExists(atPath: path)
        }
        .sorted()
    }

    static func checkDefinition(_ file: URL, settings: Settings = Settings([:])) -> [DeploymentFinding] {
        let folder = file.deletingLastPathComponent().lastPathComponent
        let document: JSONValue
        switch AppFiles.readJSON(file, what: "\(folder)/function.json") {
        case .success(let parsed): document = parsed
        case .failure(let problem):
            return [
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(problem.text), so the host cannot load the \(folder) function. Deploy "
                        + "\(folder)/function.json from the app package."
                )
            ]
        }
        guard let bindings = document.member(caseInsensitive: "bindings")?.arrayValue, !bindings.isEmpty else {
            return [
                DeploymentFinding(
                    .error,
                    .functionDefinition,
                    "\(folder)/function.json has no bindings, so the host cannot load the \(folder) function. "
                        + "Deploy \(folder)/function.json from the app package."
                )
            ]
        }
        let shapeFindings = BindingChecks.run(
            folder: folder,
            document: document,
            bindings: bindings,
            settings: settings
        )
        let types = bindings.compactMap { $0.member(caseInsensitive: "type")?.stringValue }
        guard let trigger = types.first(where: { durableTriggers.contains($0.lowercased()) }) else {
            return shapeFindings
        }
        let names = bindings.compactMap { $0.member(caseInsensitive: "name")?.stringValue }
        guard names.contains("$return") else { return shapeFindings }
        return shapeFindings + [
            DeploymentFinding(
                .error,
                .returnBinding,
                "\(folder)/function.json declares a $return binding on \(BindingChecks.article(trigger)) \(trigger) "
                    + "function. With it the host "
                    + "binds the handler's ReturnValue as an output (a base64-looking answer becomes bytes) and the "
                    + "Durable extension rejects it. Remove the $return binding; the trigger takes ReturnValue "
                    + "directly."
            )
        ]
    }
}
