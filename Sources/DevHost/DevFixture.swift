import Durable
import Foundation
import FunctionsHandler
import LinkTomeCore
import LinkTomeHTTP
import TableStorage

/// A small custom handler with demonstration functions, served by `linktome dev --serve-fixture`
/// and used by the development host's own tests: the same three function names as the app, but
/// with orchestrations whose shape each test controls.
///
/// - `LinkTomeTimer` records what it received (table `DevFixtureTicks`) and starts the
///   orchestrations listed in `fixture-plan.json` (app root) through the durable client binding;
///   each (tick occurrence, instance) is claimed with a conditional insert first, so two hosts on
///   one store start each orchestration once.
/// - `LinkTomeOrchestrator` runs the items of its input in `FanOut`, `Sequence` or `NoScaling` mode
///   (as LinkTome's orchestrator does), optionally after a durable timer, with a sub-orchestration,
///   an external event or continue-as-new.
/// - `LinkTomeActivity` counts attempts and completions per item in table `DevFixtureWork`, fails
///   (HTTP 500) the first `FailTimes` attempts, and sleeps `SleepMs` before completing.
public enum DevFixture {
    public static let ticksTable = "DevFixtureTicks"
    public static let workTable = "DevFixtureWork"
    public static let claimsTable = "DevFixtureClaims"
    public static let planFile = "fixture-plan.json"

    /// Registers the three functions.
    public static func register(in app: FunctionsApp, store: any TableStore) {
        let client = HostClient()
        app.register("LinkTomeTimer") { invocation in try await timer(invocation, store: store, client: client) }
        app.register("LinkTomeOrchestrator") { invocation in
            if let broken = try brokenAnswer(invocation) { return broken }
            var registry = OrchestratorRegistry()
            registry.register("LinkTomeOrchestrator", orchestrate)
            let response = try await OrchestrationEngine.run(
                data: invocation.data,
                binding: "Context",
                registry: registry,
                logger: invocation.logger
            )
            return InvocationResult(returnValue: .string(response))
        }
        app.register("LinkTomeActivity") { invocation in try await activity(invocation, store: store) }
    }

    /// Instances named `broken-…` get a `ReturnValue` that is not base64, `crash-…` a 500: the two
    /// ways an orchestrator answer fails an orchestration for good.
    private static func brokenAnswer(_ invocation: Invocation) throws -> InvocationResult? {
        guard case .string(let text)? = invocation.decodedInput("Context") else { return nil }
        let request = try OrchestratorRequest(base64: text)
        if request.instanceId.hasPrefix("broken-") { return InvocationResult(returnValue: "this is not base64!") }
        if request.instanceId.hasPrefix("crash-") {
            throw DevHostError.invalidOption("orchestrator \(request.instanceId) crashes on purpose")
        }
        return nil
    }

    /// Serves the fixture handler until SIGTERM, with the store the settings name.
    public static func serve(settings: Settings, logger: Logger) async -> Int32 {
        do {
            let store = try TableStoreFactory.makeStore(settings: settings, logger: logger)
            let app = FunctionsApp(logger: logger)
            register(in: app, store: store)
            try await app.serve(settings: settings, logger: logger)
            return 0
        } catch {
            logger.error("fixture handler failed", metadata: ["error": "\(error)"])
            return 1
        }
    }

    // MARK: - Timer

    private static func timer(
        _ invocation: Invocation,
        store: any TableStore,
        client: HostClient
    ) async throws
        -> InvocationResult
    {
        let info = try TimerInfo(invocation.input("Timer") ?? .null)
        let descriptor = invocation.decodedInput("starter", times: 2) ?? .null
        let devHost = invocation.metadata[HostEnvelope.devHostMetadataKey]
        let occurrence = info.scheduleStatus?.next?.iso8601Trimmed ?? "none"
        _ = try await store.createTableIfNotExists(ticksTable)
        try await store.upsert(
            TableEntity(
                partitionKey: "tick",
                rowKey: invocation.invocationId,
                properties: [
                    "IsPastDue": .bool(info.isPastDue),
                    "Occurrence": .string(occurrence),
                    "Last": .string(info.scheduleStatus?.last?.iso8601Trimmed ?? "never"),
                    "RunAll": .bool(devHost?["RunAll"]?.boolValue ?? false),
                    "Descriptor": .string(descriptor.jsonText),
                    "StarterRaw": .string(invocation.input("starter")?.jsonText ?? ""),
                    "Environment": .string(environment().jsonText),
                ]
            ),
            in: ticksTable
        )

        let plan = try readPlan()
        guard !plan.isEmpty else { return InvocationResult(returnValue: ["started": []]) }
        guard let base = descriptor["httpBaseUrl"]?.stringValue, let url = HTTPURL(base),
            let query = descriptor["requiredQueryStringParameters"]?.stringValue
        else { throw DevHostError.invalidOption("the durable client binding has no usable httpBaseUrl") }

        _ = try await store.createTableIfNotExists(claimsTable)
        var started: [JSONValue] = []
        for entry in plan {
            guard let instanceId = entry["instanceId"]?.stringValue else { continue }
            let claim = TableEntity(
                partitionKey: "claim",
                rowKey: instanceId,
                properties: ["By": .string(invocation.invocationId)]
            )
            guard case .applied = try await store.insertIfAbsent(claim, into: claimsTable) else { continue }
            let target = url.target + "/orchestrators/LinkTomeOrchestrator/" + instanceId + "?" + query
            let request = HTTPRequest(
                method: "POST",
                target: target,
                headers: HTTPHeaders([("Content-Type", "application/json")]),
                body: (entry["input"] ?? .null).jsonBytes
            )
            let response = try await client.send(request, port: url.port, chunked: false, timeout: 30)
            guard response.status == 202 else {
                throw DevHostError.malformedResponse("start \(instanceId): HTTP \(response.status) \(response.text)")
            }
            started.append(.string(instanceId))
        }
        return InvocationResult(returnValue: ["started": .array(started)])
    }

    /// What the handler process was started with, for tests of the host's launch.
    private static func environment() -> JSONValue {
        let settings = Settings.process
        var values: [String: JSONValue] = ["cwd": .string(FileManager.default.currentDirectoryPath)]
        for name in [
            "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_CUSTOMHANDLER_PORT", "FUNCTIONS_HTTPWORKER_PORT",
            "FUNCTIONS_CUSTOMHANDLER_WORKER_ID", "FUNCTIONS_APP_ROOT_PATH", "AzureWebJobsScriptRoot",
            "LINKTOME_STORAGE",
            DevHostOptions.devHostSetting, DevHostOptions.timeOffsetSetting,
        ] {
            values[name] = settings[name].map(JSONValue.string) ?? .null
        }
        return .object(values)
    }

    private static func readPlan() throws -> [JSONValue] {
        let path = FileManager.default.currentDirectoryPath + "/" + planFile
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return try JSONParser.parse(Array(data))["orchestrations"]?.arrayValue ?? []
    }

    // MARK: - Orchestrator

    @Sendable
    static func orchestrate(_ context: OrchestrationContext) async throws -> JSONValue {
        let input = context.input
        let mode = input["Mode"]?.stringValue ?? "FanOut"
        let items = input["Items"]?.arrayValue ?? []
        let retry = RetryPolicy(
            maxAttempts: input["MaxAttempts"]?.intValue ?? 1,
            firstInterval: input["RetrySeconds"]?.doubleValue ?? 1,
            backoffCoefficient: 2
        )
        context.setCustomStatus(["Mode": .string(mode), "Items": .integer(Int64(items.count))])
        if let seconds = input["TimerSeconds"]?.doubleValue { _ = try await context.createTimer(after: seconds).value }

        var results: [JSONValue] = []
        var failures: [JSONValue] = []
        switch mode {
        case "FanOut":
            let tasks = items.map { context.callActivity("LinkTomeActivity", input: $0, retry: retry) }
            for outcome in try await context.whenAllSettled(tasks) {
                switch outcome {
                case .success(let value): results.append(value)
                case .failure(let error): failures.append(.string("\(error)"))
                }
            }
        default:
            for item in items {
                do {
                    let task = context.callActivity(
                        "LinkTomeActivity",
                        input: item,
                        retry: mode == "Sequence" ? retry : nil
                    )
                    results.append(try await task.value)
                } catch let error as OrchestrationInterrupted {
                    throw error
                } catch {
                    failures.append(.string("\(error)"))
                    break
                }
            }
        }
        var output: [String: JSONValue] = ["Mode": .string(mode), "Succeeded": .integer(Int64(results.count))]
        output["Failed"] = .integer(Int64(failures.count))
        output["Errors"] = .array(failures)
        if let child = input["Child"] {
            let name = input["ChildName"]?.stringValue ?? "LinkTomeOrchestrator"
            output["Child"] = try await context.callSubOrchestrator(name, input: child).value
        }
        if let event = input["WaitEvent"]?.stringValue {
            output["Event"] = try await context.waitForExternalEvent(event).value
        }
        if let previous = input["Previous"] { output["Previous"] = previous }
        if let remaining = input["ContinueTimes"]?.intValue, remaining > 0 {
            let next: JSONValue = [
                "Mode": .string(mode), "ContinueTimes": .integer(Int64(remaining - 1)), "Previous": .object(output),
            ]
            context.continueAsNew(next)
            return .null
        }
        return .object(output)
    }

    // MARK: - Activity

    private static func activity(_ invocation: Invocation, store: any TableStore) async throws -> InvocationResult {
        let item = invocation.decodedInput("Item", times: 2) ?? .null
        let instanceId = invocation.decodedMetadata("instanceId")?.stringValue ?? "unknown"
        let name = item["Name"]?.stringValue ?? "item"
        _ = try await store.createTableIfNotExists(workTable)
        let attempt = try await bump("Attempts", instanceId: instanceId, item: name, store: store)
        if attempt <= item["FailTimes"]?.intValue ?? 0 {
            throw DevHostError.invalidOption("item \(name) fails attempt \(attempt) on purpose")
        }
        if let sleep = item["SleepMs"]?.intValue, sleep > 0 { try await Task.sleep(for: .milliseconds(sleep)) }
        _ = try await bump("Completions", instanceId: instanceId, item: name, store: store)
        return InvocationResult(returnValue: ["Item": .string(name), "Attempt": .integer(Int64(attempt))])
    }

    /// Adds one to a counter column of the item's row, with a conditional write; returns the new value.
    private static func bump(
        _ column: String,
        instanceId: String,
        item: String,
        store: any TableStore
    ) async throws -> Int {
        for _ in 0..<50 {
            if var row = try await store.get(from: workTable, partitionKey: instanceId, rowKey: item) {
                let value = (row[column]?.intValue ?? 0) + 1
                row[column] = .int32(Int32(value))
                if try await store.updateIfUnchanged(row, in: workTable).succeeded { return value }
            } else {
                let row = TableEntity(partitionKey: instanceId, rowKey: item, properties: [column: .int32(1)])
                if try await store.insertIfAbsent(row, into: workTable).succeeded { return 1 }
            }
        }
        throw DevHostError.storage("the counter \(column) of \(item) kept changing")
    }
}
