import LinkTomeCore

@testable import Durable

/// The proto3 JSON mapping of the codec's messages, as the reference runtime's `MessageToDict`
/// writes it: camelCase names, defaults omitted, wrappers unwrapped, enums by name, Timestamps
/// as RFC 3339 text. Used to compare the Swift decoder with the reference decoder.
enum ProtoJSON {
    static func request(_ value: OrchestratorRequest) -> JSONValue {
        var object = Members()
        object.string("instanceId", value.instanceId)
        object.optional("executionId", value.executionId.map(JSONValue.string))
        object.list("pastEvents", value.pastEvents.map(event))
        object.list("newEvents", value.newEvents.map(event))
        object.optional("entityParameters", value.entityParameters.map(entityParameters))
        object.bool("requiresHistoryStreaming", value.requiresHistoryStreaming)
        object.map("properties", value.properties.mapValues(protoValue))
        object.optional("orchestrationTraceContext", value.orchestrationTraceContext.map(traceContext))
        return object.json
    }

    static func response(_ value: OrchestratorResponse) -> JSONValue {
        var object = Members()
        object.string("instanceId", value.instanceId)
        object.list("actions", value.actions.map(action))
        object.optional("customStatus", value.customStatus.map(JSONValue.string))
        object.string("completionToken", value.completionToken)
        object.optional("numEventsProcessed", value.numEventsProcessed.map { .integer(Int64($0)) })
        object.optional("orchestrationTraceContext", value.orchestrationTraceContext.map(traceContext))
        object.bool("requiresHistory", value.requiresHistory)
        object.bool("isPartial", value.isPartial)
        object.optional("chunkIndex", value.chunkIndex.map { .integer(Int64($0)) })
        return object.json
    }

    static func event(_ value: HistoryEvent) -> JSONValue {
        var object = Members()
        object.int("eventId", value.eventId)
        object.optional("timestamp", value.timestamp.map(timestamp))
        if let (name, body) = eventKind(value.kind) { object[name] = body }
        return object.json
    }

    static func action(_ value: OrchestratorAction) -> JSONValue {
        var object = Members()
        object.int("id", value.id)
        if let (name, body) = actionKind(value.kind) { object[name] = body }
        return object.json
    }

    static func failure(_ value: TaskFailureDetails) -> JSONValue {
        var object = Members()
        object.string("errorType", value.errorType)
        object.string("errorMessage", value.errorMessage)
        object.optional("stackTrace", value.stackTrace.map(JSONValue.string))
        object.optional("innerFailure", value.innerFailure.map(failure))
        object.bool("isNonRetriable", value.isNonRetriable)
        object.map("properties", value.properties.mapValues(protoValue))
        return object.json
    }

    /// RFC 3339 with 0, 3, 6 or 9 fraction digits, as the reference runtime writes Timestamps.
    static func timestamp(_ value: Timestamp) -> JSONValue {
        .string(value.iso8601(fractionDigits: fractionDigits(value.nanoseconds)))
    }

    static func fractionDigits(_ nanos: Int32) -> Int {
        if nanos == 0 { return 0 }
        if nanos % 1_000_000 == 0 { return 3 }
        return nanos % 1_000 == 0 ? 6 : 9
    }
}

// Event and action bodies.
extension ProtoJSON {
    static func eventKind(_ kind: HistoryEvent.Kind) -> (String, JSONValue)? {
        switch kind {
        case .none: return nil
        case .executionStarted(let body): return ("executionStarted", executionStarted(body))
        case .executionCompleted(let body):
            var object = Members()
            object.status("orchestrationStatus", body.orchestrationStatus)
            object.optional("result", body.result.map(JSONValue.string))
            object.optional("failureDetails", body.failureDetails.map(failure))
            return ("executionCompleted", object.json)
        case .executionTerminated(let body):
            var object = Members()
            object.optional("input", body.input.map(JSONValue.string))
            object.bool("recurse", body.recurse)
            return ("executionTerminated", object.json)
        case .taskScheduled(let body):
            var object = Members()
            object.string("name", body.name)
            object.optional("version", body.version.map(JSONValue.string))
            object.optional("input", body.input.map(JSONValue.string))
            object.optional("parentTraceContext", body.parentTraceContext.map(trace))
            object.map("tags", body.tags.mapValues(JSONValue.string))
            return ("taskScheduled", object.json)
        case .taskCompleted(let body):
            return ("taskCompleted", completion(body.taskScheduledId, body.result))
        case .taskFailed(let body):
            return ("taskFailed", failed(body.taskScheduledId, body.failureDetails))
        case .subOrchestrationInstanceCreated(let body):
            return ("subOrchestrationInstanceCreated", subOrchestrationCreated(body))
        case .subOrchestrationInstanceCompleted(let body):
            return ("subOrchestrationInstanceCompleted", completion(body.taskScheduledId, body.result))
        case .subOrchestrationInstanceFailed(let body):
            return ("subOrchestrationInstanceFailed", failed(body.taskScheduledId, body.failureDetails))
        case .timerCreated(let body):
            var object = Members()
            object.optional("fireAt", body.fireAt.map(timestamp))
            return ("timerCreated", object.json)
        case .timerFired(let body):
            var object = Members()
            object.optional("fireAt", body.fireAt.map(timestamp))
            object.int("timerId", body.timerId)
            return ("timerFired", object.json)
        case .orchestratorStarted: return ("orchestratorStarted", .object([:]))
        case .orchestratorCompleted: return ("orchestratorCompleted", .object([:]))
        case .eventSent(let body):
            var object = Members()
            object.string("instanceId", body.instanceId)
            object.string("name", body.name)
            object.optional("input", body.input.map(JSONValue.string))
            return ("eventSent", object.json)
        case .eventRaised(let body):
            var object = Members()
            object.string("name", body.name)
            object.optional("input", body.input.map(JSONValue.string))
            return ("eventRaised", object.json)
        case .genericEvent(let body): return ("genericEvent", single("data", body.data))
        case .historyState(let body):
            var object = Members()
            object.optional("orchestrationState", body.orchestrationState.map(state))
            return ("historyState", object.json)
        case .continueAsNew(let body): return ("continueAsNew", single("input", body.input))
        case .executionSuspended(let body): return ("executionSuspended", single("input", body.input))
        case .executionResumed(let body): return ("executionResumed", single("input", body.input))
        case .opaque(let body): return (body.name, opaque(body.bytes))
        }
    }

    static func actionKind(_ kind: OrchestratorAction.Kind) -> (String, JSONValue)? {
        switch kind {
        case .none: return nil
        case .scheduleTask(let body):
            var object = Members()
            object.string("name", body.name)
            object.optional("version", body.version.map(JSONValue.string))
            object.optional("input", body.input.map(JSONValue.string))
            object.map("tags", body.tags.mapValues(JSONValue.string))
            object.optional("parentTraceContext", body.parentTraceContext.map(trace))
            return ("scheduleTask", object.json)
        case .createSubOrchestration(let body):
            let created = SubOrchestrationInstanceCreatedEvent(
                instanceId: body.instanceId,
                name: body.name,
                version: body.version,
                input: body.input,
                parentTraceContext: body.parentTraceContext,
                tags: body.tags
            )
            return ("createSubOrchestration", subOrchestrationCreated(created))
        case .createTimer(let body):
            var object = Members()
            object.optional("fireAt", body.fireAt.map(timestamp))
            return ("createTimer", object.json)
        case .sendEvent(let body):
            var object = Members()
            object.optional("instance", body.instance.map(instance))
            object.string("name", body.name)
            object.optional("data", body.data.map(JSONValue.string))
            return ("sendEvent", object.json)
        case .completeOrchestration(let body): return ("completeOrchestration", complete(body))
        case .terminateOrchestration(let body):
            var object = Members()
            object.string("instanceId", body.instanceId)
            object.optional("reason", body.reason.map(JSONValue.string))
            object.bool("recurse", body.recurse)
            return ("terminateOrchestration", object.json)
        case .sendEntityMessage(let bytes): return ("sendEntityMessage", opaque(bytes))
        case .rewindOrchestration(let body):
            var object = Members()
            object.list("newHistory", body.newHistory.map(event))
            return ("rewindOrchestration", object.json)
        }
    }

    static func complete(_ body: CompleteOrchestrationAction) -> JSONValue {
        var object = Members()
        object.status("orchestrationStatus", body.orchestrationStatus)
        object.optional("result", body.result.map(JSONValue.string))
        object.optional("details", body.details.map(JSONValue.string))
        object.optional("newVersion", body.newVersion.map(JSONValue.string))
        object.list("carryoverEvents", body.carryoverEvents.map(event))
        object.optional("failureDetails", body.failureDetails.map(failure))
        object.map("tags", body.tags.mapValues(JSONValue.string))
        return object.json
    }
}

// Nested messages.
extension ProtoJSON {
    static func executionStarted(_ body: ExecutionStartedEvent) -> JSONValue {
        var object = Members()
        object.string("name", body.name)
        object.optional("version", body.version.map(JSONValue.string))
        object.optional("input", body.input.map(JSONValue.string))
        object.optional("orchestrationInstance", body.orchestrationInstance.map(instance))
        if let parent = body.parentInstance {
            var info = Members()
            info.int("taskScheduledId", parent.taskScheduledId)
            info.optional("name", parent.name.map(JSONValue.string))
            info.optional("version", parent.version.map(JSONValue.string))
            info.optional("orchestrationInstance", parent.orchestrationInstance.map(instance))
            object["parentInstance"] = info.json
        }
        object.optional("scheduledStartTimestamp", body.scheduledStartTimestamp.map(timestamp))
        object.optional("parentTraceContext", body.parentTraceContext.map(trace))
        object.optional("orchestrationSpanID", body.orchestrationSpanId.map(JSONValue.string))
        object.map("tags", body.tags.mapValues(JSONValue.string))
        return object.json
    }

    static func subOrchestrationCreated(_ body: SubOrchestrationInstanceCreatedEvent) -> JSONValue {
        var object = Members()
        object.string("instanceId", body.instanceId)
        object.string("name", body.name)
        object.optional("version", body.version.map(JSONValue.string))
        object.optional("input", body.input.map(JSONValue.string))
        object.optional("parentTraceContext", body.parentTraceContext.map(trace))
        object.map("tags", body.tags.mapValues(JSONValue.string))
        return object.json
    }

    static func state(_ body: OrchestrationState) -> JSONValue {
        var object = Members()
        object.string("instanceId", body.instanceId)
        object.string("name", body.name)
        object.optional("version", body.version.map(JSONValue.string))
        object.status("orchestrationStatus", body.orchestrationStatus)
        object.optional("scheduledStartTimestamp", body.scheduledStartTimestamp.map(timestamp))
        object.optional("createdTimestamp", body.createdTimestamp.map(timestamp))
        object.optional("lastUpdatedTimestamp", body.lastUpdatedTimestamp.map(timestamp))
        object.optional("input", body.input.map(JSONValue.string))
        object.optional("output", body.output.map(JSONValue.string))
        object.optional("customStatus", body.customStatus.map(JSONValue.string))
        object.optional("failureDetails", body.failureDetails.map(failure))
        object.optional("executionId", body.executionId.map(JSONValue.string))
        object.optional("completedTimestamp", body.completedTimestamp.map(timestamp))
        object.optional("parentInstanceId", body.parentInstanceId.map(JSONValue.string))
        object.map("tags", body.tags.mapValues(JSONValue.string))
        return object.json
    }

    static func completion(_ id: Int32, _ result: String?) -> JSONValue {
        var object = Members()
        object.int("taskScheduledId", id)
        object.optional("result", result.map(JSONValue.string))
        return object.json
    }

    static func failed(_ id: Int32, _ details: TaskFailureDetails?) -> JSONValue {
        var object = Members()
        object.int("taskScheduledId", id)
        object.optional("failureDetails", details.map(failure))
        return object.json
    }

    static func single(_ name: String, _ value: String?) -> JSONValue {
        var object = Members()
        object.optional(name, value.map(JSONValue.string))
        return object.json
    }

    static func instance(_ body: OrchestrationInstance) -> JSONValue {
        var object = Members()
        object.string("instanceId", body.instanceId)
        object.optional("executionId", body.executionId.map(JSONValue.string))
        return object.json
    }

    static func trace(_ body: TraceContext) -> JSONValue {
        var object = Members()
        object.string("traceParent", body.traceParent)
        object.string("spanID", body.spanId)
        object.optional("traceState", body.traceState.map(JSONValue.string))
        return object.json
    }

    static func traceContext(_ body: OrchestrationTraceContext) -> JSONValue {
        var object = Members()
        object.optional("spanID", body.spanId.map(JSONValue.string))
        object.optional("spanStartTime", body.spanStartTime.map(timestamp))
        return object.json
    }

    static func entityParameters(_ body: OrchestratorEntityParameters) -> JSONValue {
        var object = Members()
        if let window = body.entityMessageReorderWindow {
            let digits = fractionDigits(window.nanos)
            var text = String(window.seconds)
            if digits > 0 {
                let nanos = String(window.nanos)
                text += "." + (String(repeating: "0", count: 9 - nanos.count) + nanos).prefix(digits)
            }
            object["entityMessageReorderWindow"] = .string(text + "s")
        }
        return object.json
    }

    /// The test stand-in for entity messages: one string field, `payload = 1`.
    static func opaque(_ bytes: [UInt8]) -> JSONValue {
        var object = Members()
        fields(bytes) { field, reader in
            if field.number == 1, let text = try? reader.string(field) { object.string("payload", text) }
        }
        return object.json
    }

    /// Decodes a `google.protobuf.Value` (null, number, string, bool, struct, list).
    static func protoValue(_ value: ProtoValue) -> JSONValue {
        var result: JSONValue = .null
        fields(value.bytes) { field, reader in
            switch field.number {
            case 2: result = .double(Double(bitPattern: (try? reader.fixed64(field)) ?? 0))
            case 3: result = .string((try? reader.string(field)) ?? "")
            case 4: result = .bool((try? reader.bool(field)) ?? false)
            case 5: result = structValue((try? reader.bytes(field)) ?? [])
            case 6: result = listValue((try? reader.bytes(field)) ?? [])
            default: try? reader.skip(field)
            }
        }
        return result
    }

    static func structValue(_ bytes: [UInt8]) -> JSONValue {
        var members: [String: JSONValue] = [:]
        fields(bytes) { field, reader in
            if let (key, value) = try? reader.valueMapEntry(field) { members[key] = protoValue(value) }
        }
        return .object(members)
    }

    static func listValue(_ bytes: [UInt8]) -> JSONValue {
        var elements: [JSONValue] = []
        fields(bytes) { field, reader in
            if let element = try? reader.bytes(field) { elements.append(protoValue(ProtoValue(bytes: element))) }
        }
        return .array(elements)
    }

    /// Calls `body` for each field of the message in `bytes`, stopping at the first malformed key.
    private static func fields(_ bytes: [UInt8], _ body: (ProtoField, inout ProtoReader) -> Void) {
        _ = try? ProtoReader.read(bytes, messageName: "test") { (reader) throws(DurableError) in
            while let field = try reader.nextField() { body(field, &reader) }
        }
    }
}

/// An object under construction that leaves out proto3 defaults.
struct Members {
    var members: [String: JSONValue] = [:]

    var json: JSONValue { .object(members) }

    subscript(name: String) -> JSONValue? {
        get { members[name] }
        set { members[name] = newValue }
    }

    mutating func string(_ name: String, _ value: String) {
        if !value.isEmpty { members[name] = .string(value) }
    }

    mutating func int(_ name: String, _ value: Int32) {
        if value != 0 { members[name] = .integer(Int64(value)) }
    }

    mutating func bool(_ name: String, _ value: Bool) {
        if value { members[name] = .bool(true) }
    }

    mutating func status(_ name: String, _ value: OrchestrationStatus) {
        if value != .running { members[name] = .string("ORCHESTRATION_STATUS_\(value)") }
    }

    mutating func optional(_ name: String, _ value: JSONValue?) {
        if let value { members[name] = value }
    }

    mutating func list(_ name: String, _ values: [JSONValue]) {
        if !values.isEmpty { members[name] = .array(values) }
    }

    mutating func map(_ name: String, _ values: [String: JSONValue]) {
        if !values.isEmpty { members[name] = .object(values) }
    }
}
