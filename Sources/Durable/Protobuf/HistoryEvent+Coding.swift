extension HistoryEvent: ProtoMessage {
    static let protoName = "HistoryEvent"

    init() { self.init(eventId: 0, kind: .none) }

    /// Decodes one history event from its wire bytes.
    public init(protobuf bytes: [UInt8]) throws(DurableError) {
        try self.init(decoding: bytes)
    }

    /// The wire bytes of this event.
    public var protobufBytes: [UInt8] { encoded }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: eventId = try reader.int32(field)
        case 2: timestamp = try reader.timestamp(field)
        case 3: kind = .executionStarted(try reader.message(field))
        case 4: kind = .executionCompleted(try reader.message(field))
        case 5: kind = .executionTerminated(try reader.message(field))
        case 6: kind = .taskScheduled(try reader.message(field))
        case 7: kind = .taskCompleted(try reader.message(field))
        case 8: kind = .taskFailed(try reader.message(field))
        case 9: kind = .subOrchestrationInstanceCreated(try reader.message(field))
        case 10: kind = .subOrchestrationInstanceCompleted(try reader.message(field))
        case 11: kind = .subOrchestrationInstanceFailed(try reader.message(field))
        case 12: kind = .timerCreated(try reader.message(field))
        case 13: kind = .timerFired(try reader.message(field))
        case 14: kind = try Self.empty(field, &reader, "OrchestratorStartedEvent", .orchestratorStarted)
        case 15: kind = try Self.empty(field, &reader, "OrchestratorCompletedEvent", .orchestratorCompleted)
        case 16: kind = .eventSent(try reader.message(field))
        case 17: kind = .eventRaised(try reader.message(field))
        case 18: kind = .genericEvent(try reader.message(field))
        case 19: kind = .historyState(try reader.message(field))
        case 20: kind = .continueAsNew(try reader.message(field))
        case 21: kind = .executionSuspended(try reader.message(field))
        case 22: kind = .executionResumed(try reader.message(field))
        case 23...30: kind = .opaque(OpaqueEvent(fieldNumber: field.number, bytes: try reader.bytes(field)))
        default: try reader.skip(field)
        }
    }

    /// Reads an event message with no fields (skipping any it has).
    private static func empty(
        _ field: ProtoField,
        _ reader: inout ProtoReader,
        _ name: String,
        _ kind: Kind
    ) throws(DurableError) -> Kind {
        var inner = try reader.nested(field, messageName: name)
        while let unknown = try inner.nextField() { try inner.skip(unknown) }
        return kind
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, eventId)
        writer.timestamp(2, timestamp)
        switch kind {
        case .none: break
        case .executionStarted(let event): writer.message(3, event)
        case .executionCompleted(let event): writer.message(4, event)
        case .executionTerminated(let event): writer.message(5, event)
        case .taskScheduled(let event): writer.message(6, event)
        case .taskCompleted(let event): writer.message(7, event)
        case .taskFailed(let event): writer.message(8, event)
        case .subOrchestrationInstanceCreated(let event): writer.message(9, event)
        case .subOrchestrationInstanceCompleted(let event): writer.message(10, event)
        case .subOrchestrationInstanceFailed(let event): writer.message(11, event)
        case .timerCreated(let event): writer.message(12, event)
        case .timerFired(let event): writer.message(13, event)
        case .orchestratorStarted: writer.rawMessage(14, [])
        case .orchestratorCompleted: writer.rawMessage(15, [])
        case .eventSent(let event): writer.message(16, event)
        case .eventRaised(let event): writer.message(17, event)
        case .genericEvent(let event): writer.message(18, event)
        case .historyState(let event): writer.message(19, event)
        case .continueAsNew(let event): writer.message(20, event)
        case .executionSuspended(let event): writer.message(21, event)
        case .executionResumed(let event): writer.message(22, event)
        case .opaque(let event): writer.rawMessage(event.fieldNumber, event.bytes)
        }
    }
}

extension ExecutionStartedEvent: ProtoMessage {
    static let protoName = "ExecutionStartedEvent"

    init() { self.init(name: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: name = try reader.string(field)
        case 2: version = try reader.stringValue(field)
        case 3: input = try reader.stringValue(field)
        case 4: orchestrationInstance = try reader.message(field)
        case 5: parentInstance = try reader.message(field)
        case 6: scheduledStartTimestamp = try reader.timestamp(field)
        case 7: parentTraceContext = try reader.message(field)
        case 8: orchestrationSpanId = try reader.stringValue(field)
        case 9:
            let (key, value) = try reader.stringMapEntry(field)
            tags[key] = value
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, name)
        writer.stringValue(2, version)
        writer.stringValue(3, input)
        writer.message(4, orchestrationInstance)
        writer.message(5, parentInstance)
        writer.timestamp(6, scheduledStartTimestamp)
        writer.message(7, parentTraceContext)
        writer.stringValue(8, orchestrationSpanId)
        writer.stringMap(9, tags)
    }
}

extension ExecutionCompletedEvent: ProtoMessage {
    static let protoName = "ExecutionCompletedEvent"

    init() { self.init(orchestrationStatus: .running) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: orchestrationStatus = OrchestrationStatus(rawValue: try reader.int32(field))
        case 2: result = try reader.stringValue(field)
        case 3: failureDetails = try reader.message(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, orchestrationStatus.rawValue)
        writer.stringValue(2, result)
        writer.message(3, failureDetails)
    }
}

extension ExecutionTerminatedEvent: ProtoMessage {
    static let protoName = "ExecutionTerminatedEvent"

    init() { self.init(input: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: input = try reader.stringValue(field)
        case 2: recurse = try reader.bool(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.stringValue(1, input)
        writer.bool(2, recurse)
    }
}

extension TaskScheduledEvent: ProtoMessage {
    static let protoName = "TaskScheduledEvent"

    init() { self.init(name: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: name = try reader.string(field)
        case 2: version = try reader.stringValue(field)
        case 3: input = try reader.stringValue(field)
        case 4: parentTraceContext = try reader.message(field)
        case 5:
            let (key, value) = try reader.stringMapEntry(field)
            tags[key] = value
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, name)
        writer.stringValue(2, version)
        writer.stringValue(3, input)
        writer.message(4, parentTraceContext)
        writer.stringMap(5, tags)
    }
}

extension TaskCompletedEvent: ProtoMessage {
    static let protoName = "TaskCompletedEvent"

    init() { self.init(taskScheduledId: 0) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: taskScheduledId = try reader.int32(field)
        case 2: result = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, taskScheduledId)
        writer.stringValue(2, result)
    }
}

extension TaskFailedEvent: ProtoMessage {
    static let protoName = "TaskFailedEvent"

    init() { self.init(taskScheduledId: 0) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: taskScheduledId = try reader.int32(field)
        case 2: failureDetails = try reader.message(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, taskScheduledId)
        writer.message(2, failureDetails)
    }
}
