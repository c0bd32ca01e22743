import LinkTomeCore
import Testing

@testable import Durable

@Suite("Protobuf codec edge cases and malformed input")
struct CodecEdgeTests {
    /// Decodes `bytes` as a request and returns the error message, or nil if it decoded.
    private func failure(_ bytes: [UInt8]) -> String? {
        do {
            _ = try OrchestratorRequest(protobuf: bytes)
            return nil
        } catch {
            guard case .malformedProtobuf = error else { return "unexpected error kind: \(error)" }
            return error.description
        }
    }

    @Test("a negative int32 is written as a 10-byte varint and read back")
    func negativeInt32() throws {
        let event = HistoryEvent(eventId: -1, kind: .orchestratorStarted)

        let bytes = event.protobufBytes

        #expect(bytes == [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x72, 0x00])
        #expect(try HistoryEvent(protobuf: bytes) == event)
    }

    @Test("proto3 defaults are left out and present wrappers are kept, even when empty")
    func defaultsAndPresence() throws {
        let absent = OrchestratorAction(id: 0, kind: .scheduleTask(ScheduleTaskAction(name: "A")))
        let empty = OrchestratorAction(id: 0, kind: .scheduleTask(ScheduleTaskAction(name: "A", input: "")))

        #expect(absent.protobufBytes == [0x12, 0x03, 0x0A, 0x01, 0x41])
        #expect(empty.protobufBytes == [0x12, 0x05, 0x0A, 0x01, 0x41, 0x1A, 0x00])
        #expect(try OrchestratorAction(protobuf: empty.protobufBytes) == empty)
    }

    @Test("a map entry without key or value means empty strings")
    func emptyMapEntry() throws {
        let bytes: [UInt8] = [0x0A, 0x01, 0x41, 0x2A, 0x00, 0x2A, 0x03, 0x12, 0x01, 0x76]

        let event = try TaskScheduledEvent(decoding: bytes)

        #expect(event.name == "A")
        #expect(event.tags == ["": "v"])
        #expect(event.encoded == [0x0A, 0x01, 0x41, 0x2A, 0x05, 0x0A, 0x00, 0x12, 0x01, 0x76])
    }

    @Test("unknown fields of every wire type, groups included, are skipped")
    func skipsUnknownWireTypes() throws {
        var bytes: [UInt8] = [0x0A, 0x02, 0x69, 0x64]  // instanceId = "id"
        bytes += [0xC8, 0x01, 0x96, 0x01]  // field 25 varint 150
        bytes += [0xD1, 0x01] + [UInt8](repeating: 0xAB, count: 8)  // field 26 fixed64
        bytes += [0xDD, 0x01, 1, 2, 3, 4]  // field 27 fixed32
        bytes += [0xE2, 0x01, 0x02, 0x05, 0x06]  // field 28 length-delimited
        bytes += [0xEB, 0x01, 0x08, 0x01, 0xF3, 0x01, 0x08, 0x02, 0xF4, 0x01, 0xEC, 0x01]  // groups 29 { 30 { } }
        bytes += [0x12, 0x03, 0x0A, 0x01, 0x78]  // executionId = "x"

        let request = try OrchestratorRequest(protobuf: bytes)

        #expect(request.instanceId == "id")
        #expect(request.executionId == "x")
    }

    @Test("a truncated varint is an error")
    func truncatedVarint() {
        #expect(failure([0x30]) == "malformed protobuf at byte 1: OrchestratorRequest: truncated varint")
        #expect(failure([0x0A, 0x80])?.contains("truncated varint") == true)
    }

    @Test("a varint longer than 10 bytes is an error")
    func overlongVarint() {
        let bytes: [UInt8] = [0x30] + [UInt8](repeating: 0xFF, count: 10) + [0x01]

        #expect(failure(bytes)?.contains("varint longer than 10 bytes") == true)
    }

    @Test("a length past the end is an error")
    func lengthPastEnd() {
        #expect(
            failure([0x0A, 0x05, 0x61])
                == "malformed protobuf at byte 0: OrchestratorRequest: field 1 declares 5 bytes but only 1 remain"
        )
    }

    @Test("a 100 MB length in a tiny input is refused without allocating")
    func hugeLength() {
        var writer = ProtoWriter()
        writer.key(3, .lengthDelimited)
        writer.varint(100 * 1024 * 1024)

        let message = failure(writer.bytes + [0x08, 0x01])

        #expect(message?.contains("declares 104857600 bytes but only 2 remain") == true)
    }

    @Test("a wrong wire type for a known field is an error")
    func wrongWireType() {
        #expect(
            failure([0x08, 0x01])
                == "malformed protobuf at byte 0: OrchestratorRequest: field 1 has wire type varint, "
                + "expected length-delimited"
        )
        #expect(
            failure([0x1A, 0x02, 0x0A, 0x00])?.contains("HistoryEvent: field 1 has wire type length-delimited") == true
        )
    }

    @Test("invalid wire types, field number 0 and unbalanced groups are errors")
    func invalidKeys() {
        #expect(failure([0x0E])?.contains("invalid wire type 6") == true)
        #expect(failure([0x0F])?.contains("invalid wire type 7") == true)
        #expect(failure([0x00, 0x00])?.contains("field number 0 is invalid") == true)
        #expect(failure([0x7B, 0x08, 0x01])?.contains("group 15 is not closed") == true)
        #expect(failure([0x7B, 0x74])?.contains("end-group 14 closes group 15") == true)
        #expect(failure([0x7C])?.contains("end-group for field 15 without a start-group") == true)
    }

    @Test("deeply nested failure details are refused instead of exhausting the stack")
    func nestingLimit() {
        var details = TaskFailureDetails(errorType: "E", errorMessage: "m")
        for _ in 0..<150 { details = TaskFailureDetails(errorType: "E", innerFailure: details) }
        let event = HistoryEvent(kind: .taskFailed(TaskFailedEvent(failureDetails: details)))

        #expect(throws: DurableError.self) { try HistoryEvent(protobuf: event.protobufBytes) }
        #expect(failure([0x1A] + lengthPrefixed(event.protobufBytes))?.contains("nested deeper than 100") == true)
    }

    @Test("invalid UTF-8 in a string field is an error")
    func invalidUTF8() {
        #expect(failure([0x0A, 0x02, 0xC3, 0x28])?.contains("field 1 is not valid UTF-8") == true)
    }

    @Test("Timestamp nanoseconds out of range are an error")
    func nanosOutOfRange() {
        let timestamp: [UInt8] = [0x10, 0x80, 0x94, 0xEB, 0xDC, 0x03]  // nanos = 1_000_000_000
        let event: [UInt8] = [0x12] + lengthPrefixed(timestamp)

        #expect(failure([0x1A] + lengthPrefixed(event))?.contains("Timestamp nanos 1000000000 out of range") == true)
    }

    @Test("every truncation and byte flip of a fixture gives a value or a DurableError, never a crash")
    func fuzzedFixtures() {
        var generator = SplitMix(seed: 0x5EED)
        var outcomes = (decoded: 0, refused: 0)
        for fixture in GeneratedFixtures.all where fixture.message == "OrchestratorRequest" {
            let bytes = FixtureBytes.base64(fixture.bytes)
            var variants = (0..<bytes.count).map { Array(bytes[..<$0]) }
            for _ in 0..<2_000 {
                var flipped = bytes
                flipped[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                variants.append(flipped)
            }
            for variant in variants {
                if failure(variant) == nil { outcomes.decoded += 1 } else { outcomes.refused += 1 }
            }
        }

        #expect(outcomes.decoded > 0)
        #expect(outcomes.refused > 0)
    }

    private func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        var writer = ProtoWriter()
        writer.varint(UInt64(bytes.count))
        return writer.bytes + bytes
    }
}

/// A small deterministic random number generator for fuzzing.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
