import Foundation
import LinkTomeCore
import Testing

@testable import Durable

@Suite("Replay of the shared reference scenarios", .enabled(if: SharedFixtures.isPresent))
struct SharedFixtureReplayTests {
    /// Runs the request fixture `stem` through the engine and decodes the expected response `answer`.
    private func replay(_ stem: String, _ answer: String) async throws -> (actual: String, expected: String) {
        let request = SharedFixtures.files("generated", suffix: ".b64").first { $0.lastPathComponent.hasPrefix(stem) }
        let response = SharedFixtures.files("generated", suffix: ".b64").first {
            $0.lastPathComponent.hasPrefix(answer)
        }
        let requestText = SharedFixtures.text(try #require(request)).trimmingCharacters(in: .whitespacesAndNewlines)
        let expected = SharedFixtures.text(try #require(response)).trimmingCharacters(in: .whitespacesAndNewlines)

        let actual = await OrchestrationEngine.run(requestBase64: requestText, registry: SampleOrchestrators.registry)
        return (actual, expected)
    }

    @Test(
        "the engine's answers are byte-identical to the expected responses",
        arguments: [
            ("orchestrator_request_01_", "orchestrator_response_01_"),
            ("orchestrator_request_02_", "orchestrator_response_02_"),
            ("orchestrator_request_02b_", "orchestrator_response_02b_"),
            ("orchestrator_request_04_", "orchestrator_response_04_"),
            ("orchestrator_request_05_", "orchestrator_response_05_"),
        ]
    )
    func byteIdentical(pair: (String, String)) async throws {
        let (actual, expected) = try await replay(pair.0, pair.1)

        #expect(actual == expected)
    }

    @Test("the fan-out failure answer has the expected status, id and failure details")
    func fanOutFailure() async throws {
        let (actual, expected) = try await replay("orchestrator_request_03_", "orchestrator_response_03_")

        let ours = try OrchestratorResponse(protobuf: FixtureBytes.base64(actual))
        let theirs = try OrchestratorResponse(protobuf: FixtureBytes.base64(expected))
        #expect(ours.actions.map(\.id) == theirs.actions.map(\.id))
        #expect(ours.completion?.orchestrationStatus == theirs.completion?.orchestrationStatus)
        #expect(ours.completion?.failureDetails == theirs.completion?.failureDetails)
    }

    @Test("the external event answer completes with the same output")
    func externalEvent() async throws {
        let (actual, expected) = try await replay("orchestrator_request_06_", "orchestrator_response_06_")

        let ours = try OrchestratorResponse(protobuf: FixtureBytes.base64(actual))
        let theirs = try OrchestratorResponse(protobuf: FixtureBytes.base64(expected))
        #expect(ours.actions.map(\.id) == theirs.actions.map(\.id))
        #expect(JSONValue(historyText: ours.completion?.result) == JSONValue(historyText: theirs.completion?.result))
    }

    @Test("the upstream fresh start of HelloCities schedules SayHello")
    func upstreamFreshStart() async throws {
        let url = try #require(SharedFixtures.files("upstream", suffix: "fresh_start.b64").first)

        let answer = await OrchestrationEngine.run(
            requestBase64: SharedFixtures.text(url),
            registry: SampleOrchestrators.registry
        )

        let response = try OrchestratorResponse(protobuf: FixtureBytes.base64(answer))
        #expect(response.instanceId == "a932b7bac92b4039b4d16102079fa35a")
        #expect(response.actions == [.activity(0, "SayHello", input: "\"Tokyo\"")])
    }
}
