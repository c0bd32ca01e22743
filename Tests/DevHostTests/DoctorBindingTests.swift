import Foundation
import LinkTomeCore
import Testing

@testable import LinkTomeApp

@Suite("Deployment checks: catalogue, bindings, storage and bundle")
struct DoctorBindingTests {
    static let custom = ["FUNCTIONS_WORKER_RUNTIME": "custom"]

    @Test("A catalogue that is an object, not an array, is an error")
    func objectCatalogue() throws {
        let app = try DoctorTestApp()
        try app.write("LinkTomeTimers.json", "{}")
        let findings = app.findings()
        #expect(findings.map(\.check) == [.catalogue])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.message.contains("holds an object, not an array") == true)
    }

    @Test("An entry whose Command is not registered is an error naming the registered commands")
    func unregisteredCommand() throws {
        let app = try DoctorTestApp()
        let registered = ["Start-DurableCleanup", "Start-RateLimitCleanup"]
        let clean = DeploymentChecks.run(appRoot: app.root, settings: Settings(Self.custom), commands: registered)
        #expect(clean == [])

        try app.write(
            "LinkTomeTimers.json",
            #"[{"Id": "a", "Command": "Start-Typo", "Cron": "0 * * * * *", "Priority": "high"}]"#
        )
        let findings = DeploymentChecks.run(appRoot: app.root, settings: Settings(Self.custom), commands: registered)
        #expect(findings.map(\.check) == [.catalogue, .catalogue])
        #expect(findings.allSatisfy { $0.severity == .error })
        #expect(findings[0].message.contains("unknown timer command 'Start-Typo'"))
        #expect(findings[0].message.contains("Start-DurableCleanup, Start-RateLimitCleanup"))
        #expect(findings[1].message.contains("'Priority' must be an integer"))
    }

    @Test("LINKTOME_TIMERS_FILE chooses the catalogue, relative to the app root; missing there is an error")
    func catalogueSetting() throws {
        let app = try DoctorTestApp()
        try app.remove("LinkTomeTimers.json")
        try app.write("config/timers.json", #"[{"Id": "a", "Command": "Start-X", "Cron": "0 * * * * *"}]"#)
        var settings = Self.custom
        settings["LINKTOME_TIMERS_FILE"] = "config/timers.json"
        #expect(app.findings(settings) == [])

        settings["LINKTOME_TIMERS_FILE"] = "config/other.json"
        let missing = app.findings(settings)
        #expect(missing.map(\.check) == [.catalogue])
        #expect(missing.first?.message.contains("LINKTOME_TIMERS_FILE") == true)
        #expect(missing.first?.message.contains("config/other.json") == true)
    }

    @Test("An empty catalogue is a warning")
    func emptyCatalogue() throws {
        let app = try DoctorTestApp()
        try app.write("LinkTomeTimers.json", "[]")
        #expect(app.findings().map(\.severity) == [.warning])
    }

    @Test("A timer schedule NCRONTAB cannot read is an error; an app-setting reference is left to the host")
    func badSchedule() throws {
        let app = try DoctorTestApp()
        try app.write("LinkTomeTimer/function.json", Self.timerJSON(schedule: "0 */15 * * *  * *"))
        let findings = app.findings()
        #expect(findings.map(\.check) == [.functionDefinition])
        #expect(findings.first?.message.contains("unusable timer schedule") == true)

        try app.write("LinkTomeTimer/function.json", Self.timerJSON(schedule: "%TimerSchedule%"))
        #expect(app.findings() == [])
    }

    @Test("A missing or renamed starter binding is an error")
    func starterBinding() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeTimer/function.json",
            #"{"bindings": [{"name": "Timer", "type": "timerTrigger", "schedule": "0 * * * * *"}]}"#
        )
        #expect(app.findings().first?.message.contains("it has no durableClient binding") == true)

        try app.write(
            "LinkTomeTimer/function.json",
            #"{"bindings": [{"name": "Timer", "type": "timerTrigger", "schedule": "0 * * * * *"},"#
                + #" {"name": "client", "type": "durableClient"}]}"#
        )
        let renamed = app.findings()
        #expect(renamed.map(\.check) == [.functionDefinition])
        #expect(renamed.first?.message.contains("its durableClient binding is named 'client'") == true)
    }

    @Test("Trigger bindings renamed from Timer, Context or Item are errors naming the expected name")
    func renamedTriggers() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeTimer/function.json",
            #"{"bindings": [{"name": "myTimer", "type": "timerTrigger", "schedule": "0 * * * * *"},"#
                + #" {"name": "starter", "type": "durableClient"}]}"#
        )
        try app.write(
            "LinkTomeOrchestrator/function.json",
            #"{"bindings": [{"name": "ctx", "type": "orchestrationTrigger"}]}"#
        )
        try app.write(
            "LinkTomeActivity/function.json",
            #"{"bindings": [{"name": "input", "type": "activityTrigger"}]}"#
        )

        let messages = app.findings().map(\.message)

        #expect(messages.count == 3)
        #expect(messages.contains { $0.contains("'myTimer'") && $0.contains("reads the binding 'Timer'") })
        #expect(messages.contains { $0.contains("'ctx'") && $0.contains("reads the binding 'Context'") })
        #expect(messages.contains { $0.contains("'input'") && $0.contains("reads the binding 'Item'") })
    }

    @Test("A trigger of the wrong type is an error, with the right article")
    func wrongTriggerType() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeActivity/function.json",
            #"{"bindings": [{"name": "Item", "type": "orchestrationTrigger"}]}"#
        )
        let findings = app.findings()
        #expect(findings.map(\.check) == [.functionDefinition])
        #expect(findings.first?.message.contains("has a orchestrationTrigger") == false)
        #expect(findings.first?.message.contains("handles an activityTrigger") == true)

        try app.write("LinkTomeTimer/function.json", #"{"bindings": [{"name": "Timer", "type": "httpTrigger"}]}"#)
        #expect(app.findings().contains { $0.message.contains("handles a timerTrigger") })
    }

    @Test("A $return binding on a durable trigger says 'an orchestrationTrigger'")
    func returnBindingArticle() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeOrchestrator/function.json",
            #"{"bindings": [{"name": "Context", "type": "orchestrationTrigger"}, {"name": "$return", "type": "x"}]}"#
        )
        let message = app.findings().first?.message ?? ""
        #expect(message.contains("on an orchestrationTrigger function"))
    }

    @Test("A disabled function is an error, from function.json or from the app setting")
    func disabledFunction() throws {
        let app = try DoctorTestApp()
        try app.write(
            "LinkTomeTimer/function.json",
            #"{"disabled": true, "bindings": [{"name": "Timer", "type": "timerTrigger", "schedule": "0 * * * * *"},"#
                + #" {"name": "starter", "type": "durableClient"}]}"#
        )
        let findings = app.findings()
        #expect(findings.map(\.check) == [.functionDefinition])
        #expect(findings.first?.message.contains("\"disabled\": true") == true)
        #expect(findings.first?.message.contains("no timer runs") == true)

        let clean = try DoctorTestApp()
        var settings = Self.custom
        settings["AzureWebJobs.LinkTomeActivity.Disabled"] = "1"
        let setting = clean.findings(settings)
        #expect(setting.map(\.check) == [.functionDefinition])
        #expect(setting.first?.message.contains("AzureWebJobs.LinkTomeActivity.Disabled") == true)
    }

    @Test(
        "In Azure an unparsable AzureWebJobsStorage or LINKTOME_STORAGE=memory is an error; locally neither is checked"
    )
    func storageSettings() throws {
        let app = try DoctorTestApp()
        var azure = Self.custom
        azure["WEBSITE_INSTANCE_ID"] = "abc"
        azure["AzureWebJobsStorage"] = "garbage"
        let garbage = app.findings(azure)
        #expect(garbage.map(\.check) == [.storage])
        #expect(
            garbage.first?.message.contains("AzureWebJobsStorage is not a usable storage connection string") == true
        )

        azure["AzureWebJobsStorage"] = DoctorTestApp.connectionString
        azure["LINKTOME_STORAGE"] = "memory"
        let memory = app.findings(azure)
        #expect(memory.map(\.check) == [.storage])
        #expect(memory.first?.message.contains("LINKTOME_STORAGE=memory") == true)

        var local = Self.custom
        local["AzureWebJobsStorage"] = "garbage"
        local["LINKTOME_STORAGE"] = "memory"
        #expect(app.findings(local) == [])
    }

    @Test(
        "A bundle version that is a number or a malformed range is an error",
        arguments: [#"4"#, #""[4.*, 5.0.0""#, #""[5.0.0, 4.0.0)""#, #""[4.*; 5.0.0)""#, #""[a, b)""#, #""""#]
    )
    func badBundleVersion(_ version: String) throws {
        let app = try DoctorTestApp()
        try app.write(
            "host.json",
            #"{"customHandler": {"description": {"defaultExecutablePath": "linktome"}}, "extensionBundle": "#
                + #"{"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": \#(version)}}"#
        )
        let findings = app.findings()
        #expect(findings.map(\.check) == [.extensionBundle])
        #expect(findings.first?.severity == .error)
    }

    @Test(
        "Well-formed bundle ranges pass",
        arguments: ["[4.*, 5.0.0)", "[4.0.0, 5.0.0)", "4.0.0", "[4.2, )", "(4.0,5.0]"]
    )
    func goodBundleVersion(_ version: String) {
        #expect(BundleVersionRange.isValid(version))
    }

    @Test("host.json, function.json and the catalogue may start with a UTF-8 byte order mark")
    func byteOrderMarks() throws {
        let app = try DoctorTestApp()
        for file in ["host.json", "LinkTomeTimers.json", "LinkTomeActivity/function.json"] {
            let path = app.root.appendingPathComponent(file)
            let data = try Data(contentsOf: path)
            try (Data([0xEF, 0xBB, 0xBF]) + data).write(to: path)
        }
        #expect(app.findings() == [])
    }

    static func timerJSON(schedule: String) -> String {
        #"{"bindings": [{"name": "Timer", "type": "timerTrigger", "schedule": "\#(schedule)"},"#
            + #" {"name": "starter", "type": "durableClient"}]}"#
    }
}
