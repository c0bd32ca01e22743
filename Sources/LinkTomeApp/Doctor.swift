import Foundation
import LinkTomeCore

/// How bad a deployment finding is: an error stops the app from working as deployed, a warning
/// works today but is fragile or will surprise someone.
public enum DeploymentSeverity: String, Sendable, Comparable {
    case warning
    case error

    public static func < (lhs: DeploymentSeverity, rhs: DeploymentSeverity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// Which start-up check produced a finding; the raw value goes into log metadata as `check=`.
public enum DeploymentCheck: String, Sendable, CaseIterable {
    case workerRuntime = "worker-runtime"
    case hostConfiguration = "host-json"
    case executable = "executable"
    case functionDefinition = "function-json"
    case returnBinding = "return-binding"
    case functionFolders = "function-folders"
    case extensionBundle = "extension-bundle"
    case catalogue = "catalogue"
    case storage = "storage"
}

/// One deployment mistake: what is wrong and how to fix it, in one message.
public struct DeploymentFinding: Sendable, Equatable, CustomStringConvertible {
    public var severity: DeploymentSeverity
    public var check: DeploymentCheck
    /// What is wrong, followed by how to fix it.
    public var message: String

    public init(_ severity: DeploymentSeverity, _ check: DeploymentCheck, _ message: String) {
        self.severity = severity
        self.check = check
        self.message = message
    }

    public var description: String { "\(severity.rawValue) [\(check.rawValue)] \(message)" }
}

/// Checks an app root and the app settings for the mistakes that make a custom handler deployment
/// fail in ways the Functions host reports badly or not at all.
///
/// The checks only read files and settings; they never change anything and never throw. `serve`
/// runs them once after binding its port (`logAtStartup`), and `linktome doctor` prints them.
public enum DeploymentChecks {
    /// The function folders the handler routes to a Swift entrypoint.
    public static let swiftEntrypoints = ["LinkTomeTimer", "LinkTomeOrchestrator", "LinkTomeActivity"]

    /// The timer catalogue's file name in the app root.
    public static let catalogueFileName = "LinkTomeTimers.json"

    /// Settings that configure the Functions host's storage account; any one of them is enough.
    public static let storageSettings = [
        "AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__tableServiceUri",
    ]

    /// Runs every check against the app in `appRoot` and returns the findings, errors first.
    ///
    /// - Parameters:
    ///   - entrypoints: the function names the handler routes to Swift code.
    ///   - catalogueFileName: the catalogue's file name in the app root, unless `LINKTOME_TIMERS_FILE`
    ///     names another file (relative to the app root), as it does for the timers.
    ///   - commands: the registered timer command names; a catalogue entry naming another is an
    ///     error. `nil` skips that check.
    public static func run(
        appRoot: URL,
        settings: Settings,
        entrypoints: [String] = swiftEntrypoints,
        catalogueFileName: String = catalogueFileName,
        commands: [String]? = nil
    ) -> [DeploymentFinding] {
        var findings = checkWorkerRuntime(settings)

        findings += StorageChecks.run(settings, appRoot: appRoot, inAzure: runsInAzure(settings))

        let host = AppFiles.readJSON(appRoot.appendingPathComponent("host.json"), what: "host.json")
        switch host {
        case .success(let document):
            findings += checkExtensionBundle(document)
            findings += checkExecutable(document, appRoot: appRoot, inAzure: runsInAzure(settings))
        case .failure(let problem):
            findings.append(
                DeploymentFinding(
                    .error,
                    .hostConfiguration,
                    "\(problem.text). Deploy the host.json from the app package (scripts/package.sh writes it) "
                        + "to the app root."
                )
            )
        }

        findings += FunctionFolderChecks.run(appRoot: appRoot, entrypoints: entrypoints, settings: settings)
        findings += CatalogueChecks.run(
            appRoot: appRoot,
            settings: settings,
            fileName: catalogueFileName,
            commands: commands
        )

        return findings.filter { $0.severity == .error } + findings.filter { $0.severity != .error }
    }

    /// The app root to check: `FUNCTIONS_APP_ROOT_PATH` (set by the host for the handler), then
    /// `AzureWebJobsScriptRoot` (set in Azure), then the current directory.
    public static func defaultAppRoot(settings: Settings) -> URL {
        if let root = settings.first("FUNCTIONS_APP_ROOT_PATH", "AzureWebJobsScriptRoot") {
            return URL(fileURLWithPath: root, isDirectory: true)
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    }

    /// Runs the checks and logs each finding at its severity with `check=` metadata, or one info
    /// line when there is nothing to report. Call it once at start-up, after the port is bound, so a
    /// slow disk never delays the host's readiness probe. Returns the findings.
    @discardableResult
    public static func logAtStartup(
        appRoot: URL,
        settings: Settings,
        logger: Logger,
        entrypoints: [String] = swiftEntrypoints,
        commands: [String]? = nil
    ) -> [DeploymentFinding] {
        let findings = run(appRoot: appRoot, settings: settings, entrypoints: entrypoints, commands: commands)
        if findings.isEmpty {
            logger.info("deployment checks passed", metadata: ["appRoot": appRoot.path])
        }
        for finding in findings {
            let metadata = ["check": finding.check.rawValue, "appRoot": appRoot.path]
            switch finding.severity {
            case .error: logger.error("deployment check: " + finding.message, metadata: metadata)
            case .warning: logger.warning("deployment check: " + finding.message, metadata: metadata)
            }
        }
        return findings
    }

    /// `logAtStartup` for the app root the host runs this process in (`defaultAppRoot(settings:)`),
    /// checking the catalogue against the app's registered commands.
    @discardableResult
    public static func logAtStartup(settings: Settings, logger: Logger) -> [DeploymentFinding] {
        logAtStartup(
            appRoot: defaultAppRoot(settings: settings),
            settings: settings,
            logger: logger,
            commands: AppTimers.commandNames
        )
    }

    static func checkWorkerRuntime(_ settings: Settings) -> [DeploymentFinding] {
        guard let runtime = settings["FUNCTIONS_WORKER_RUNTIME"] else {
            // Flex Consumption keeps the runtime in the app's configuration rather than in this
            // setting, so its absence alone is not proof of a mistake.
            return [
                DeploymentFinding(
                    .warning,
                    .workerRuntime,
                    "FUNCTIONS_WORKER_RUNTIME is not set, so unless this is a Flex Consumption app created with the "
                        + "custom runtime the host does not know this app is a custom handler. Set the app setting "
                        + "FUNCTIONS_WORKER_RUNTIME=custom (locally in local.settings.json under Values)."
                )
            ]
        }
        guard runtime.trimmingCharacters(in: .whitespaces).lowercased() != "custom" else { return [] }
        return [
            DeploymentFinding(
                .error,
                .workerRuntime,
                "FUNCTIONS_WORKER_RUNTIME is '\(runtime)', so the host looks for a \(runtime) worker instead of "
                    + "starting linktome. Set the app setting FUNCTIONS_WORKER_RUNTIME=custom (and choose the "
                    + "Custom Handler runtime stack when creating the app)."
            )
        ]
    }

    static func checkExtensionBundle(_ host: JSONValue) -> [DeploymentFinding] {
        let fix =
            "Set \"extensionBundle\": {\"id\": \"Microsoft.Azure.Functions.ExtensionBundle\", "
            + "\"version\": \"[4.*, 5.0.0)\"} in host.json."
        guard let bundle = host.member(caseInsensitive: "extensionBundle"), bundle.objectValue != nil else {
            return [
                DeploymentFinding(
                    .error,
                    .extensionBundle,
                    "host.json has no extensionBundle, so the Durable Functions bindings (orchestrationTrigger, "
                        + "activityTrigger, durableClient) are unknown to the host. " + fix
                )
            ]
        }
        var findings: [DeploymentFinding] = []
        let id = bundle.member(caseInsensitive: "id")?.stringValue ?? ""
        if !id.hasPrefix("Microsoft.Azure.Functions.ExtensionBundle") {
            findings.append(
                DeploymentFinding(
                    .warning,
                    .extensionBundle,
                    "host.json's extension bundle id is '\(id)', not Microsoft.Azure.Functions.ExtensionBundle; "
                        + "the durable bindings may be missing. " + fix
                )
            )
        }
        let version = bundle.member(caseInsensitive: "version")
        guard let range = version?.stringValue else {
            let found = version.map { $0.jsonText } ?? "missing"
            findings.append(
                DeploymentFinding(
                    .error,
                    .extensionBundle,
                    "host.json's extension bundle version is \(found), not a version range in a string, so the host "
                        + "cannot load the bundle. " + fix
                )
            )
            return findings
        }
        guard let major = lowestMajorVersion(range), BundleVersionRange.isValid(range) else {
            findings.append(
                DeploymentFinding(
                    .error,
                    .extensionBundle,
                    "host.json's extension bundle version '\(range.escapingControlCharacters)' is not a valid version "
                        + "range. " + fix
                )
            )
            return findings
        }
        if major < 4 {
            findings.append(
                DeploymentFinding(
                    .error,
                    .extensionBundle,
                    "host.json allows extension bundle \(range), older than 4: those bundles carry a Durable "
                        + "extension that does not take an orchestrator's answer from a custom handler's "
                        + "ReturnValue. " + fix
                )
            )
        }
        return findings
    }

    /// The major version of the lower bound of a bundle range such as `[4.*, 5.0.0)` or `4.0.0`.
    static func lowestMajorVersion(_ range: String) -> Int? {
        var text = Substring(range.trimmingCharacters(in: .whitespaces))
        if text.first == "[" || text.first == "(" { text = text.dropFirst() }
        let lower = text.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let digits = lower.trimmingCharacters(in: .whitespaces).prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(digits.prefix(9))
    }

    /// A missing executable is an error in Azure; locally the handler usually runs from `.build` (through
    /// `linktome dev` or by hand), so there it is only a warning.
    static func checkExecutable(_ host: JSONValue, appRoot: URL, inAzure: Bool) -> [DeploymentFinding] {
        let description = host.member(caseInsensitive: "customHandler")?.member(caseInsensitive: "description")
        guard let path = description?.member(caseInsensitive: "defaultExecutablePath")?.stringValue, !path.isEmpty
        else {
            return [
                DeploymentFinding(
                    .error,
                    .hostConfiguration,
                    "host.json has no customHandler.description.defaultExecutablePath, so the host cannot start "
                        + "the handler. Set it to \"linktome\"."
                )
            ]
        }
        let file = path.hasPrefix("/") ? URL(fileURLWithPath: path) : appRoot.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue
        else {
            return [
                DeploymentFinding(
                    inAzure ? .error : .warning,
                    .executable,
                    "host.json starts '\(path)', but \(file.path) does not exist. Deploy the app package made by "
                        + "scripts/package.sh, which puts the linktome executable at the app root."
                )
            ]
        }
        guard FileManager.default.isExecutableFile(atPath: file.path) else {
            return [
                DeploymentFinding(
                    .warning,
                    .executable,
                    "\(file.path) has no execute permission. Deploy the zip made by scripts/package.sh (it records "
                        + "mode 0755) or publish with Core Tools, which sets it; zips made on Windows lose it."
                )
            ]
        }
        return []
    }

    /// Whether the process runs in an Azure App Service or Functions instance.
    static func runsInAzure(_ settings: Settings) -> Bool {
        settings.first("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME") != nil
    }
}
