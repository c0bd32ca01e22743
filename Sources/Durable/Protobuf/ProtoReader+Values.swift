import LinkTomeCore

// Typed field values.
extension ProtoReader {
    mutating func uint64(_ field: ProtoField) throws(DurableError) -> UInt64 {
        try expect(field, .varint)
        return try readVarint()
    }

    /// An `int32`: negative values arrive as 10-byte varints; the low 32 bits are the value.
    mutating func int32(_ field: ProtoField) throws(DurableError) -> Int32 {
        Int32(truncatingIfNeeded: try uint64(field))
    }

    mutating func int64(_ field: ProtoField) throws(DurableError) -> Int64 {
        Int64(bitPattern: try uint64(field))
    }

    mutating func bool(_ field: ProtoField) throws(DurableError) -> Bool {
        try uint64(field) != 0
    }

    /// An embedded message.
    mutating func message<Message: ProtoMessage>(
        _ field: ProtoField,
        as type: Message.Type = Message.self
    ) throws(DurableError) -> Message {
        var reader = try nested(field, messageName: Message.protoName)
        return try Message(reading: &reader)
    }

    /// A `google.protobuf.StringValue`: present means a string (possibly empty).
    mutating func stringValue(_ field: ProtoField) throws(DurableError) -> String {
        var reader = try nested(field, messageName: "StringValue")
        var value = ""
        while let inner = try reader.nextField() {
            if inner.number == 1 { value = try reader.string(inner) } else { try reader.skip(inner) }
        }
        return value
    }

    /// A `google.protobuf.Int32Value`.
    mutating func int32Value(_ field: ProtoField) throws(DurableError) -> Int32 {
        var reader = try nested(field, messageName: "Int32Value")
        var value: Int32 = 0
        while let inner = try reader.nextField() {
            if inner.number == 1 { value = try reader.int32(inner) } else { try reader.skip(inner) }
        }
        return value
    }

    /// A `google.protobuf.Timestamp`, whose nanoseconds must be in range.
    mutating func timestamp(_ field: ProtoField) throws(DurableError) -> Timestamp {
        let (seconds, nanos) = try secondsAndNanos(field, messageName: "Timestamp")
        guard (0..<1_000_000_000).contains(nanos) else {
            throw failure("Timestamp nanos \(nanos) out of range", at: field.offset)
        }
        return Timestamp(seconds: seconds, nanoseconds: nanos)
    }

    /// A `google.protobuf.Duration`.
    mutating func duration(_ field: ProtoField) throws(DurableError) -> ProtoDuration {
        let (seconds, nanos) = try secondsAndNanos(field, messageName: "Duration")
        return ProtoDuration(seconds: seconds, nanos: nanos)
    }

    private mutating func secondsAndNanos(
        _ field: ProtoField,
        messageName: String
    ) throws(DurableError) -> (Int64, Int32) {
        var reader = try nested(field, messageName: messageName)
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        while let inner = try reader.nextField() {
            switch inner.number {
            case 1: seconds = try reader.int64(inner)
            case 2: nanos = try reader.int32(inner)
            default: try reader.skip(inner)
            }
        }
        return (seconds, nanos)
    }

    /// One `map<string, string>` entry; absent key or value means empty.
    mutating func stringMapEntry(_ field: ProtoField) throws(DurableError) -> (String, String) {
        var reader = try nested(field, messageName: "map entry")
        var key = ""
        var value = ""
        while let inner = try reader.nextField() {
            switch inner.number {
            case 1: key = try reader.string(inner)
            case 2: value = try reader.string(inner)
            default: try reader.skip(inner)
            }
        }
        return (key, value)
    }

    /// One `map<string, google.protobuf.Value>` entry; the value is kept as its raw bytes.
    mutating func valueMapEntry(_ field: ProtoField) throws(DurableError) -> (String, ProtoValue) {
        var reader = try nested(field, messageName: "map entry")
        var key = ""
        var value = ProtoValue(bytes: [])
        while let inner = try reader.nextField() {
            switch inner.number {
            case 1: key = try reader.string(inner)
            case 2: value = ProtoValue(bytes: try reader.bytes(inner))
            default: try reader.skip(inner)
            }
        }
        return (key, value)
    }
}
