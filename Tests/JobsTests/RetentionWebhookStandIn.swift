import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

@testable import Jobs

/// A stand-in of the Durable Functions webhook API (`…/runtime/webhooks/durabletask`) over real HTTP,
/// backed by a ``RetentionTaskHub``: list with `runtimeStatus`, `createdTimeTo`, `top` and the
/// `x-ms-continuation-token` header (the last page says `bnVsbA==`, as the service does), purge by
/// filter (400 without `createdTimeFrom`, 404 when nothing was deleted), terminate (202, 404, 410)
/// and status (200 or 202, 404). It counts the requests it answers by route.
final class RetentionWebhookStandIn: Sendable {
    static let basePath = "/runtime/webhooks/durabletask"

    let hub: RetentionTaskHub
    private let server: HTTPServer
    private let counts = Mutex<[String: Int]>([:])

    init(hub: RetentionTaskHub) {
        self.hub = hub
        let box = HandlerBox()
        server = HTTPServer(logger: .silent) { request in await box.handle(request) }
        box.owner.withLock { $0 = self }
    }

    /// Starts listening and returns the webhook base URL.
    func start() throws -> String {
        let port = try server.start()
        return "http://127.0.0.1:\(port)\(Self.basePath)"
    }

    func stop() async { await server.stop(gracePeriod: 1) }

    /// Requests answered, by route (`list`, `purge`, `terminate`, `status`, `other`).
    var requests: [String: Int] { counts.withLock { $0 } }

    private func count(_ route: String) { counts.withLock { $0[route, default: 0] += 1 } }

    fileprivate func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let path = String(request.path)
        let query = Self.parameters(String(request.query))
        guard path.hasPrefix(Self.basePath + "/instances") else { return reply(404, "no such route") }
        let rest = path.dropFirst((Self.basePath + "/instances").count).split(separator: "/").map(String.init)
        do {
            switch (request.method, rest.count) {
            case ("GET", 0): return try await list(request, query)
            case ("DELETE", 0): return try await purge(query)
            case ("GET", 1): return try await status(Self.decoded(rest[0]))
            case ("POST", 2) where rest[1] == "terminate": return try await terminate(Self.decoded(rest[0]), query)
            default:
                count("other")
                return reply(404, "no such route")
            }
        } catch {
            return reply(500, "\(error)")
        }
    }

    private func list(_ request: HTTPRequest, _ query: [String: String]) async throws -> HTTPResponse {
        count("list")
        let statuses = (query["runtimeStatus"] ?? "").split(separator: ",").map(String.init)
        let createdTo = query["createdTimeTo"].flatMap(Timestamp.init(iso8601:))?.date ?? .distantFuture
        let top = query["top"].flatMap(Int.init) ?? 100
        let token = request.headers[DurableClientHeader.continuation].flatMap(Self.unbase64)
        let page = try await hub.listInstances(statuses: statuses, createdTo: createdTo, top: top, continuation: token)
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        headers.set(DurableClientHeader.continuation, page.continuation.map { Array($0.utf8).base64 } ?? "bnVsbA==")
        return HTTPResponse(
            status: 200,
            headers: headers,
            body: JSONValue.array(page.instances.map(Self.json)).jsonBytes
        )
    }

    private func purge(_ query: [String: String]) async throws -> HTTPResponse {
        count("purge")
        guard let from = query["createdTimeFrom"].flatMap(Timestamp.init(iso8601:)) else {
            return reply(400, "createdTimeFrom is required")
        }
        let to = query["createdTimeTo"].flatMap(Timestamp.init(iso8601:))?.date ?? .distantFuture
        let statuses = (query["runtimeStatus"] ?? "").split(separator: ",").map(String.init)
        let deleted = try await hub.purgeInstances(createdFrom: from.date, createdTo: to, statuses: statuses)
        guard deleted > 0 else { return reply(404, "no instances deleted") }
        return HTTPResponse(
            status: 200,
            body: JSONValue.object(["instancesDeleted": .integer(Int64(deleted))]).jsonBytes
        )
    }

    private func status(_ id: String) async throws -> HTTPResponse {
        count("status")
        guard let instance = try await hub.instanceStatus(id) else { return reply(404, "not found") }
        return HTTPResponse(status: instance.isActive ? 202 : 200, body: Self.json(instance).jsonBytes)
    }

    private func terminate(_ id: String, _ query: [String: String]) async throws -> HTTPResponse {
        count("terminate")
        switch try await hub.terminateInstance(id, reason: query["reason"] ?? "") {
        case .accepted: return HTTPResponse(status: 202)
        case .alreadyEnded: return reply(410, "gone")
        case .notFound: return reply(404, "not found")
        }
    }

    private func reply(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, body: JSONValue.object(["message": .string(message)]).jsonBytes)
    }

    static func json(_ instance: DurableInstanceSummary) -> JSONValue {
        let time = { (date: Date?) -> JSONValue in
            date.map { .string(Timestamp($0).iso8601(fractionDigits: 0)) } ?? .null
        }
        return [
            "name": "LinkTomeOrchestrator", "instanceId": .string(instance.instanceId),
            "runtimeStatus": .string(instance.runtimeStatus), "input": .null, "customStatus": .null,
            "output": instance.output, "createdTime": time(instance.createdTime),
            "lastUpdatedTime": time(instance.lastUpdatedTime),
        ]
    }

    static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            result[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return result
    }

    /// Percent-decoding (`+` stays a plus, as in the webhook's own parsing of `code=`).
    static func decoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else {
                bytes.append(byte)
                continue
            }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func unbase64(_ token: String) -> String? {
        Data(base64Encoded: token).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The continuation header of the list route.
enum DurableClientHeader {
    static let continuation = "x-ms-continuation-token"
}

/// Lets the server's handler reach the stand-in created after it.
private final class HandlerBox: Sendable {
    let owner = Mutex<RetentionWebhookStandIn?>(nil)

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard let standIn = owner.withLock({ $0 }) else { return HTTPResponse(status: 503) }
        return await standIn.handle(request)
    }
}
