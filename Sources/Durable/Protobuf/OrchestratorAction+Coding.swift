import LinkTomeCore

extension OrchestratorAction: ProtoMessage {
    static let protoName = "OrchestratorAction"

    init() { self.init(id: 0, kind: .none) }

    /// Decodes one action from its wire bytes.
    public init(protobuf bytes: [UInt8]) throws(DurableError) {
        try self.init(decoding: bytes)
    }

    /// The wire bytes of this action.
    public var protobufBytes: [UInt8] { encoded }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: id = try reader.int32(field)
        case 2: kind = .scheduleTask(try reader.message(field))
        case 3: kind = .createSubOrchestration(try reader.message(field))
        case 4: kind = .createTimer(try reader.message(field))
        case 5: kind = .sendEvent(try reader.message(field))
        case 6: kind = .completeOrchestration(try reader.message(field))
        case 7: kind = .terminateOrchestration(try reader.message(field))
        case 8: kind = .sendEntityMessage(try reader.bytes(field))
        case 9: kind = .rewindOrchestration(try reader.message(field))
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, id)
        switch kind {
        case .none: break
        case .scheduleTask(let action): writer.message(2, action)
        case .createSubOrchestration(let action): writer.message(3, action)
        case .createTimer(let action): writer.message(4, action)
        case .sendEvent(let action): writer.message(5, action)
        case .completeOrchestration(let action): writer.message(6, action)
        case .terminateOrchestration(let action): writer.message(7, action)
        case .sendEntityMessage(let bytes): writer.rawMessage(8, bytes)
        case .rewindOrchestration(let action): writer.message(9, action)
        }
    }
}

extension ScheduleTaskAction: ProtoMessage {
    static let protoName = "ScheduleTaskAction"

    init() { self.init(name: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: name = try reader.string(field)
        case 2: version = try reader.stringValue(field)
        case 3: input = try reader.stringValue(field)
        case 4:
            let (key, value) = try reader.stringMapEntry(field)
            tags[key] = value
        case 5: parentTraceContext = try reader.message(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, name)
        writer.stringValue(2, version)
        writer.stringValue(3, input)
        writer.stringMap(4, tags)
        writer.message(5, parentTraceContext)
    }
}

extension CreateSubOrchestrationAction: ProtoMessage {
    static let protoName = "CreateSubOrchestrationAction"

    init() { self.init(instanceId: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: name = try reader.string(field)
        case 3: version = try reader.stringValue(field)
        case 4: input = try reader.stringValue(field)
        case 5: parentTraceContext = try reader.message(field)
        case 6:
            let (key, value) = try reader.stringMapEntry(field)
            tags[key] = value
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        writer.string(2, name)
        writer.stringValue(3, version)
        writer.stringValue(4, input)
        writer.message(5, parentTraceContext)
        writer.stringMap(6, tags)
    }
}

extension CreateTimerAction: ProtoMessage {
    static let protoName = "CreateTimerAction"

    init() { self.init(fireAt: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: fireAt = try reader.timestamp(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.timestamp(1, fireAt)
    }
}

extension SendEventAction: ProtoMessage {
    static let protoName = "SendEventAction"

    init() { self.init(instance: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instance = try reader.message(field)
        case 2: name = try reader.string(field)
        case 3: data = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.message(1, instance)
        writer.string(2, name)
        writer.stringValue(3, data)
    }
}

extension CompleteOrchestrationAction: ProtoMessage {
    static let protoName = "CompleteOrchestrationAction"

    init() { self.init(orchestrationStatus: .running) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: orchestrationStatus = OrchestrationStatus(rawValue: try reader.int32(field))
        case 2: result = try reader.stringValue(field)
        case 3: details = try reader.stringValue(field)
        case 4: newVersion = try reader.stringValue(field)
        case 5: carryoverEvents.append(try reader.message(field))
        case 6: failureDetails = try reader.message(field)
        case 7:
            let (key, value) = try reader.stringMapEntry(field)
            tags[key] = value
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, orchestrationStatus.rawValue)
        writer.stringValue(2, result)
        writer.stringValue(3, details)
        writer.stringValue(4, newVersion)
        for event in carryoverEvents { writer.message(5, event) }
        writer.message(6, failureDetails)
        writer.stringMap(7, tags)
    }
}

extension TerminateOrchestrationAction: ProtoMessage {
    static let protoName = "TerminateOrchestrationAction"

    init() { self.init(instanceId: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: reason = try reader.stringValue(field)
        case 3: recurse = try reader.bool(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        writer.stringValue(2, reason)
        writer.bool(3, recurse)
    }
}

extension RewindOrchestrationAction: ProtoMessage {
    static let protoName = "RewindOrchestrationAction"

    init() { self.init(newHistory: []) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: newHistory.append(try reader.message(field))
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        for event in newHistory { writer.message(1, event) }
    }
}

extension OrchestratorRequest: ProtoMessage {
    static let protoName = "OrchestratorRequest"

    init() { self.init(instanceId: "") }

    /// Decodes a request from its wire bytes.
    ///
    /// - Throws: ``DurableError/malformedProtobuf(message:offset:)`` naming the message, field
    ///   and byte offset where the bytes stopped making sense.
    public init(protobuf bytes: [UInt8]) throws(DurableError) {
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(DurableError) in
            try OrchestratorRequest(protobuf: buffer)
        }
    }

    /// Decodes a request from bytes that live only during the call.
    init(protobuf buffer: UnsafeBufferPointer<UInt8>) throws(DurableError) {
        self = try ProtoReader.read(buffer, messageName: Self.protoName) { (reader) throws(DurableError) in
            // Sizing the event lists first saves regrowing them, which matters for long histories.
            var counter = reader
            var counts = (past: 0, new: 0)
            while let field = try counter.nextField() {
                if field.number == 3 { counts.past += 1 } else if field.number == 4 { counts.new += 1 }
                try counter.skip(field)
            }
            var request = OrchestratorRequest()
            request.pastEvents.reserveCapacity(counts.past)
            request.newEvents.reserveCapacity(counts.new)
            while let field = try reader.nextField() { try request.decodeField(field, from: &reader) }
            return request
        }
    }

    /// The wire bytes of this request (used by tests and the development host).
    public var protobufBytes: [UInt8] { encoded }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: executionId = try reader.stringValue(field)
        case 3: pastEvents.append(try reader.message(field))
        case 4: newEvents.append(try reader.message(field))
        case 5: entityParameters = try reader.message(field)
        case 6: requiresHistoryStreaming = try reader.bool(field)
        case 7:
            let (key, value) = try reader.valueMapEntry(field)
            properties[key] = value
        case 8: orchestrationTraceContext = try reader.message(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        writer.stringValue(2, executionId)
        for event in pastEvents { writer.message(3, event) }
        for event in newEvents { writer.message(4, event) }
        writer.message(5, entityParameters)
        writer.bool(6, requiresHistoryStreaming)
        writer.valueMap(7, properties)
        writer.message(8, orchestrationTraceContext)
    }
}

extension OrchestratorResponse: ProtoMessage {
    static let protoName = "OrchestratorResponse"

    init() { self.init(instanceId: "") }

    /// Decodes a response from its wire bytes.
    public init(protobuf bytes: [UInt8]) throws(DurableError) {
        try self.init(decoding: bytes)
    }

    /// The wire bytes of this response.
    public var protobufBytes: [UInt8] { encoded }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: actions.append(try reader.message(field))
        case 3: customStatus = try reader.stringValue(field)
        case 4: completionToken = try reader.string(field)
        case 5: numEventsProcessed = try reader.int32Value(field)
        case 6: orchestrationTraceContext = try reader.message(field)
        case 7: requiresHistory = try reader.bool(field)
        case 8: isPartial = try reader.bool(field)
        case 9: chunkIndex = try reader.int32Value(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        for action in actions { writer.message(2, action) }
        writer.stringValue(3, customStatus)
        writer.string(4, completionToken)
        writer.int32Value(5, numEventsProcessed)
        writer.message(6, orchestrationTraceContext)
        writer.bool(7, requiresHistory)
        writer.bool(8, isPartial)
        writer.int32Value(9, chunkIndex)
    }
}

extension OrchestratorRequest {
    /// Decodes a request from standard base64 text, as the orchestration trigger carries it.
    public init(base64 text: String) throws(DurableError) {
        guard let bytes = Base64Bytes.decode(text) else { throw .invalidBase64(length: text.utf8.count) }
        try self.init(protobuf: bytes)
    }
}
