import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import LinkTomeApp

/// A throwaway app root laid out like the deployed package; each test breaks one thing in it.
struct DoctorTestApp: ~Copyable {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("linktome-doctor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try write("host.json", Self.hostJSON(bundle: "[4.*, 5.0.0)"))
        try write("LinkTomeTimers.json", #"[{"Id": "a", "Command": "Start-DurableCleanup", "Cron": "0 * * * * *"}]"#)
        try write(
            "LinkTomeTimer/function.json",
            #"{"bindings": [{"name": "Timer", "type": "timerTrigger", "direction": "in", "schedule": "0 * * * * *"},"#
                + #" {"name": "starter", "type": "durableClient", "direction": "in"}]}"#
        )
        try write(
            "LinkTomeOrchestrator/function.json",
            #"{"bindings": [{"name": "Context", "type": "orchestrationTrigger", "direction": "in"}]}"#
        )
        try write(
            "LinkTomeActivity/function.json",
            #"{"bindings": [{"name": "Item", "type": "activityTrigger", "direction": "in"}]}"#
        )
        try write("linktome", "#!/bin/sh\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path("linktome"))
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// A connection string that parses (the key is not a real one).
    static let connectionString =
        "DefaultEndpointsProtocol=https;AccountName=linktome;AccountKey=bm90LWEta2V5;EndpointSuffix=core.windows.net"

    static func hostJSON(bundle: String) -> String {
        #"{"version": "2.0", "customHandler": {"description": {"defaultExecutablePath": "linktome"}},"#
            + #" "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "\#(bundle)"}}"#
    }

    func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    func write(_ relative: String, _ text: String) throws {
        let file = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: file)
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    func findings(_ settings: [String: String] = ["FUNCTIONS_WORKER_RUNTIME": "custom"]) -> [DeploymentFinding] {
        DeploymentChecks.run(appRoot: root, settings: Settings(settings))
    }
}

@Suite("Deployment checks")
struct DeploymentChecksTests {
    @Test("A complete app with the custom runtime has no findings")
    func completeApp() throws {
        let app = try DoctorTestApp()
        #expect(app.findings() == [])
    }

    @Test("A worker runtime other than custom is an error that says to set custom")
    func wrongWorkerRuntime() throws {
        let app = try DoctorTestApp()
        let findings = app.findings(["FUNCTIONS_WORKER_RUNTIME": "node"])
        #expect(findings.map(\.check) == [.workerRuntime])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.message.contains("'node'") == true)
        #expect(findings.first?.message.contains("FUNCTIONS_WORKER_RUNTIME=custom") == true)
    }

    @Test("The worker runtime matches custom ignoring case, as the host does")
    func workerRuntimeCase() throws {
        let app = try DoctorTestApp()
        #expect(app.findings(["functions_worker_runtime": "Custom"]) == [])
    }

    @Test("A missing worker runtime is a warning, in Azure too (Flex Consumption keeps it elsewhere)")
    func missingWorkerRuntime() throws {
        let app = try DoctorTestApp()
        #expect(app.findings([:]).map(\.severity) == [.warning])
        let azure = app.findings([
            "WEBSITE_INSTANCE_ID": "abc", "AzureWebJobsStorage": DoctorTestApp.connectionString,
        ])
        #expect(azure.map(\.check) == [.workerRuntime])
        #expect(azure.first?.severity == .warning)
        #expect(azure.first?.message.contains("FUNCTIONS_WORKER_RUNTIME=custom") == true)
    }

    @Test("A $return binding on a durable trigger is an error that says to remove it")
    func returnBindingOnDurableTrigger() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeActivity/function.json",
            #"{"bindings": [{"name": "Item", "type": "activityTrigger", "direction": "in"},"#
                + #" {"name": "$return", "type": "activityTrigger", "direction": "out"}]}"#
        )
        let findings = app.findings()
        #expect(findings.map(\.check) == [.returnBinding])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.message.contains("LinkTomeActivity/function.json") == true)
        #expect(findings.first?.message.contains("Remove the $return binding") == true)
    }

    @Test("A $return binding on a non-durable function is not reported")
    func returnBindingOnTimer() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeTimer/function.json",
            #"{"bindings": [{"name": "Timer", "type": "timerTrigger", "direction": "in", "schedule": "0 * * * * *"},"#
                + #" {"name": "starter", "type": "durableClient", "direction": "in"},"#
                + #" {"name": "$return", "type": "queue", "direction": "out", "queueName": "q"}]}"#
        )
        #expect(app.findings() == [])
    }

    @Test("A function folder without a Swift entrypoint is an error naming the folder")
    func folderWithoutEntrypoint() throws {
        let app = try DoctorTestApp()
        try app.write("HttpExample/function.json", #"{"bindings": [{"name": "req", "type": "httpTrigger"}]}"#)
        let findings = app.findings()
        #expect(findings.map(\.check) == [.functionFolders])
        #expect(findings.first?.message.contains("HttpExample") == true)
        #expect(findings.first?.message.contains("Remove the HttpExample folder") == true)
    }

    @Test("A Swift entrypoint without a function folder is an error naming the entrypoint")
    func entrypointWithoutFolder() throws {
        let app = try DoctorTestApp()
        try app.remove("LinkTomeOrchestrator")
        let findings = app.findings()
        #expect(findings.map(\.check) == [.functionFolders])
        #expect(findings.first?.message.contains("LinkTomeOrchestrator/function.json") == true)
    }

    @Test("Function folders match entrypoints ignoring case, and the entrypoint list is a parameter")
    func entrypointListAndCase() throws {
        let app = try DoctorTestApp()
        let findings = DeploymentChecks.run(
            appRoot: app.root,
            settings: Settings(["FUNCTIONS_WORKER_RUNTIME": "custom"]),
            entrypoints: ["linktometimer", "LINKTOMEORCHESTRATOR", "LinkTomeActivity", "LinkTomeExtra"]
        )
        #expect(findings.map(\.check) == [.functionFolders])
        #expect(findings.first?.message.contains("LinkTomeExtra") == true)
    }

    @Test("A function.json that is not JSON is an error for that function")
    func brokenFunctionDefinition() throws {
        let app = try DoctorTestApp()
        try app.write("LinkTomeTimer/function.json", "{ bindings: ")
        let findings = app.findings()
        #expect(findings.map(\.check) == [.functionDefinition])
        #expect(findings.first?.message.contains("not valid JSON") == true)
    }

    @Test("An extension bundle range below 4 is an error with the range to use")
    func oldExtensionBundle() throws {
        let app = try DoctorTestApp()
        try app.write("host.json", DoctorTestApp.hostJSON(bundle: "[3.*, 4.0.0)"))
        let findings = app.findings()
        #expect(findings.map(\.check) == [.extensionBundle])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.message.contains("[4.*, 5.0.0)") == true)
    }

    @Test("A host.json without an extension bundle is an error")
    func missingExtensionBundle() throws {
        let app = try DoctorTestApp()
        try app.write("host.json", #"{"customHandler": {"description": {"defaultExecutablePath": "linktome"}}}"#)
        #expect(app.findings().map(\.check) == [.extensionBundle])
    }

    @Test("Bundle ranges are read by the major version of their lower bound")
    func bundleRangeParsing() {
        #expect(DeploymentChecks.lowestMajorVersion("[4.*, 5.0.0)") == 4)
        #expect(DeploymentChecks.lowestMajorVersion("[3.3.0, 4.0.0)") == 3)
        #expect(DeploymentChecks.lowestMajorVersion(" 4.0.0 ") == 4)
        #expect(DeploymentChecks.lowestMajorVersion("(2.*, 3.0.0)") == 2)
        #expect(DeploymentChecks.lowestMajorVersion("latest") == nil)
        #expect(DeploymentChecks.lowestMajorVersion("") == nil)
    }

    @Test("A catalogue that is not JSON is an error")
    func brokenCatalogue() throws {
        let app = try DoctorTestApp()
        try app.write("LinkTomeTimers.json", "[{\"Id\": ")
        let findings = app.findings()
        #expect(findings.map(\.check) == [.catalogue])
        #expect(findings.first?.message.contains("not valid JSON") == true)
    }

    @Test("A missing or unreadable catalogue is an error")
    func unreadableCatalogue() throws {
        let app = try DoctorTestApp()
        try app.remove("LinkTomeTimers.json")
        #expect(app.findings().map(\.check) == [.catalogue])

        try FileManager.default.createDirectory(
            atPath: app.path("LinkTomeTimers.json"),
            withIntermediateDirectories: true
        )
        let findings = app.findings()
        #expect(findings.map(\.check) == [.catalogue])
        #expect(findings.first?.message.contains("is a directory") == true)
    }

    @Test("Running in Azure without a storage account is an error naming the settings to set")
    func noStorageInAzure() throws {
        let app = try DoctorTestApp()
        let findings = app.findings(["FUNCTIONS_WORKER_RUNTIME": "custom", "WEBSITE_SITE_NAME": "linktome-prod"])
        #expect(findings.map(\.check) == [.storage])
        #expect(findings.first?.message.contains("AzureWebJobsStorage") == true)
    }

    @Test("Identity-based storage settings satisfy the storage check")
    func identityStorage() throws {
        let app = try DoctorTestApp()
        let identities = [
            "AzureWebJobsStorage__accountName": "linktome",
            "AzureWebJobsStorage__tableServiceUri": "https://linktome.table.core.windows.net",
        ]
        for (name, value) in identities {
            let settings = ["FUNCTIONS_WORKER_RUNTIME": "custom", "WEBSITE_INSTANCE_ID": "abc", name: value]
            #expect(app.findings(settings) == [])
        }
    }

    @Test("Development storage is an error in Azure and fine locally")
    func developmentStorage() throws {
        let app = try DoctorTestApp()
        let local = ["FUNCTIONS_WORKER_RUNTIME": "custom", "AzureWebJobsStorage": "UseDevelopmentStorage=true"]
        #expect(app.findings(local) == [])
        var azure = local
        azure["WEBSITE_INSTANCE_ID"] = "abc"
        #expect(app.findings(azure).map(\.check) == [.storage])
    }

    @Test("A missing executable is an error in Azure, a warning locally; one without the execute bit a warning")
    func executable() throws {
        let app = try DoctorTestApp()
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: app.path("linktome"))
        let warning = app.findings()
        #expect(warning.map(\.check) == [.executable])
        #expect(warning.first?.severity == .warning)

        try app.remove("linktome")
        let local = app.findings()
        #expect(local.map(\.check) == [.executable])
        #expect(local.first?.severity == .warning)
        let inAzure = [
            "FUNCTIONS_WORKER_RUNTIME": "custom", "WEBSITE_INSTANCE_ID": "abc",
            "AzureWebJobsStorage": DoctorTestApp.connectionString,
        ]
        let error = app.findings(inAzure)
        #expect(error.map(\.check) == [.executable])
        #expect(error.first?.severity == .error)
    }

    @Test("Errors come before warnings")
    func ordering() throws {
        let app = try DoctorTestApp()
        try app.remove("LinkTomeTimers.json")
        #expect(app.findings([:]).map(\.severity) == [.error, .warning])
    }
}

@Suite("Doctor command and start-up logging")
struct DoctorCommandTests {
    @Test("Start-up logging writes each finding at its severity with the check name")
    func startupLogging() throws {
        let app = try DoctorTestApp()
        try app.remove("LinkTomeTimers.json")
        let sink = CollectingSink()
        let logger = Logger(label: "test", sink: sink)
        let findings = DeploymentChecks.logAtStartup(appRoot: app.root, settings: Settings([:]), logger: logger)
        #expect(findings.count == 2)
        #expect(sink.collected.map(\.level) == [.error, .warning])
        #expect(sink.collected.map { $0.metadata["check"] } == ["catalogue", "worker-runtime"])
    }

    @Test("Start-up logging says so when everything passes")
    func startupLoggingClean() throws {
        let app = try DoctorTestApp()
        let sink = CollectingSink()
        let settings = Settings(["FUNCTIONS_WORKER_RUNTIME": "custom"])
        DeploymentChecks.logAtStartup(appRoot: app.root, settings: settings, logger: Logger(label: "t", sink: sink))
        #expect(sink.collected.map(\.level) == [.info])
    }

    @Test("doctor exits 1 on errors, 0 without, and 2 on a bad argument")
    func exitStatus() async throws {
        let app = try DoctorTestApp()
        let settings = Settings(["FUNCTIONS_WORKER_RUNTIME": "custom"])
        #expect(await DoctorCommand.run(["--app-root", app.root.path], settings: settings) == 0)
        #expect(await DoctorCommand.run(["--app-root", app.root.path], settings: Settings([:])) == 0)

        try app.remove("LinkTomeActivity")
        #expect(await DoctorCommand.run(["--app-root", app.root.path], settings: settings) == 1)
        #expect(await DoctorCommand.run(["--app-root"], settings: settings) == 2)
        #expect(await DoctorCommand.run(["--bogus"], settings: settings) == 2)
    }

    @Test("The default app root comes from the host's settings")
    func defaultAppRoot() {
        let settings = Settings(["FUNCTIONS_APP_ROOT_PATH": "/home/site/wwwroot"])
        #expect(DeploymentChecks.defaultAppRoot(settings: settings).path == "/home/site/wwwroot")
        let azure = Settings(["AzureWebJobsScriptRoot": "/home/site/other"])
        #expect(DeploymentChecks.defaultAppRoot(settings: azure).path == "/home/site/other")
    }
}

@Suite("Doctor probe")
struct DoctorProbeTests {
    @Test("The probe reports an answer from a real server and fails on a refused port or a bad URL")
    func probe() async throws {
        let server = HTTPServer(logger: .silent) { request in
            HTTPResponse(status: request.path == "/health" ? 200 : 404, body: Array("probe-ok\nsecond line".utf8))
        }
        let port = try server.start()
        let answered = await DoctorProbe.probe("http://127.0.0.1:\(port)/health", settings: Settings([:]))
        #expect(answered.answered)
        #expect(answered.line.contains("HTTP 200, 20 bytes"))
        #expect(answered.line.hasSuffix(": probe-ok"))
        #expect(await DoctorProbe.run("http://127.0.0.1:\(port)/other", settings: Settings([:])))
        await server.stop()

        let refused = await DoctorProbe.probe("http://127.0.0.1:\(port)/health", settings: Settings([:]))
        #expect(!refused.answered)
        #expect(refused.line.contains("failed: cannot connect"))
        let badURL = await DoctorProbe.probe("ftp://example.invalid/", settings: Settings([:]))
        #expect(!badURL.answered)
        #expect(badURL.line.contains("not an http:// or https:// URL"))
    }

    @Test("A CA file that does not exist fails the HTTPS probe, naming the file")
    func missingCAFile() async throws {
        let server = HTTPServer(logger: .silent) { _ in HTTPResponse(status: 200) }
        let port = try server.start()
        let settings = Settings(["LINKTOME_CA_FILE": "/nonexistent/linktome-ca.pem"])
        let result = await DoctorProbe.probe("https://127.0.0.1:\(port)/", settings: settings)
        await server.stop()
        #expect(!result.answered)
        #expect(result.line.contains("/nonexistent/linktome-ca.pem"))
    }

    @Test("The excerpt is the first line of the body, shortened to 80 characters")
    func excerpt() {
        #expect(DoctorProbe.excerpt(HTTPResponse(status: 200, body: Array("one\ntwo".utf8))) == "one")
        let long = String(repeating: "x", count: 100)
        #expect(DoctorProbe.excerpt(HTTPResponse(status: 200, body: Array(long.utf8))).count == 81)
    }
}

@Suite("Build information")
struct BuildInfoTests {
    @Test("The linked SQLite and OpenSSL report their versions")
    func versions() {
        #expect(BuildInfo.sqliteVersion.hasPrefix("3."))
        #expect(BuildInfo.openSSLVersion.hasPrefix("OpenSSL 3"))
        #expect(BuildInfo.summary == "SQLite \(BuildInfo.sqliteVersion), \(BuildInfo.openSSLVersion)")
    }
}
