import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization

@testable import Durable

/// A small stand-in of the Durable extension's webhook API (protocol notes §2.4): instances in
/// memory, the documented routes and status codes, paging with `x-ms-continuation-token` whose
/// last page answers `bnVsbA==`, and a 400 for a purge without `createdTimeFrom`.
final class WebhookStandIn: Sendable {
    static let key = "code=s3cr3t/key+=="
    static let path = "/runtime/webhooks/durabletask"

    private struct State {
        var instances: [InstanceStatus] = []
        var requests: [HTTPRequest] = []
        var nextId = 0
    }

    private let state = Mutex(State())
    let orchestrators: Set<String>
    let now: Timestamp

    init(orchestrators: Set<String> = ["TimerOrchestrator"], now: Timestamp = Events.start) {
        self.orchestrators = orchestrators
        self.now = now
    }

    /// Every request received, in order.
    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    /// Adds an instance as if it had run before.
    func seed(_ status: InstanceStatus) {
        state.withLock { $0.instances.append(status) }
    }

    var instanceIds: [String] { state.withLock { $0.instances.map(\.instanceId) } }

    /// Answers one request.
    func handle(_ request: HTTPRequest) -> HTTPResponse {
        state.withLock { $0.requests.append(request) }
        let query = Self.parameters(request.query)
        guard request.target.hasSuffix(Self.key) || request.query.contains(Self.key) else {
            return Self.json(401, ["error": "missing system key"])
        }
        let path = String(request.path)
        guard path.hasPrefix(Self.path) else { return Self.json(404, ["error": "not the webhook path"]) }
        let parts = path.dropFirst(Self.path.count).split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }

        switch (request.method, Array(parts.dropFirst())) {
        case ("POST", let route) where route.first == "orchestrators" && (2...3).contains(route.count):
            return start(route[1], id: route.count == 3 ? route[2] : nil, body: request.body)
        case ("GET", ["instances"]):
            return list(query, token: request.headers[DurableClient.continuationHeader])
        case ("GET", let route) where route.count == 2 && route[0] == "instances":
            return status(route[1])
        case ("POST", let route) where route.count == 3 && route[0] == "instances" && route[2] == "terminate":
            return terminate(route[1], reason: query["reason"])
        case ("DELETE", ["instances", ""]):
            return purge(query)
        case ("DELETE", let route) where route.count == 2 && route[0] == "instances":
            return purgeOne(route[1])
        default:
            return Self.json(404, ["error": .string("no route for \(request.method) \(path)")])
        }
    }

    private func start(_ name: String, id: String?, body: [UInt8]) -> HTTPResponse {
        guard orchestrators.contains(name) else {
            return Self.json(400, ["error": .string("unknown orchestrator \(name)")])
        }
        let input = body.isEmpty ? JSONValue.null : ((try? JSONParser.parse(body)) ?? .null)
        return state.withLock { state in
            state.nextId += 1
            let instanceId = id ?? String(format: "%032x", state.nextId)
            if state.instances.contains(where: { $0.instanceId == instanceId && !$0.runtimeStatus.isFinished }) {
                return Self.json(500, ["error": "Something went wrong while processing your request"])
            }
            let status = InstanceStatus(
                name: name,
                instanceId: instanceId,
                runtimeStatus: .pending,
                input: input,
                createdTime: now,
                lastUpdatedTime: now
            )
            state.instances.removeAll { $0.instanceId == instanceId }
            state.instances.append(status)
            let uri = "http://localhost\(Self.path)/instances/\(instanceId)?\(Self.key)"
            return Self.json(202, ["id": .string(instanceId), "statusQueryGetUri": .string(uri)])
        }
    }

    private func status(_ id: String) -> HTTPResponse {
        guard let status = state.withLock({ $0.instances.first { $0.instanceId == id } }) else {
            return Self.json(404, ["error": "not found"])
        }
        return Self.json(status.runtimeStatus.isFinished ? 200 : 202, status.json)
    }

    private func list(_ query: [String: String], token: String?) -> HTTPResponse {
        let matching = state.withLock { state in state.instances.filter { matches($0, query) } }
        let size = query["top"].flatMap(Int.init) ?? 100
        let start = token.flatMap { [UInt8](base64: $0) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        let page = Array(matching.dropFirst(start).prefix(size))
        let next = start + size < matching.count ? Array(String(start + size).utf8).base64 : "bnVsbA=="
        var response = Self.json(200, .array(page.map(\.json)))
        response.headers.set(DurableClient.continuationHeader, next)
        return response
    }

    private func terminate(_ id: String, reason: String?) -> HTTPResponse {
        state.withLock { state in
            guard let index = state.instances.firstIndex(where: { $0.instanceId == id }) else {
                return Self.json(404, ["error": "not found"])
            }
            guard !state.instances[index].runtimeStatus.isFinished else { return Self.json(410, ["error": "gone"]) }
            state.instances[index].runtimeStatus = .terminated
            state.instances[index].output = .string(reason ?? "")
            return HTTPResponse(status: 202)
        }
    }

    private func purgeOne(_ id: String) -> HTTPResponse {
        state.withLock { state in
            let before = state.instances.count
            state.instances.removeAll { $0.instanceId == id }
            let deleted = before - state.instances.count
            return deleted == 0 ? Self.json(404, ["error": "not found"]) : Self.json(200, ["instancesDeleted": 1])
        }
    }

    private func purge(_ query: [String: String]) -> HTTPResponse {
        guard query["createdTimeFrom"] != nil else {
            return Self.json(400, ["error": "createdTimeFrom is required"])
        }
        return state.withLock { state in
            let before = state.instances.count
            state.instances.removeAll { matches($0, query) }
            let deleted = before - state.instances.count
            return deleted == 0
                ? Self.json(404, ["error": "nothing deleted"])
                : Self.json(200, ["instancesDeleted": .integer(Int64(deleted))])
        }
    }

    private func matches(_ status: InstanceStatus, _ query: [String: String]) -> Bool {
        if let names = query["runtimeStatus"]?.split(separator: ","),
            !names.contains(where: { $0 == status.runtimeStatus.rawValue })
        {
            return false
        }
        let created = status.createdTime ?? now
        if let from = query["createdTimeFrom"].flatMap(Timestamp.init(iso8601:)), created < from { return false }
        if let to = query["createdTimeTo"].flatMap(Timestamp.init(iso8601:)), created > to { return false }
        if let prefix = query["instanceIdPrefix"], !status.instanceId.hasPrefix(prefix) { return false }
        return true
    }

    private static func parameters(_ query: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? String(parts[1]) : ""
            result[String(parts[0])] = value
        }
        return result
    }

    private static func json(_ status: Int, _ body: JSONValue) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json")]), body: body.jsonBytes)
    }
}

/// Delivers requests to the stand-in in memory; for tests about the client's logic.
struct InMemoryTransport: HTTPTransport {
    let standIn: WebhookStandIn

    func send(_ request: HTTPRequest, to url: HTTPURL) async throws -> HTTPResponse {
        standIn.handle(request)
    }
}
