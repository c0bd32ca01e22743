import Durable
import Foundation
import LinkTomeCore
import LinkTomeHTTP
import TableStorage

extension WebhookAPI {
    /// `POST B/orchestrators/{functionName}[/{instanceId}]`.
    func startOrchestration(_ call: WebhookCall) async throws -> HTTPResponse {
        let name = call.segments[1]
        guard let function = core.layout.orchestrator(named: name) else {
            throw WebhookRefusal(
                400,
                "The function '\(name)' doesn't exist, is disabled, or is not an orchestrator function."
            )
        }
        let instanceId =
            call.segments.count == 3
            ? call.segments[2] : UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try Self.validate(instanceId: instanceId)
        var input: String?
        if !call.request.body.isEmpty {
            guard let text = OrderedJSON.compact(String(decoding: call.request.body, as: UTF8.self)) else {
                throw WebhookRefusal(400, "Invalid JSON content")
            }
            input = text
        }

        switch try await core.startInstance(name: function.name, instanceId: instanceId, input: input) {
        case .alreadyActive(let existing):
            throw WebhookRefusal(
                500,
                "An orchestration with instance id '\(instanceId)' already exists and is "
                    + "\(existing.runtimeStatus.rawValue)."
            )
        case .started:
            core.track(instanceId)
            onStart(instanceId)
        }
        if let waited = try await waitIfAsked(call, instanceId: instanceId) { return waited }
        let urls = checkStatusJSON(call, instanceId: instanceId)
        let location = statusURL(call, instanceId: instanceId)
        return Self.json(202, urls, headers: [("Location", location), ("Retry-After", "10")])
    }

    /// `timeout` and `pollingInterval` on a start: wait for completion and answer with the output.
    private func waitIfAsked(_ call: WebhookCall, instanceId: String) async throws -> HTTPResponse? {
        guard let timeoutText = call.query["timeout"] else { return nil }
        guard let timeout = Double(timeoutText), timeout >= 0 else {
            throw WebhookRefusal(400, "'timeout' must be seconds")
        }
        let interval = Double(call.query["pollingInterval"] ?? "1") ?? 1
        let deadline = Deadline(seconds: timeout)
        while deadline.remainingMilliseconds > 0 {
            if let record = try await core.durable.instance(instanceId), record.runtimeStatus.isTerminal {
                if record.runtimeStatus == .completed { return Self.json(200, record.output ?? "null") }
                return Self.json(200, record.statusJSON(showInput: true))
            }
            try await Task.sleep(for: .milliseconds(Int(max(0.05, interval) * 1_000)))
        }
        return nil
    }

    /// `GET B/instances/{instanceId}`.
    func status(_ call: WebhookCall) async throws -> HTTPResponse {
        let instanceId = call.segments[1]
        guard let record = try await core.durable.instance(instanceId) else {
            throw WebhookRefusal(404, "No instance with ID '\(instanceId)' found.")
        }
        var text = record.statusJSON(showInput: try call.query.flag("showInput", true))
        if try call.query.flag("showHistory", false) {
            let history = try await core.durable.history(of: record).events
            let outputs = try call.query.flag("showHistoryOutput", false)
            let events = history.compactMap { HistoryJSON.event($0, withOutput: outputs) }
            text.removeLast()
            text += ",\"historyEvents\":[" + events.joined(separator: ",") + "]}"
        }
        if record.runtimeStatus == .failed, try call.query.flag("returnInternalServerErrorOnFailure", false) {
            return Self.json(500, text)
        }
        guard record.runtimeStatus.isTerminal else {
            let location = call.origin + call.request.target
            return Self.json(202, text, headers: [("Location", location), ("Retry-After", "5")])
        }
        return Self.json(200, text)
    }

    /// `GET B/instances`: one page, in instance-id order, with `x-ms-continuation-token` when more follow.
    func list(_ call: WebhookCall) async throws -> HTTPResponse {
        let filter = try instanceFilter(call.query, statuses: try call.query.statuses())
        let top = Int(call.query["top"] ?? "") ?? 100
        guard top > 0 else { throw WebhookRefusal(400, "'top' must be a positive number") }
        var after: String?
        if let token = call.request.headers[Self.continuationHeader], !["", "null"].contains(token) {
            guard let bytes = [UInt8](base64: token) else {
                throw WebhookRefusal(400, "the continuation token is not valid")
            }
            after = String(decoding: bytes, as: UTF8.self)
        }
        let (records, more) = try await core.durable.instances(filter: filter, after: after, limit: min(top, 1_000))
        let showInput = try call.query.flag("showInput", true)
        let body = "[" + records.map { $0.statusJSON(showInput: showInput) }.joined(separator: ",") + "]"
        var headers: [(String, String)] = []
        if more, let last = records.last {
            headers.append((Self.continuationHeader, Array(last.instanceId.utf8).base64))
        }
        return Self.json(200, body, headers: headers)
    }

    /// `DELETE B/instances/{instanceId}`.
    func purgeOne(_ call: WebhookCall) async throws -> HTTPResponse {
        let instanceId = call.segments[1]
        guard try await core.durable.purge(instanceId) else {
            throw WebhookRefusal(404, "No instance with ID '\(instanceId)' found.")
        }
        return Self.json(200, "{\"instancesDeleted\":1}")
    }

    /// `DELETE B/instances/?createdTimeFrom=…`: instances in a final status only.
    func purgeMany(_ call: WebhookCall) async throws -> HTTPResponse {
        guard call.query["createdTimeFrom"] != nil else {
            throw WebhookRefusal(400, "Please provide value for 'createdTimeFrom' parameter.")
        }
        let requested = try call.query.statuses()
        let final = (requested.isEmpty ? RuntimeState.allCases : requested).filter(\.isTerminal)
        guard !final.isEmpty else { throw WebhookRefusal(404, "No instances were deleted.") }
        let filter = try instanceFilter(call.query, statuses: final)
        var deleted = 0
        var after: String?
        while true {
            let (records, more) = try await core.durable.instances(filter: filter, after: after, limit: 500)
            for record in records where try await core.durable.purge(record.instanceId) { deleted += 1 }
            guard more, let last = records.last else { break }
            after = last.instanceId
        }
        guard deleted > 0 else { throw WebhookRefusal(404, "No instances were deleted.") }
        return Self.json(200, "{\"instancesDeleted\":\(deleted)}")
    }

    /// `POST B/instances/{instanceId}/terminate?reason=…`.
    func terminate(_ call: WebhookCall) async throws -> HTTPResponse {
        let record = try await activeInstance(call.segments[1])
        let reason = JSONValue.string(call.query["reason"] ?? "").jsonText
        try await core.enqueue(
            to: record,
            key: core.uniqueKey("terminate"),
            kind: .executionTerminated(ExecutionTerminatedEvent(input: reason)),
            anyExecution: true
        )
        return Self.json(202, "")
    }

    /// `POST B/instances/{instanceId}/raiseEvent/{eventName}` with a JSON body.
    func raiseEvent(_ call: WebhookCall) async throws -> HTTPResponse {
        let mediaType = (call.request.headers["Content-Type"] ?? "").split(separator: ";").first ?? ""
        guard mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json" else {
            throw WebhookRefusal(400, "Only application/json request content is supported")
        }
        var data: String?
        if !call.request.body.isEmpty {
            guard let text = OrderedJSON.compact(String(decoding: call.request.body, as: UTF8.self)) else {
                throw WebhookRefusal(400, "Invalid JSON content")
            }
            data = text
        }
        let record = try await activeInstance(call.segments[1])
        try await core.enqueue(
            to: record,
            key: core.uniqueKey("event"),
            kind: .eventRaised(EventRaisedEvent(name: call.segments[3], input: data)),
            anyExecution: true
        )
        return Self.json(202, "")
    }

    /// The instance, or 404 when unknown and 410 when it has finished.
    private func activeInstance(_ instanceId: String) async throws -> InstanceRecord {
        guard let record = try await core.durable.instance(instanceId) else {
            throw WebhookRefusal(404, "No instance with ID '\(instanceId)' found.")
        }
        guard !record.runtimeStatus.isTerminal else {
            throw WebhookRefusal(
                410,
                "The instance '\(instanceId)' has already ended (\(record.runtimeStatus.rawValue))."
            )
        }
        return record
    }

    private func instanceFilter(_ query: WebhookQuery, statuses: [RuntimeState]) throws -> TableFilter? {
        var conditions: [TableFilter] = []
        if let from = try query.date("createdTimeFrom") {
            conditions.append(.greaterThanOrEqual("CreatedTime", .dateTime(from)))
        }
        if let to = try query.date("createdTimeTo") {
            conditions.append(.lessThanOrEqual("CreatedTime", .dateTime(to)))
        }
        if let prefix = query["instanceIdPrefix"], !prefix.isEmpty {
            conditions.append(.hasPrefix("PartitionKey", prefix))
        }
        if !statuses.isEmpty {
            let alternatives = statuses.map { TableFilter.equal("RuntimeStatus", .string($0.rawValue)) }
            conditions.append(alternatives.dropFirst().reduce(alternatives[0]) { $0 || $1 })
        }
        return TableFilter.all(conditions)
    }

    /// The extension's rules for instance ids: not empty, at most 256 characters, no leading `@`,
    /// none of `/ \ # ?` and no control characters.
    static func validate(instanceId: String) throws {
        let bad =
            instanceId.isEmpty || instanceId.count > 256 || instanceId.hasPrefix("@")
            || instanceId.unicodeScalars.contains {
                "/\\#?".unicodeScalars.contains($0) || $0.properties.generalCategory == .control
            }
        if bad { throw WebhookRefusal(400, "Invalid instance ID '\(instanceId)'.") }
    }

    private func suffix(_ call: WebhookCall) -> String {
        "taskHub=\(core.layout.hubName)&connection=Storage&code=\(systemKey)"
    }

    private func statusURL(_ call: WebhookCall, instanceId: String) -> String {
        call.origin + Self.basePath + "/instances/" + Self.escape(instanceId) + "?" + suffix(call)
    }

    private func checkStatusJSON(_ call: WebhookCall, instanceId: String) -> String {
        let base = call.origin + Self.basePath + "/instances/" + Self.escape(instanceId)
        let query = suffix(call)
        return OrderedJSON.object([
            ("id", .string(instanceId)),
            ("statusQueryGetUri", .string(base + "?" + query)),
            ("sendEventPostUri", .string(base + "/raiseEvent/{eventName}?" + query)),
            ("terminatePostUri", .string(base + "/terminate?reason={text}&" + query)),
            ("purgeHistoryDeleteUri", .string(base + "?" + query)),
            ("restartPostUri", .string(base + "/restart?" + query)),
            ("suspendPostUri", .string(base + "/suspend?reason={text}&" + query)),
            ("resumePostUri", .string(base + "/resume?reason={text}&" + query)),
        ])
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(
            withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
        ) ?? segment
    }
}
