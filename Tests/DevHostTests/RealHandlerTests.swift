import Foundation
import Glibc
import LinkTomeCore
import TableStorage
import Testing

@testable import DevHost

/// Runs the real `linktome` binary as the handler, with the app's catalogue and jobs.
@Suite("The real handler under the dev host", .serialized)
struct RealHandlerTests {
    @Test("the README's first command runs every timer of the catalogue and shows each result")
    func everyTimer() throws {
        let app = try TestApp.real()
        defer { app.remove() }
        let binary = try linktomeBinary()

        let (status, output) = try runProcess(
            binary,
            ["dev", "--once", "--all", "--seed-demo", "--app-root", app.root]
        )

        #expect(status == 0, "\(output)")
        let catalogue = try JSONParser.parse(
            Array(try Data(contentsOf: URL(fileURLWithPath: app.root + "/LinkTomeTimers.json")))
        )
        let commands = catalogue.arrayValue?.compactMap { $0["Command"]?.stringValue } ?? []
        #expect(commands.count == 13)
        let lines = output.split(separator: "\n").map(String.init)
        for command in commands {
            let line = lines.first { $0.hasPrefix(command + " ") }
            #expect(line?.contains(" Completed ") == true, "\(command): \(line ?? "missing")")
        }
        #expect(!output.contains("infrastructure problem"))
    }

    @Test("the app's orchestrator runs a batch in each durable mode through the webhook API")
    func durableModes() async throws {
        let app = try TestApp.real()
        defer { app.remove() }

        try await withHost(try app.realHost()) { host in
            let items: [JSONValue] = [
                ["Command": "Start-RefreshTokenCleanup"], ["Command": "Start-TwoFactorSessionCleanup"],
            ]
            for mode in ["FanOut", "Sequence", "NoScaling"] {
                let input: JSONValue = [
                    "OrchestratorName": .string("Test" + mode), "DurableMode": .string(mode), "Batch": .array(items),
                ]
                let started = try await webhook(
                    host,
                    "POST",
                    "/orchestrators/LinkTomeOrchestrator/mode-\(mode)",
                    body: input.jsonText
                )
                #expect(started.status == 202)
            }
            let failing: JSONValue = [
                "OrchestratorName": "TestFailing", "DurableMode": "NoScaling",
                "Batch": [["Command": "Start-NoSuchCommand"], ["Command": "Start-RefreshTokenCleanup"]],
            ]
            _ = try await webhook(
                host,
                "POST",
                "/orchestrators/LinkTomeOrchestrator/mode-failing",
                body: failing.jsonText
            )

            #expect(await host.waitForTrackedInstances(timeout: 60).isEmpty)
            for mode in ["FanOut", "Sequence", "NoScaling"] {
                let status = try await webhook(host, "GET", "/instances/mode-\(mode)").json
                #expect(status["runtimeStatus"] == "Completed")
                #expect(status["output"]?["Succeeded"] == 2, "\(mode): \(status)")
                #expect(status["output"]?["Failed"] == 0)
            }
            // An item that fails is reported in the output; NoScaling stops the rest of the batch.
            let failed = try await webhook(host, "GET", "/instances/mode-failing").json
            #expect(failed["output"]?["Failed"] == 1, "\(failed)")
            #expect(failed["output"]?["Succeeded"] == 0)
        }
    }
}

/// Runs a process to its end and returns its exit status and combined output.
func runProcess(_ binary: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["STRIPE_API_KEY"] = nil
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Kills and concurrency with the real handler, at a time when most timers are due.
@Suite("The real handler: crashes and two hosts", .serialized)
struct RealHandlerResilienceTests {
    /// 2026-01-20T02:00:30Z: the 15-minute, 30-minute and hourly timers are due, and the 00:00,
    /// 01:00 and 02:00 daily ones are within the catch-up window.
    static let tickTime = Timestamp(iso8601: "2026-01-20T02:00:30Z")!

    static func offset(minutes: Double) -> Double {
        tickTime.date.timeIntervalSinceNow + minutes * 60
    }

    /// The timer status rows by command.
    static func rows(_ host: DevHost) async throws -> [String: TableEntity] {
        let rows = try await host.core.durable.store.queryAll(TickSummary.statusTable)
        return Dictionary(
            rows.compactMap { row in row["Command"]?.stringValue.map { ($0, row) } },
            uniquingKeysWith: { a, _ in a }
        )
    }

    @Test("two hosts tick the same store at once: each due timer runs once")
    func twoHosts() async throws {
        let app = try TestApp.real()
        defer { app.remove() }
        let first = try app.realHost(timeOffset: Self.offset(minutes: 0))
        let second = try app.realHost(timeOffset: Self.offset(minutes: 0))

        try await withHost(first) { first in
            try await withHost(second) { second in
                async let one = first.tick(runAll: false)
                async let two = second.tick(runAll: false)
                let outcomes = try await one + two
                for (_, outcome) in outcomes {
                    if case .succeeded = outcome {} else { Issue.record("a timer invocation failed: \(outcome)") }
                }
                #expect(await first.waitForTrackedInstances(timeout: 60).isEmpty)
                #expect(await second.waitForTrackedInstances(timeout: 60).isEmpty)

                let started = first.core.trackedInstances.union(second.core.trackedInstances)
                #expect(first.core.trackedInstances.isDisjoint(with: second.core.trackedInstances))
                let rows = try await Self.rows(first)
                let ran = rows.values.filter { $0["Attempt"]?.intValue == 1 }
                #expect(ran.count >= 8)
                #expect(rows.values.allSatisfy { ($0["Attempt"]?.intValue ?? 0) <= 1 })
                // One orchestration per timer and occurrence, wherever it was started.
                let timers = started.map { $0.split(separator: ":").first.map(String.init) ?? $0 }
                #expect(Set(timers).count == started.count, "\(started.sorted())")
                #expect(started.allSatisfy { $0.hasSuffix(":2026-01-20T02:00:00Z") })
            }
        }
    }

    @Test("a handler killed during a tick is restarted; later ticks finish every due timer once")
    func killedDuringTick() async throws {
        let app = try TestApp.real()
        defer { app.remove() }

        let first = try app.realHost(timeOffset: Self.offset(minutes: 0))
        try await withHost(first) { host in
            try await DemoInstancesSeed.seedBusinessLike(host)
            let tick = Task { try await host.tick(runAll: false) }
            let started = try await eventually(20) { !host.core.trackedInstances.isEmpty }
            #expect(started)
            #expect(host.handler.kill(signal: SIGKILL))
            _ = try? await tick.value
            _ = await host.waitForTrackedInstances(timeout: 60)
            #expect(host.handler.starts == 2)
        }
        for minutes in [16.0, 31.0, 46.0] {
            let later = try app.realHost(timeOffset: Self.offset(minutes: minutes))
            try await withHost(later) { host in
                _ = try await host.tick(runAll: false)
                #expect(await host.waitForTrackedInstances(timeout: 60).isEmpty)
            }
        }

        let check = try app.realHost(timeOffset: Self.offset(minutes: 46))
        let instances = try await check.core.durable.store.queryAll(check.core.durable.instancesTable)
            .map(InstanceRecord.init(entity:))
        let allEnded = instances.allSatisfy { $0.runtimeStatus.isTerminal }
        #expect(allEnded)
        // Nothing lost: every timer finished its last run (a row still `Started` names an
        // orchestration that has completed; the next tick records it).
        let rows = try await Self.rows(check)
        for (command, row) in rows {
            let status = row["Status"]?.stringValue ?? ""
            let instance = instances.first { $0.instanceId == row["OrchestratorId"]?.stringValue }
            let finished =
                status == "Completed" || status == "Not Scheduled"
                || (status == "Started" && instance?.runtimeStatus == .completed)
            #expect(finished, "\(command): \(status) \(row["ErrorMsg"]?.stringValue ?? "")")
        }
        // Nothing run twice: per timer occurrence, at most one orchestration completed all its items.
        let clean = instances.filter {
            $0.runtimeStatus == .completed && OrderedJSON.value($0.output)["Failed"] == 0
                && $0.instanceId.contains(":20")
        }
        let occurrences = clean.map {
            $0.instanceId.replacingOccurrences(of: #":attempt-\d+$"#, with: "", options: .regularExpression)
        }
        withKnownIssue(
            """
            An abandoned run whose orchestration already exists is adopted, but a narrower window remains: \
            when the handler dies while its start request is still being processed, the next tick can find no \
            instance yet, mark the run failed and retry it as attempt 2, so the job can run twice.
            """,
            isIntermittent: true
        ) {
            #expect(Set(occurrences).count == occurrences.count, "\(occurrences.sorted())")
        }
    }
}

/// Demo data for the real-handler scenarios.
enum DemoInstancesSeed {
    static func seedBusinessLike(_ host: DevHost) async throws {
        try await DemoInstances.seed(into: host.core.durable, now: host.core.now())
    }
}
