import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import DevHost

@Suite("Handler launch, the tick summary and the command line", .serialized)
struct LaunchAndSummaryTests {
    @Test("the handler runs in the app root with the host's variables and the same store")
    func launchEnvironment() async throws {
        let app = try TestApp()
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: false)
            let tick = try #require(try await host.core.durable.store.queryAll(DevFixture.ticksTable).first)
            let environment = OrderedJSON.value(tick["Environment"]?.stringValue)

            #expect(environment["FUNCTIONS_WORKER_RUNTIME"] == "custom")
            #expect(environment["FUNCTIONS_CUSTOMHANDLER_PORT"] == environment["FUNCTIONS_HTTPWORKER_PORT"])
            #expect(environment["FUNCTIONS_CUSTOMHANDLER_PORT"]?.stringValue.flatMap(Int.init) != nil)
            #expect(environment["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"]?.stringValue?.count == 36)
            #expect(environment["LINKTOME_STORAGE"] == .string("sqlite:" + app.storePath))
            #expect(environment[DevHostOptions.devHostSetting] == "1")
            let cwd = try #require(environment["cwd"]?.stringValue)
            #expect(
                URL(fileURLWithPath: cwd).resolvingSymlinksInPath()
                    == URL(fileURLWithPath: app.root).resolvingSymlinksInPath()
            )

            // The handler saw the binding as the host quotes it, and reached this host's API through it.
            let descriptor = OrderedJSON.value(tick["Descriptor"]?.stringValue)
            #expect(descriptor["httpBaseUrl"] == .string(host.webhook.baseURL))
            #expect(descriptor["requiredQueryStringParameters"] == .string("code=" + host.webhook.systemKey))
            #expect(descriptor["taskHubName"] == "DevTestHub")
            #expect(descriptor["rpcBaseUrl"] == .null)
        }
    }

    @Test("the summary shows each catalogue timer with its status, duration and result on one line")
    func summary() async throws {
        let app = try TestApp()
        defer { app.remove() }
        let host = try app.host()
        let store = host.core.durable.store
        try await host.core.durable.prepare()
        _ = try await store.createTableIfNotExists(TickSummary.statusTable)
        let now = host.core.now()
        func row(_ id: String, _ columns: [String: TableValue]) async throws {
            try await store.upsert(
                TableEntity(partitionKey: "Timer", rowKey: id, properties: columns),
                in: TickSummary.statusTable
            )
        }
        try await row(
            "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
            [
                "Status": "Completed", "LastOccurrence": .dateTime(now), "DurationMs": .int64(1_234),
                "LastResult": #"{"Purged":3}"#,
            ]
        )
        try await row(
            "b2c3d4e5-f6a7-8901-bcde-f12345678901",
            [
                "Status": "Failed", "LastOccurrence": .dateTime(now),
                "ErrorMsg": "the Users table is unreadable\nline two",
            ]
        )
        try await row(
            "d4e5f6a7-b8c9-0123-def1-234567890123",
            ["Status": "Started", "LastOccurrence": .dateTime(now), "OrchestratorId": "billing-1"]
        )
        try await row(
            "c3d4e5f6-a7b8-9012-cdef-123456789012",
            ["Status": "Completed", "LastOccurrence": .dateTime(now.advanced(bySeconds: -86_400))]
        )
        var instance = InstanceRecord(
            instanceId: "billing-1",
            name: "LinkTomeOrchestrator",
            executionId: "e",
            input: nil,
            now: now
        )
        instance.runtimeStatus = .completed
        instance.completedTime = now.advanced(bySeconds: 2)
        instance.output = #"{"Succeeded":4,"Failed":1}"#
        _ = try await host.core.durable.insert(instance)

        let summary = await TickSummary.build(core: host.core, appRoot: app.root, tickStart: now)
        let lines = summary.render(width: 100).split(separator: "\n").map(String.init)

        #expect(summary.rows.count == 13)
        #expect(lines.first?.hasPrefix("TIMER") == true)
        #expect(lines.allSatisfy { $0.count <= 100 })
        let byTimer = Dictionary(summary.rows.map { ($0.timer, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byTimer["Start-DurableCleanup"]?.status == "Completed")
        #expect(byTimer["Start-DurableCleanup"]?.duration == "1.2 s")
        #expect(byTimer["Start-SubscriptionCleanup"]?.result == "the Users table is unreadable\nline two")
        #expect(lines.contains { $0.contains("Start-SubscriptionCleanup") && $0.contains("unreadable line two") })
        #expect(byTimer["Start-BillingOrchestrator"]?.status == "Failed")
        #expect(byTimer["Start-BillingOrchestrator"]?.result == "orchestration: 4 of 4 items succeeded, 1 failed")
        #expect(byTimer["Start-AnalyticsAggregation"]?.status == "not due")
        #expect(byTimer["Start-RefreshTokenCleanup"]?.status == "not run")
    }

    @Test("with a tick report, each line says what the tick did: ran, not due, skipped, busy, invalid, failed run")
    func summaryFromReport() async throws {
        let app = try TestApp()
        defer { app.remove() }
        let host = try app.host()
        try await host.core.durable.prepare()
        let now = host.core.now()
        var instance = InstanceRecord(
            instanceId: "bill-2",
            name: "LinkTomeOrchestrator",
            executionId: "e",
            input: nil,
            now: now
        )
        instance.runtimeStatus = .completed
        instance.completedTime = now.advanced(bySeconds: 1)
        instance.output =
            #"{"Status":"Failed","Total":1,"Succeeded":1,"Failed":0,"OrchestrationError":"PostExecution x failed"}"#
        _ = try await host.core.durable.insert(instance)
        let report: JSONValue = [
            "Entries": [
                [
                    "TimerId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "Outcome": "NotDue",
                    "Next": "2026-01-21T00:00:00Z",
                ],
                ["TimerId": "b2c3d4e5-f6a7-8901-bcde-f12345678901", "Outcome": "Skipped", "Reason": "was 900 s late"],
                [
                    "TimerId": "c3d4e5f6-a7b8-9012-cdef-123456789012", "Outcome": "Busy",
                    "Reason": "orchestration running",
                ],
                ["TimerId": "d4e5f6a7-b8c9-0123-def1-234567890123", "Outcome": "Ran", "InstanceId": "bill-2"],
            ],
            "Invalid": [["Id": "e5f6a7b8-c9d0-1234-ef12-345678901234", "Reason": "Cron: not a schedule"]],
            "Problems": ["entry 5: Cron: not a schedule"],
        ]

        let summary = await TickSummary.build(core: host.core, appRoot: app.root, tickStart: now, reports: [report])

        let byTimer = Dictionary(summary.rows.map { ($0.timer, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byTimer["Start-DurableCleanup"]?.status == "not due")
        #expect(byTimer["Start-DurableCleanup"]?.result == "next 2026-01-21T00:00:00Z")
        #expect(byTimer["Start-SubscriptionCleanup"]?.status == "skipped")
        #expect(byTimer["Start-AnalyticsAggregation"]?.result == "orchestration running")
        #expect(byTimer["Start-BillingOrchestrator"]?.status == "Failed")
        #expect(byTimer["Start-BillingOrchestrator"]?.result.contains("PostExecution x failed") == true)
        #expect(summary.rows.contains { $0.status == "invalid" && $0.result == "Cron: not a schedule" })
        #expect(summary.notes == ["entry 5: Cron: not a schedule"])
    }

    @Test("the handler's warning and error log lines are logged at their level, others at debug")
    func handlerLogLevels() {
        #expect(FunctionInvoker.level(ofLogLine: "warning the TimerInfo cannot be read") == .warning)
        #expect(FunctionInvoker.level(ofLogLine: "error the store is unreachable") == .error)
        #expect(FunctionInvoker.level(ofLogLine: "info timer fired") == .debug)
    }

    @Test("linktome dev --once runs a tick, prints the summary and exits 0")
    func commandLine() throws {
        let app = try TestApp(plan: [planned("cli-1", ["Mode": "Sequence", "Items": [item("a")]])])
        defer { app.remove() }
        let binary = try linktomeBinary()

        let (status, output) = try run(
            binary,
            [
                "dev", "--once", "--all", "--app-root", app.root, "--handler", binary, "--handler-arg", "dev",
                "--handler-arg", "--serve-fixture", "--webhook-key", "devkey-1",
            ]
        )

        #expect(status == 0, "\(output)")
        #expect(output.contains("(every timer): 1 orchestrations"))
        #expect(output.contains("TIMER"))
        #expect(!output.contains("infrastructure problem"))
        #expect(output.contains("code=devkey-1"))
        #expect(try run(binary, ["dev", "--all"]).status == 2)
        #expect(try run(binary, ["dev", "--once", "--webhook-key", "a b"]).status == 2)
        #expect(try run(binary, ["dev", "--once", "--at", "yesterday"]).status == 2)
    }

    private func run(_ binary: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
