import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// Starts, inspects, terminates and purges orchestrations through the Durable webhook HTTP API
/// (protocol notes §2.4), with the descriptor of a `durableClient` binding.
///
/// Every call appends the binding's required query string (the system key) verbatim, plus
/// `taskHub` and `connection` when the binding names them. Statuses the API documents are
/// results (`nil`, `false`, ``TerminateOutcome``); anything else throws
/// ``DurableError/unexpectedStatus(operation:status:body:)``.
public struct DurableClient: Sendable {
    public let descriptor: DurableClientDescriptor
    private let transport: any HTTPTransport
    private let base: HTTPURL

    /// The header carrying list continuation tokens, in both directions.
    public static let continuationHeader = "x-ms-continuation-token"

    /// - Throws: ``DurableError/invalidClientBinding(_:)`` when the base URL cannot be parsed.
    public init(descriptor: DurableClientDescriptor, transport: any HTTPTransport) throws(DurableError) {
        guard let base = HTTPURL(descriptor.baseURL) else {
            throw .invalidClientBinding("the webhook base URL '\(descriptor.baseURL)' is not an http(s) URL")
        }
        self.descriptor = descriptor
        self.transport = transport
        self.base = base
    }

    /// Starts orchestrator `name` with `input` and returns the instance id.
    ///
    /// - Parameter instanceId: the id to use; the service generates one when `nil`. Starting an id
    ///   whose instance is still running fails (the service answers 500).
    public func startNew(
        _ name: String,
        instanceId: String? = nil,
        input: JSONValue = .null
    ) async throws(DurableError)
        -> String
    {
        var path = "/orchestrators/" + Self.segment(name)
        if let instanceId { path += "/" + Self.segment(instanceId) }
        let body = input == .null ? [] : input.jsonBytes
        let response = try await send("start \(name)", "POST", path, body: body)

        guard response.status == 202 || response.status == 200 else { throw unexpected("start \(name)", response) }
        guard let id = (try? JSONParser.parse(response.body))?["id"]?.stringValue ?? instanceId else {
            throw .invalidResponse(operation: "start \(name)", reason: "no instance id in \(response.text.prefix(200))")
        }
        return id
    }

    /// The status of `instanceId`, or `nil` when the service does not know it.
    public func status(of instanceId: String, showInput: Bool = false) async throws(DurableError) -> InstanceStatus? {
        let operation = "status of \(instanceId)"
        let response = try await send(
            operation,
            "GET",
            "/instances/" + Self.segment(instanceId),
            query: [("showInput", String(showInput))]
        )
        switch response.status {
        case 200, 202:
            guard let json = try? JSONParser.parse(response.body), let status = InstanceStatus(json: json) else {
                throw .invalidResponse(
                    operation: operation,
                    reason: "not a status object: \(response.text.prefix(200))"
                )
            }
            return status
        case 404:
            return nil
        default:
            throw unexpected(operation, response)
        }
    }

    /// One page of instances matching `filter`, continuing after `continuationToken`.
    public func listPage(
        _ filter: InstanceFilter = InstanceFilter(),
        pageSize: Int? = nil,
        continuationToken: String? = nil
    ) async throws(DurableError) -> InstancePage {
        var query = Self.filterQuery(filter) + [("showInput", "false")]
        if let pageSize { query.append(("top", String(pageSize))) }
        var headers = HTTPHeaders()
        if let continuationToken { headers.set(Self.continuationHeader, continuationToken) }
        let response = try await send("list instances", "GET", "/instances", query: query, headers: headers)

        guard response.status == 200 else { throw unexpected("list instances", response) }
        guard case .array(let items)? = try? JSONParser.parse(response.body) else {
            throw .invalidResponse(
                operation: "list instances",
                reason: "not a JSON array: \(response.text.prefix(200))"
            )
        }
        let next = response.headers[Self.continuationHeader].flatMap(Self.meaningfulToken)
        return InstancePage(instances: items.compactMap(InstanceStatus.init(json:)), continuationToken: next)
    }

    /// Every instance matching `filter`, following continuation tokens to the last page.
    ///
    /// A missing, empty or `null` token ends the listing, and so does `bnVsbA==` (base64 of
    /// "null"), which the service sends on the last page.
    /// - Throws: ``DurableError/invalidResponse(operation:reason:)`` if the service repeats a token.
    public func listInstances(
        _ filter: InstanceFilter = InstanceFilter(),
        pageSize: Int? = nil
    ) async throws(DurableError)
        -> [InstanceStatus]
    {
        var instances: [InstanceStatus] = []
        var token: String?
        var seen: Set<String> = []
        repeat {
            let page = try await listPage(filter, pageSize: pageSize, continuationToken: token)
            instances += page.instances
            token = page.continuationToken
            if let token, !seen.insert(token).inserted {
                throw .invalidResponse(operation: "list instances", reason: "continuation token \(token) repeated")
            }
        } while token != nil
        return instances
    }

    /// Asks the service to terminate `instanceId` with `reason`.
    public func terminate(_ instanceId: String, reason: String) async throws(DurableError) -> TerminateOutcome {
        let operation = "terminate \(instanceId)"
        let path = "/instances/" + Self.segment(instanceId) + "/terminate"
        let response = try await send(operation, "POST", path, query: [("reason", reason)])
        switch response.status {
        case 200, 202: return .terminated
        case 404: return .notFound
        case 410: return .alreadyFinished
        default: throw unexpected(operation, response)
        }
    }

    /// Raises event `name` with `data` on `instanceId`; `false` when the instance is unknown or finished.
    public func raiseEvent(
        _ instanceId: String,
        name: String,
        data: JSONValue = .null
    ) async throws(DurableError)
        -> Bool
    {
        let operation = "raise \(name) on \(instanceId)"
        let path = "/instances/" + Self.segment(instanceId) + "/raiseEvent/" + Self.segment(name)
        let headers = HTTPHeaders([("Content-Type", "application/json")])
        let response = try await send(operation, "POST", path, headers: headers, body: data.jsonBytes)
        switch response.status {
        case 200, 202: return true
        case 404, 410: return false
        default: throw unexpected(operation, response)
        }
    }

    /// Deletes the history of `instanceId`; returns how many instances were deleted (0 if unknown).
    public func purge(_ instanceId: String) async throws(DurableError) -> Int {
        let operation = "purge \(instanceId)"
        let response = try await send(operation, "DELETE", "/instances/" + Self.segment(instanceId))
        return try deletedCount(operation, response)
    }

    /// Deletes the history of every instance matching `filter`; returns how many were deleted.
    ///
    /// - Throws: ``DurableError/purgeNeedsCreatedTimeFrom`` before sending anything when
    ///   `filter.createdTimeFrom` is missing (the service would answer 400).
    public func purge(_ filter: InstanceFilter) async throws(DurableError) -> Int {
        guard filter.createdTimeFrom != nil else { throw .purgeNeedsCreatedTimeFrom }
        let response = try await send("purge instances", "DELETE", "/instances/", query: Self.filterQuery(filter))
        return try deletedCount("purge instances", response)
    }

    private func deletedCount(_ operation: String, _ response: HTTPResponse) throws(DurableError) -> Int {
        switch response.status {
        case 200:
            guard let count = (try? JSONParser.parse(response.body))?["instancesDeleted"]?.intValue else {
                throw .invalidResponse(
                    operation: operation,
                    reason: "no instancesDeleted in \(response.text.prefix(200))"
                )
            }
            return count
        case 404:
            return 0
        default:
            throw unexpected(operation, response)
        }
    }
}

// Requests.
extension DurableClient {
    private func send(
        _ operation: String,
        _ method: String,
        _ path: String,
        query: [(String, String)] = [],
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = []
    ) async throws(DurableError) -> HTTPResponse {
        var headers = headers
        headers.set("Accept", "application/json")
        let request = HTTPRequest(method: method, target: target(path, query), headers: headers, body: body)
        do {
            return try await transport.send(request, to: base)
        } catch {
            throw .transport(operation: operation, reason: "\(error)")
        }
    }

    /// The request target: the base path, `path`, the query and the binding's parameters.
    func target(_ path: String, _ query: [(String, String)]) -> String {
        var basePath = String(base.target.split(separator: "?", maxSplits: 1).first ?? "")
        if basePath.hasSuffix("/") { basePath.removeLast() }

        var parameters = query.map { Self.queryComponent($0.0) + "=" + Self.queryComponent($0.1) }
        if let hub = descriptor.taskHubName { parameters.append("taskHub=" + Self.queryComponent(hub)) }
        if let connection = descriptor.connectionName {
            parameters.append("connection=" + Self.queryComponent(connection))
        }
        if !descriptor.requiredQueryStringParameters.isEmpty {
            parameters.append(descriptor.requiredQueryStringParameters)
        }
        return basePath + path + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
    }

    private func unexpected(_ operation: String, _ response: HTTPResponse) -> DurableError {
        .unexpectedStatus(operation: operation, status: response.status, body: response.text)
    }

    static func filterQuery(_ filter: InstanceFilter) -> [(String, String)] {
        var query: [(String, String)] = []
        if let from = filter.createdTimeFrom { query.append(("createdTimeFrom", from.iso8601Trimmed)) }
        if let to = filter.createdTimeTo { query.append(("createdTimeTo", to.iso8601Trimmed)) }
        if !filter.runtimeStatus.isEmpty {
            query.append(("runtimeStatus", filter.runtimeStatus.map(\.rawValue).joined(separator: ",")))
        }
        if let prefix = filter.instanceIdPrefix { query.append(("instanceIdPrefix", prefix)) }
        return query
    }

    /// A continuation token that asks for another page, or `nil` for the end markers.
    static func meaningfulToken(_ token: String) -> String? {
        let trimmed = token.trimmingCharacters(in: .whitespaces)
        return ["", "null", "bnVsbA=="].contains(trimmed) ? nil : trimmed
    }

    /// Percent-encodes a path segment (everything but unreserved characters and `:`, `@`).
    static func segment(_ text: String) -> String {
        percentEncoded(text, keeping: Array("-._~:@".utf8))
    }

    /// Percent-encodes a query name or value (everything but unreserved characters and `,`, `:`).
    static func queryComponent(_ text: String) -> String {
        percentEncoded(text, keeping: Array("-._~,:".utf8))
    }

    private static func percentEncoded(_ text: String, keeping extra: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            let unreserved =
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            if unreserved || extra.contains(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
