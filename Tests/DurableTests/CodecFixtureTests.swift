import Foundation
import LinkTomeCore
import Testing

@testable import Durable

@Suite("Protobuf codec against reference-runtime fixtures")
struct CodecFixtureTests {
    @Test("every generated fixture decodes to what the reference runtime decoded", arguments: GeneratedFixtures.all)
    func decodesLikeReference(fixture: GeneratedFixture) throws {
        let bytes = FixtureBytes.base64(fixture.bytes)
        let expected = try JSONParser.parse(FixtureBytes.base64(fixture.json))

        let decoded = try DecodedMessage(kind: fixture.message, bytes: bytes)

        #expect(!bytes.isEmpty || fixture.name.hasSuffix("empty"))
        #expect(decoded.json == expected)
    }

    @Test("re-encoding a generated fixture gives the reference runtime's bytes", arguments: GeneratedFixtures.all)
    func reencodesByteExact(fixture: GeneratedFixture) throws {
        let decoded = try DecodedMessage(kind: fixture.message, bytes: FixtureBytes.base64(fixture.bytes))

        #expect(decoded.reencoded == FixtureBytes.base64(fixture.canonical))
        #expect(decoded.roundTrips)
    }

    @Test("the fixtures cover every history event kind and every action kind")
    func coverage() {
        let names = Set(GeneratedFixtures.all.map(\.name))
        let events = [
            "executionStarted", "executionCompleted", "executionTerminated", "taskScheduled", "taskCompleted",
            "taskFailed", "subOrchestrationInstanceCreated", "subOrchestrationInstanceCompleted",
            "subOrchestrationInstanceFailed", "timerCreated", "timerFired", "orchestratorStarted",
            "orchestratorCompleted", "eventSent", "eventRaised", "genericEvent", "historyState", "continueAsNew",
            "executionSuspended", "executionResumed", "entityOperationSignaled", "entityOperationCalled",
            "entityOperationCompleted", "entityOperationFailed", "entityLockRequested", "entityLockGranted",
            "entityUnlockSent", "executionRewound",
        ]
        let actions = [
            "scheduleTask", "createSubOrchestration", "createTimer", "sendEvent", "completeOrchestration",
            "terminateOrchestration", "sendEntityMessage", "rewindOrchestration",
        ]

        #expect(events.filter { !names.contains("event_" + $0) } == [])
        #expect(actions.filter { !names.contains("action_" + $0) } == [])
    }

    @Test("a later schema's extra fields of every wire type are skipped")
    func skipsFutureFields() throws {
        let fixture = try #require(GeneratedFixtures.all.first { $0.name == "event_with_unknown_fields" })

        let event = try HistoryEvent(protobuf: FixtureBytes.base64(fixture.bytes))

        #expect(event.kind == .taskCompleted(TaskCompletedEvent(taskScheduledId: 9, result: "42")))
        #expect(event.timestamp == Timestamp(seconds: 1_730_800_800, nanoseconds: 5))
        #expect(event.protobufBytes.count < FixtureBytes.base64(fixture.bytes).count)
    }
}

@Suite("Protobuf codec against the shared reference payloads", .enabled(if: SharedFixtures.isPresent))
struct SharedFixtureCodecTests {
    static var payloads: [URL] {
        SharedFixtures.files("generated", suffix: ".b64") + SharedFixtures.files("upstream", suffix: ".b64")
    }

    @Test("every shared payload decodes, matches its JSON twin and re-encodes to the same bytes")
    func sharedPayloads() throws {
        let payloads = Self.payloads
        #expect(payloads.count >= 15)

        for url in payloads {
            let kind = url.lastPathComponent.contains("response") ? "OrchestratorResponse" : "OrchestratorRequest"
            let bytes = FixtureBytes.base64(SharedFixtures.text(url))

            let decoded = try DecodedMessage(kind: kind, bytes: bytes)

            #expect(!bytes.isEmpty, "\(url.lastPathComponent)")
            #expect(decoded.reencoded == bytes, "\(url.lastPathComponent)")
            #expect(decoded.roundTrips, "\(url.lastPathComponent)")
            if let expected = SharedFixtures.expectedJSON(besides: url) {
                #expect(decoded.json == expected, "\(url.lastPathComponent)")
            }
        }
    }

    @Test("the upstream hex dump and base64 of the same request agree")
    func hexMatchesBase64() throws {
        for url in SharedFixtures.files("upstream", suffix: ".hex.txt") {
            let base = url.path.replacingOccurrences(of: ".hex.txt", with: ".b64")
            let hex = FixtureBytes.hex(SharedFixtures.text(url))

            let request = try OrchestratorRequest(protobuf: hex)

            #expect(hex == FixtureBytes.base64(SharedFixtures.text(URL(fileURLWithPath: base))))
            #expect(request.newEvents.first?.eventId == -1)
        }
    }
}
