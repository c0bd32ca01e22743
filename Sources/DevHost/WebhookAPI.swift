import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage

/// The Durable extension's webhook HTTP API (protocol notes §2.4) over the development host's
/// store: start, status, list with filters and continuation, terminate, purge one and many, and
/// raise event, with the extension's status codes. Every call must carry the host's system key in
/// `code=`, as `requiredQueryStringParameters` of the client descriptor says.
public final class WebhookAPI: Sendable {
    /// The path below the host: `/runtime/webhooks/durabletask`.
    public static let basePath = "/runtime/webhooks/durabletask"
    /// The header carrying list continuation tokens.
    public static let continuationHeader = "x-ms-continuation-token"

    let core: HostCore
    /// The system key every call must present as `code=`.
    public let systemKey: String
    private let server: HTTPServer
    let onStart: @Sendable (String) -> Void

    /// - Parameters:
    ///   - key: the system key; a random one when `nil`.
    ///   - onStart: called with each instance id a start request created.
    init(core: HostCore, port: Int, key: String? = nil, onStart: @escaping @Sendable (String) -> Void) {
        self.core = core
        self.onStart = onStart
        systemKey = key ?? (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        var configuration = HTTPServerConfiguration()
        configuration.port = port
        configuration.handlerPlacement = .globalExecutor
        let box = HandlerBox()
        server = HTTPServer(configuration: configuration, logger: core.logger.with("component", "webhook")) { request in
            await box.api?.handle(request) ?? HTTPResponse(status: 503)
        }
        box.api = self
    }

    /// Starts listening on `127.0.0.1`; returns the bound port.
    func start() throws(DevHostError) -> Int {
        do {
            return try server.start()
        } catch {
            throw .connection("the webhook API cannot listen: \(error)")
        }
    }

    func stop() async {
        await server.stop(gracePeriod: 2)
    }

    /// The `httpBaseUrl` of the client descriptor.
    public var baseURL: String { "http://127.0.0.1:\(server.port ?? 0)\(Self.basePath)" }

    /// The `durableClient` descriptor string the host binds (keys in the extension's order; null
    /// members present, as Newtonsoft writes them). There is no gRPC endpoint, so `rpcBaseUrl` is null.
    public var clientDescriptor: String {
        OrderedJSON.object([
            ("taskHubName", .string(core.layout.hubName)),
            ("creationUrls", .null),
            ("managementUrls", .null),
            ("baseUrl", .null),
            ("requiredQueryStringParameters", .string("code=" + systemKey)),
            ("rpcBaseUrl", .null),
            ("httpBaseUrl", .string(baseURL)),
            ("maxGrpcMessageSizeInBytes", .integer(4_194_304)),
            ("connectionName", .null),
        ])
    }

    /// Answers one request.
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let path = String(request.path)
        guard path.hasPrefix(Self.basePath) else { return Self.error(404, "no route for \(path)") }
        let query = WebhookQuery(request.query)
        guard query.raw("code") == systemKey else {
            return Self.error(401, "the system key in 'code' is missing or wrong")
        }
        if let hub = query["taskHub"], hub.lowercased() != core.layout.hubName.lowercased() {
            return Self.error(400, "this host serves the task hub '\(core.layout.hubName)', not '\(hub)'")
        }
        let segments = path.dropFirst(Self.basePath.count).split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        let call = WebhookCall(request: request, query: query, segments: segments, origin: origin(of: request))
        do {
            return try await route(call)
        } catch let error as WebhookRefusal {
            return Self.error(error.status, error.message)
        } catch {
            core.logger.error("webhook request failed", metadata: ["error": "\(error)", "path": path])
            return Self.error(500, "Something went wrong while processing your request: \(error)")
        }
    }

    private func route(_ call: WebhookCall) async throws -> HTTPResponse {
        let method = call.request.method
        switch (method, call.segments.first, call.segments.count) {
        case ("POST", "orchestrators", 2), ("POST", "orchestrators", 3):
            return try await startOrchestration(call)
        case ("GET", "instances", 1):
            return try await list(call)
        case ("GET", "instances", 2):
            return try await status(call)
        case ("DELETE", "instances", 1):
            return try await purgeMany(call)
        case ("DELETE", "instances", 2):
            return try await purgeOne(call)
        case ("POST", "instances", 3) where call.segments[2].lowercased() == "terminate":
            return try await terminate(call)
        case ("POST", "instances", 4) where call.segments[2].lowercased() == "raiseevent":
            return try await raiseEvent(call)
        default:
            return Self.error(404, "no route for \(method) \(call.request.path)")
        }
    }

    private func origin(of request: HTTPRequest) -> String {
        "http://" + (request.headers["Host"] ?? "127.0.0.1:\(server.port ?? 0)")
    }

    /// A JSON answer.
    static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        var fields = HTTPHeaders([("Content-Type", "application/json; charset=utf-8")])
        for (name, value) in headers { fields.add(name, value) }
        return HTTPResponse(status: status, headers: fields, body: Array(text.utf8))
    }

    /// An error answer in the shape ASP.NET's `CreateErrorResponse` gives.
    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        json(status, OrderedJSON.object([("Message", .string(message))]))
    }
}

/// Lets the server's handler reach the API object created after it.
private final class HandlerBox: @unchecked Sendable {
    weak var api: WebhookAPI?
}

/// A refusal with the status the extension answers.
struct WebhookRefusal: Error {
    var status: Int
    var message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// One request, split up.
struct WebhookCall: Sendable {
    var request: HTTPRequest
    var query: WebhookQuery
    /// Percent-decoded path segments below the base path.
    var segments: [String]
    /// `http://host:port` as the caller addressed the host.
    var origin: String
}

/// A query string's parameters: names ignoring case, values percent-decoded.
struct WebhookQuery: Sendable {
    private var pairs: [(name: String, raw: String)] = []

    init(_ query: Substring) {
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(halves[0]).removingPercentEncoding ?? String(halves[0])
            pairs.append((name, halves.count > 1 ? String(halves[1]) : ""))
        }
    }

    /// The value as sent (not decoded): the system key is compared verbatim.
    func raw(_ name: String) -> String? {
        pairs.first { $0.name.lowercased() == name.lowercased() }?.raw
    }

    subscript(name: String) -> String? {
        guard let raw = raw(name) else { return nil }
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// A Boolean parameter; `fallback` when absent.
    func flag(_ name: String, _ fallback: Bool) throws(WebhookRefusal) -> Bool {
        guard let value = self[name] else { return fallback }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw WebhookRefusal(400, "'\(name)' must be true or false, not '\(value)'")
        }
    }

    /// An ISO 8601 date parameter.
    func date(_ name: String) throws(WebhookRefusal) -> Timestamp? {
        guard let value = self[name] else { return nil }
        guard let date = Timestamp(iso8601: value) else {
            throw WebhookRefusal(400, "'\(name)' is not an ISO 8601 date: '\(value)'")
        }
        return date
    }

    /// `runtimeStatus=Running,Completed`.
    func statuses() throws(WebhookRefusal) -> [RuntimeState] {
        guard let value = self["runtimeStatus"] else { return [] }
        var result: [RuntimeState] = []
        for name in value.split(separator: ",") {
            guard let status = RuntimeState(lenient: String(name)) else {
                throw WebhookRefusal(400, "'\(name)' is not a runtime status")
            }
            result.append(status)
        }
        return result
    }
}
