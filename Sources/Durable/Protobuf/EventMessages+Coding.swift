extension SubOrchestrationInstanceCreatedEvent: ProtoMessage {
    static let protoName = "SubOrchestrationInstanceCreatedEvent"

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

extension SubOrchestrationInstanceCompletedEvent: ProtoMessage {
    static let protoName = "SubOrchestrationInstanceCompletedEvent"

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

extension SubOrchestrationInstanceFailedEvent: ProtoMessage {
    static let protoName = "SubOrchestrationInstanceFailedEvent"

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

extension TimerCreatedEvent: ProtoMessage {
    static let protoName = "TimerCreatedEvent"

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

extension TimerFiredEvent: ProtoMessage {
    static let protoName = "TimerFiredEvent"

    init() { self.init(fireAt: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: fireAt = try reader.timestamp(field)
        case 2: timerId = try reader.int32(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.timestamp(1, fireAt)
        writer.int32(2, timerId)
    }
}

extension EventSentEvent: ProtoMessage {
    static let protoName = "EventSentEvent"

    init() { self.init(instanceId: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: name = try reader.string(field)
        case 3: input = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        writer.string(2, name)
        writer.stringValue(3, input)
    }
}

extension EventRaisedEvent: ProtoMessage {
    static let protoName = "EventRaisedEvent"

    init() { self.init(name: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: name = try reader.string(field)
        case 2: input = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, name)
        writer.stringValue(2, input)
    }
}

extension GenericEvent: ProtoMessage {
    static let protoName = "GenericEvent"

    init() { self.init(data: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: data = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.stringValue(1, data)
    }
}

extension HistoryStateEvent: ProtoMessage {
    static let protoName = "HistoryStateEvent"

    init() { self.init(orchestrationState: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: orchestrationState = try reader.message(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.message(1, orchestrationState)
    }
}

extension ContinueAsNewEvent: ProtoMessage {
    static let protoName = "ContinueAsNewEvent"

    init() { self.init(input: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: input = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.stringValue(1, input)
    }
}

extension ExecutionSuspendedEvent: ProtoMessage {
    static let protoName = "ExecutionSuspendedEvent"

    init() { self.init(input: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: input = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.stringValue(1, input)
    }
}

extension ExecutionResumedEvent: ProtoMessage {
    static let protoName = "ExecutionResumedEvent"

    init() { self.init(input: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: input = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.stringValue(1, input)
    }
}
