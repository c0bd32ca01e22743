extension OrchestrationInstance: ProtoMessage {
    static let protoName = "OrchestrationInstance"

    init() { self.init(instanceId: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: executionId = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        writer.stringValue(2, executionId)
    }
}

extension ParentInstanceInfo: ProtoMessage {
    static let protoName = "ParentInstanceInfo"

    init() { self.init(taskScheduledId: 0) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: taskScheduledId = try reader.int32(field)
        case 2: name = try reader.stringValue(field)
        case 3: version = try reader.stringValue(field)
        case 4: orchestrationInstance = try reader.message(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.int32(1, taskScheduledId)
        writer.stringValue(2, name)
        writer.stringValue(3, version)
        writer.message(4, orchestrationInstance)
    }
}

extension TraceContext: ProtoMessage {
    static let protoName = "TraceContext"

    init() { self.init(traceParent: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: traceParent = try reader.string(field)
        case 2: spanId = try reader.string(field)
        case 3: traceState = try reader.stringValue(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, traceParent)
        writer.string(2, spanId)
        writer.stringValue(3, traceState)
    }
}

extension TaskFailureDetails: ProtoMessage {
    static let protoName = "TaskFailureDetails"

    init() { self.init(errorType: "") }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: errorType = try reader.string(field)
        case 2: errorMessage = try reader.string(field)
        case 3: stackTrace = try reader.stringValue(field)
        case 4: innerFailure = try reader.message(field, as: TaskFailureDetails.self)
        case 5: isNonRetriable = try reader.bool(field)
        case 6:
            let (key, value) = try reader.valueMapEntry(field)
            properties[key] = value
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, errorType)
        writer.string(2, errorMessage)
        writer.stringValue(3, stackTrace)
        writer.message(4, innerFailure)
        writer.bool(5, isNonRetriable)
        writer.valueMap(6, properties)
    }
}

extension OrchestrationState: ProtoMessage {
    static let protoName = "OrchestrationState"

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: instanceId = try reader.string(field)
        case 2: name = try reader.string(field)
        case 3: version = try reader.stringValue(field)
        case 4: orchestrationStatus = OrchestrationStatus(rawValue: try reader.int32(field))
        case 5: scheduledStartTimestamp = try reader.timestamp(field)
        case 6: createdTimestamp = try reader.timestamp(field)
        case 7: lastUpdatedTimestamp = try reader.timestamp(field)
        case 8: input = try reader.stringValue(field)
        case 9: output = try reader.stringValue(field)
        case 10: customStatus = try reader.stringValue(field)
        case 11: failureDetails = try reader.message(field)
        case 12: executionId = try reader.stringValue(field)
        case 13: completedTimestamp = try reader.timestamp(field)
        case 14: parentInstanceId = try reader.stringValue(field)
        case 15:
            let (key, value) = try reader.stringMapEntry(field)
            tags[key] = value
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.string(1, instanceId)
        writer.string(2, name)
        writer.stringValue(3, version)
        writer.int32(4, orchestrationStatus.rawValue)
        writer.timestamp(5, scheduledStartTimestamp)
        writer.timestamp(6, createdTimestamp)
        writer.timestamp(7, lastUpdatedTimestamp)
        writer.stringValue(8, input)
        writer.stringValue(9, output)
        writer.stringValue(10, customStatus)
        writer.message(11, failureDetails)
        writer.stringValue(12, executionId)
        writer.timestamp(13, completedTimestamp)
        writer.stringValue(14, parentInstanceId)
        writer.stringMap(15, tags)
    }
}

extension OrchestrationTraceContext: ProtoMessage {
    static let protoName = "OrchestrationTraceContext"

    init() { self.init(spanId: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: spanId = try reader.stringValue(field)
        case 2: spanStartTime = try reader.timestamp(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.stringValue(1, spanId)
        writer.timestamp(2, spanStartTime)
    }
}

extension OrchestratorEntityParameters: ProtoMessage {
    static let protoName = "OrchestratorEntityParameters"

    init() { self.init(entityMessageReorderWindow: nil) }

    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError) {
        switch field.number {
        case 1: entityMessageReorderWindow = try reader.duration(field)
        default: try reader.skip(field)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.duration(1, entityMessageReorderWindow)
    }
}
