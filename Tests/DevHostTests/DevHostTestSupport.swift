import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage
import Testing

@testable import DevHost

/// The package root, found from this file's path.
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The `linktome` binary built by `swift build`.
func linktomeBinary() throws -> String {
    let path = packageRoot + "/.build/debug/linktome"
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw TestSetupError("\(path) is missing: run `swift build` before `swift test`")
    }
    return path
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A Functions app root in a temporary directory: the repository's function folders, a host.json
/// with its own hub, and the fixture handler's orchestration plan.
struct TestApp {
    let root: String
    var storePath: String { root + "/.linktome/linktome.sqlite" }

    init(plan: [JSONValue] = [], functionTimeout: String = "00:02:00", schedule: String = "0 */15 * * * *") throws {
        root = NSTemporaryDirectory() + "devhost-test-" + UUID().uuidString.prefix(8).lowercased()
        let files = FileManager.default
        try files.createDirectory(atPath: root, withIntermediateDirectories: true)
        for function in ["LinkTomeOrchestrator", "LinkTomeActivity", "LinkTomeTimer"] {
            try files.copyItem(atPath: packageRoot + "/" + function, toPath: root + "/" + function)
        }
        let timer = OrderedJSON.object([
            (
                "bindings",
                [
                    ["name": "Timer", "type": "timerTrigger", "direction": "in", "schedule": .string(schedule)],
                    ["name": "starter", "type": "durableClient", "direction": "in"],
                ]
            )
        ])
        try write(timer, to: "LinkTomeTimer/function.json")
        let host = OrderedJSON.object([
            ("version", "2.0"),
            ("functionTimeout", .string(functionTimeout)),
            ("extensions", ["durableTask": ["hubName": "DevTestHub"]]),
        ])
        try write(host, to: "host.json")
        try setPlan(plan)
        try files.copyItem(atPath: packageRoot + "/LinkTomeTimers.json", toPath: root + "/LinkTomeTimers.json")
    }

    /// A copy of the repository's app: host.json, the three functions and the catalogue, served by
    /// the real handler (`linktome` with no arguments).
    static func real() throws -> TestApp {
        let app = try TestApp()
        try FileManager.default.removeItem(atPath: app.root + "/host.json")
        try FileManager.default.removeItem(atPath: app.root + "/LinkTomeTimer")
        try FileManager.default.copyItem(atPath: packageRoot + "/host.json", toPath: app.root + "/host.json")
        try FileManager.default.copyItem(atPath: packageRoot + "/LinkTomeTimer", toPath: app.root + "/LinkTomeTimer")
        try FileManager.default.removeItem(atPath: app.root + "/" + DevFixture.planFile)
        return app
    }

    /// A development host for this app running the real handler.
    func realHost(timeOffset: Double = 0, logger: Logger = testLogger()) throws -> DevHost {
        var options = DevHostOptions(
            appRoot: root,
            storePath: storePath,
            handlerCommand: [try linktomeBinary()],
            settings: Settings(ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STRIPE") }),
            logger: logger,
            handlerOutput: { line, _ in testOutput("handler | " + line) }
        )
        options.handlerEnvironment["LINKTOME_LOG_LEVEL"] = "warning"
        options.timeOffset = timeOffset
        options.pollMilliseconds = 100
        return try DevHost(options: options)
    }

    func write(_ text: String, to relative: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + relative))
    }

    func setPlan(_ plan: [JSONValue]) throws {
        try write(JSONValue.object(["orchestrations": .array(plan)]).jsonText, to: DevFixture.planFile)
    }

    /// A development host for this app running the fixture handler (`linktome dev --serve-fixture`).
    func host(logger: Logger = testLogger(), poll: Int = 100) throws -> DevHost {
        var options = DevHostOptions(
            appRoot: root,
            storePath: storePath,
            handlerCommand: [try linktomeBinary(), "dev", "--serve-fixture"],
            settings: Settings(ProcessInfo.processInfo.environment),
            logger: logger,
            handlerOutput: { line, _ in testOutput("handler | " + line) }
        )
        options.handlerEnvironment["LINKTOME_LOG_LEVEL"] = "warning"
        options.pollMilliseconds = poll
        return try DevHost(options: options)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// A plan entry: one orchestration the fixture timer starts.
func planned(_ instanceId: String, _ input: JSONValue) -> JSONValue {
    ["instanceId": .string(instanceId), "input": input]
}

/// An item of a fixture orchestration.
func item(_ name: String, failTimes: Int = 0, sleepMs: Int = 0) -> JSONValue {
    ["Name": .string(name), "FailTimes": .integer(Int64(failTimes)), "SleepMs": .integer(Int64(sleepMs))]
}

/// Log output of tests goes to standard error only when `DEVHOST_TEST_VERBOSE` is set.
func testOutput(_ line: String) {
    guard ProcessInfo.processInfo.environment["DEVHOST_TEST_VERBOSE"] != nil else { return }
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

struct TestSink: LogSink {
    func emit(_ record: LogRecord) { testOutput(record.formatted) }
}

func testLogger() -> Logger {
    Logger(label: "devhost-test", level: .debug, sink: TestSink())
}

/// Starts the host, runs `body`, and stops the host even when `body` throws.
func withHost<T>(_ host: DevHost, _ body: (DevHost) async throws -> T) async throws -> T {
    try await host.start()
    do {
        let result = try await body(host)
        await host.stop()
        return result
    } catch {
        await host.stop()
        throw error
    }
}

/// The fixture's attempt and completion counters for `item` of `instanceId`.
func workCounts(_ host: DevHost, _ instanceId: String, _ item: String) async throws -> (attempts: Int, completions: Int)
{
    guard try await host.core.durable.store.listTables().contains(DevFixture.workTable) else { return (0, 0) }
    let row = try await host.core.durable.store.get(from: DevFixture.workTable, partitionKey: instanceId, rowKey: item)
    return (row?["Attempts"]?.intValue ?? 0, row?["Completions"]?.intValue ?? 0)
}

/// Waits until `condition` holds or `seconds` pass.
func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Calls the host's webhook API with its system key.
func webhook(
    _ host: DevHost,
    _ method: String,
    _ path: String,
    query: String = "",
    body: String? = nil,
    headers: [(String, String)] = [],
    key: String? = nil
) async throws -> HTTPResponse {
    let url = try #require(HTTPURL(host.webhook.baseURL))
    var target = url.target + path + "?code=" + (key ?? host.webhook.systemKey)
    if !query.isEmpty { target += "&" + query }
    var fields = HTTPHeaders(headers)
    if body != nil, !fields.contains("Content-Type") { fields.add("Content-Type", "application/json") }
    let request = HTTPRequest(method: method, target: target, headers: fields, body: Array((body ?? "").utf8))
    return try await HostClient().send(request, port: url.port, chunked: false, timeout: 30)
}

extension HTTPResponse {
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
}
