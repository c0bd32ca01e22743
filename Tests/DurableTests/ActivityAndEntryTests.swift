import Foundation
import LinkTomeCore
import Testing

@testable import Durable

@Suite("Activity input, outcome envelope and the orchestration entry point")
struct ActivityAndEntryTests {
    /// Parses a request body the way the handler does and returns its `Data` object.
    private func data(_ body: String) throws -> [String: JSONValue] {
        try #require(try JSONParser.parse(body)["Data"]?.objectValue)
    }

    @Test("a string input arrives quoted twice and decodes to the raw JSON the orchestrator sent")
    func stringInput() throws {
        let body = #"{"Data":{"Item":"\"\\\"Tokyo\\\"\""},"Metadata":{"instanceId":"\"b8f2\""}}"#
        let metadata = try #require(try JSONParser.parse(body)["Metadata"]?.objectValue)

        let input = try ActivityInput(triggerValue: try data(body)["Item"])

        #expect(input.rawJSON == "\"Tokyo\"")
        #expect(input.value == "Tokyo")
        #expect(ActivityInput.instanceId(metadata: metadata) == "b8f2")
    }

    @Test("object, number and null inputs decode; an unquoted value is accepted as is")
    func otherInputs() throws {
        let object = try ActivityInput(triggerValue: .string(#""{\"a\":[1,2]}""#))
        let number = try ActivityInput(triggerValue: .string(#""5""#))
        let none = try ActivityInput(triggerValue: .string("null"))
        let unquoted = try ActivityInput(triggerValue: .object(["a": 1]))

        #expect(object.rawJSON == #"{"a":[1,2]}"#)
        #expect(object.value == ["a": [1, 2]])
        #expect(number.value == 5)
        #expect(none == ActivityInput(rawJSON: nil, value: .null))
        #expect(unquoted.value == ["a": 1])
        #expect(throws: DurableError.self) { try ActivityInput(triggerValue: nil) }
    }

    @Test("the shared activity request fixtures decode to their inputs", .enabled(if: SharedFixtures.isPresent))
    func sharedActivityRequests() throws {
        for url in SharedFixtures.files("generated", suffix: ".json")
        where url.lastPathComponent.hasPrefix("http_request_activity") {
            let body = try #require(try JSONParser.parse(SharedFixtures.text(url))["body"])
            let data = try #require(body["Data"]?.objectValue)
            let metadata = try #require(body["Metadata"]?.objectValue)

            let input = try ActivityInput(triggerValue: data.values.first)

            #expect(input.rawJSON != nil)
            #expect(input.value != .null)
            #expect(ActivityInput.instanceId(metadata: metadata) == "b8f2c6a7e4d94a0f9c1e2d3f4a5b6c7d")
        }
    }

    @Test("a failing activity answers a failure envelope that the orchestration side reads back")
    func failureEnvelope() async throws {
        struct QuotaExceeded: Error, CustomStringConvertible {
            var description: String { "quota of 100 requests exceeded" }
        }
        let data: [String: JSONValue] = ["item": .string(#""{\"user\":7}""#)]

        let thrown = await ActivityExecution.run(data: data, binding: "Item", name: "Fetch") { _ in
            throw QuotaExceeded()
        }
        let explicit = await ActivityExecution.run(data: data, binding: "Item", name: "Fetch") { input in
            throw ActivityFailure(
                errorType: "HTTP404",
                message: "user missing",
                details: input.value,
                isNonRetriable: true
            )
        }
        let fine = await ActivityExecution.run(data: data, binding: "Item", name: "Fetch") { $0.value }

        #expect(ActivityOutcome(taskResult: thrown.returnValue.jsonText) == thrown)
        #expect(
            thrown == .failed(ActivityFailure(errorType: "QuotaExceeded", message: "quota of 100 requests exceeded"))
        )
        #expect(
            explicit.returnValue.jsonText
                == #"{"durableActivityFailure":{"details":{"user":7},"errorType":"HTTP404","isNonRetriable":true,"#
                + #""message":"user missing"}}"#
        )
        #expect(ActivityOutcome(taskResult: explicit.returnValue.jsonText) == explicit)
        #expect(fine == .completed(["user": 7]))
        #expect(ActivityOutcome(taskResult: nil) == .completed(.null))
    }

    @Test("an envelope failure reaches orchestrator code as ActivityFailed with the activity's details")
    func activityFailedInOrchestrator() async throws {
        var registry = OrchestratorRegistry()
        registry.register("Catcher") { context in
            do {
                return try await context.callActivity("Fetch").value
            } catch let failed as ActivityFailed {
                return ["name": .string(failed.name), "type": .string(failed.errorType), "details": failed.details]
            }
        }
        var hub = TaskHubSimulation(registry: registry)
        let envelope = ActivityOutcome.failed(
            ActivityFailure(errorType: "HTTP404", message: "gone", details: ["id": 3])
        )
        _ = try await hub.start("Catcher")

        let response = try await hub.episode(
            [Events.taskCompleted(0, envelope.returnValue.jsonText)],
            at: Events.start.plus(1)
        )

        #expect(response.completion?.result == #"{"details":{"id":3},"name":"Fetch","type":"HTTP404"}"#)
    }

    @Test("the entry point decodes the quoted base64 trigger value and answers base64")
    func entryPoint() async throws {
        let request = OrchestratorRequest(
            instanceId: "i",
            newEvents: [Events.orchestratorStarted(Events.start), Events.executionStarted("HelloCities")]
        )
        let quoted = JSONValue.string(request.protobufBytes.base64).jsonText

        let fromQuoted = try await OrchestrationEngine.run(
            data: ["context": .string(quoted)],
            binding: "Context",
            registry: SampleOrchestrators.registry
        )
        let fromBare = try await OrchestrationEngine.run(
            data: ["Context": .string(request.protobufBytes.base64)],
            binding: "Context",
            registry: SampleOrchestrators.registry
        )

        #expect(fromQuoted == fromBare)
        #expect(try OrchestratorResponse(protobuf: FixtureBytes.base64(fromQuoted)).actions.count == 1)
    }

    @Test("a missing or malformed trigger value still gets a valid FAILED response")
    func unreadableTrigger() async throws {
        for data: [String: JSONValue] in [[:], ["Context": 42], ["Context": .string("\"unterminated")]] {
            let answer = try await OrchestrationEngine.run(
                data: data,
                binding: "Context",
                registry: SampleOrchestrators.registry
            )

            let response = try OrchestratorResponse(protobuf: FixtureBytes.base64(answer))
            #expect(response.completion?.failureDetails?.errorType == "InvalidOrchestratorRequest")
        }
    }

    @Test("the legacy JSON protocol is refused with a message naming FUNCTIONS_WORKER_RUNTIME")
    func legacyProtocol() async throws {
        let legacy = JSONValue.string(#"{"history":[],"input":null,"instanceId":"i","isReplaying":false}"#).jsonText
        let settings = Settings(["FUNCTIONS_WORKER_RUNTIME": "node"])

        await #expect(throws: DurableError.legacyProtocol(workerRuntime: "node")) {
            try await OrchestrationEngine.run(
                data: ["Context": .string(legacy)],
                binding: "Context",
                registry: SampleOrchestrators.registry,
                settings: settings
            )
        }
        #expect(
            DurableError.legacyProtocol(workerRuntime: "node").description
                == "the orchestration request uses the legacy JSON protocol of the Durable extension: the app setting "
                + "FUNCTIONS_WORKER_RUNTIME must be 'custom' (it is 'node') so that the extension sends base64 protobuf"
        )
        #expect(OrchestrationEngine.workerRuntimeProblem(settings: settings) != nil)
        #expect(
            OrchestrationEngine.workerRuntimeProblem(settings: Settings(["FUNCTIONS_WORKER_RUNTIME": "Custom"])) == nil
        )
    }
}

@Suite("JSON text of scheduled inputs")
struct InputTextTests {
    @Test("the fast path writes the same text as the JSON writer")
    func sameAsWriter() {
        let values: [JSONValue] = [
            1, -42, true, false, "plain", "with \"quote\"", "back\\slash", "tab\there", "é東京", "", 1.5, [1, "a"],
            ["k": nil],
        ]

        for value in values {
            #expect(value.nullableJSONText == value.jsonText, "\(value)")
        }
        #expect(JSONValue.null.nullableJSONText == nil)
    }
}
