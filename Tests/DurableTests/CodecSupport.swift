import Foundation
import LinkTomeCore

@testable import Durable

/// A decoded message of any of the four top-level kinds, for table-driven codec tests.
struct DecodedMessage {
    var json: JSONValue
    var reencoded: [UInt8]
    /// Decodes `reencoded` again and says whether it equals the first decoding.
    var roundTrips: Bool

    init(kind: String, bytes: [UInt8]) throws {
        switch kind {
        case "HistoryEvent":
            let value = try HistoryEvent(protobuf: bytes)
            self.init(json: ProtoJSON.event(value), bytes: value.protobufBytes) {
                try HistoryEvent(protobuf: $0) == value
            }
        case "OrchestratorAction":
            let value = try OrchestratorAction(protobuf: bytes)
            self.init(json: ProtoJSON.action(value), bytes: value.protobufBytes) {
                try OrchestratorAction(protobuf: $0) == value
            }
        case "OrchestratorRequest":
            let value = try OrchestratorRequest(protobuf: bytes)
            self.init(json: ProtoJSON.request(value), bytes: value.protobufBytes) {
                try OrchestratorRequest(protobuf: $0) == value
            }
        case "OrchestratorResponse":
            let value = try OrchestratorResponse(protobuf: bytes)
            self.init(json: ProtoJSON.response(value), bytes: value.protobufBytes) {
                try OrchestratorResponse(protobuf: $0) == value
            }
        default:
            throw DurableError.invalidArgument("unknown message kind \(kind)")
        }
    }

    private init(json: JSONValue, bytes: [UInt8], same: ([UInt8]) throws -> Bool) {
        self.json = json
        self.reencoded = bytes
        self.roundTrips = (try? same(bytes)) ?? false
    }
}

/// Bytes from base64 or hex text, for fixtures.
enum FixtureBytes {
    static func base64(_ text: String) -> [UInt8] {
        [UInt8](base64: text) ?? []
    }

    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { $0.isHexDigit }.utf8)
        return stride(from: 0, to: digits.count - 1, by: 2).compactMap {
            UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)
        }
    }
}

/// The shared reference fixtures beside the checkout, when that directory exists.
enum SharedFixtures {
    static let directory: URL? = {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["LINKTOME_SHARED_FIXTURES"],
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../../shared/fixtures"
            )
            .standardized.path,
            "/work/shared/fixtures",
        ]
        for case let path? in candidates where FileManager.default.fileExists(atPath: path + "/generated") {
            return URL(fileURLWithPath: path)
        }
        return nil
    }()

    static var isPresent: Bool { directory != nil }

    /// Files under `folder` whose names end in `suffix`, sorted.
    static func files(_ folder: String, suffix: String) -> [URL] {
        guard let base = directory?.appendingPathComponent(folder),
            let names = try? FileManager.default.contentsOfDirectory(atPath: base.path)
        else { return [] }
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { base.appendingPathComponent($0) }
    }

    static func text(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// The `value` member of a fixture's JSON twin, if it has one.
    static func expectedJSON(besides url: URL) -> JSONValue? {
        let stem = url.deletingPathExtension().path
        for candidate in [stem + ".json", stem + ".decoded.json"]
        where FileManager.default.fileExists(atPath: candidate) {
            return (try? JSONParser.parse(text(URL(fileURLWithPath: candidate))))?["value"]
        }
        return nil
    }
}
