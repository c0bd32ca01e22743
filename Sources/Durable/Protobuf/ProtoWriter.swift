import LinkTomeCore

/// Writes protobuf wire format the way the reference runtimes do: fields in the order the
/// caller writes them (field-number order), proto3 scalars only when they differ from their
/// default, message fields (wrappers included) whenever they are present, and map entries with
/// both key and value.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    init() {}

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func key(_ number: UInt32, _ wireType: WireType) {
        varint(UInt64(number) << 3 | UInt64(wireType.rawValue))
    }

    /// An `int32`; negative values are sign-extended to 10 bytes as protobuf requires.
    mutating func int32(_ number: UInt32, _ value: Int32) {
        guard value != 0 else { return }
        key(number, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func int64(_ number: UInt32, _ value: Int64) {
        guard value != 0 else { return }
        key(number, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func bool(_ number: UInt32, _ value: Bool) {
        guard value else { return }
        key(number, .varint)
        varint(1)
    }

    mutating func string(_ number: UInt32, _ value: String) {
        guard !value.isEmpty else { return }
        key(number, .lengthDelimited)
        var text = value
        text.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Raw bytes as a length-delimited field, written even when empty (used for present messages).
    mutating func rawMessage(_ number: UInt32, _ payload: [UInt8]) {
        key(number, .lengthDelimited)
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    /// An embedded message written by `body`; the length prefix is inserted once the size is known.
    mutating func message(_ number: UInt32, _ body: (inout ProtoWriter) -> Void) {
        key(number, .lengthDelimited)
        let start = bytes.count
        body(&self)
        let length = bytes.count - start
        if length < 0x80 {
            bytes.insert(UInt8(length), at: start)
        } else {
            var prefix = ProtoWriter()
            prefix.varint(UInt64(length))
            bytes.insert(contentsOf: prefix.bytes, at: start)
        }
    }

    /// An embedded message, when present.
    mutating func message<Message: ProtoMessage>(_ number: UInt32, _ value: Message?) {
        guard let value else { return }
        message(number) { value.encode(to: &$0) }
    }

    /// A `google.protobuf.StringValue`, when present (an empty string is written as an empty message).
    mutating func stringValue(_ number: UInt32, _ value: String?) {
        guard let value else { return }
        message(number) { $0.string(1, value) }
    }

    /// A `google.protobuf.Int32Value`, when present.
    mutating func int32Value(_ number: UInt32, _ value: Int32?) {
        guard let value else { return }
        message(number) { $0.int32(1, value) }
    }

    /// A `google.protobuf.Timestamp`, when present.
    mutating func timestamp(_ number: UInt32, _ value: Timestamp?) {
        guard let value else { return }
        message(number) {
            $0.int64(1, value.seconds)
            $0.int32(2, value.nanoseconds)
        }
    }

    /// A `google.protobuf.Duration`, when present.
    mutating func duration(_ number: UInt32, _ value: ProtoDuration?) {
        guard let value else { return }
        message(number) {
            $0.int64(1, value.seconds)
            $0.int32(2, value.nanos)
        }
    }

    /// A `map<string, string>`, entries sorted by the keys' UTF-8 bytes (protobuf's deterministic order).
    mutating func stringMap(_ number: UInt32, _ map: [String: String]) {
        for key in Self.sortedKeys(map) {
            message(number) {
                $0.alwaysString(1, key)
                $0.alwaysString(2, map[key] ?? "")
            }
        }
    }

    /// A `map<string, google.protobuf.Value>`, entries sorted by key.
    mutating func valueMap(_ number: UInt32, _ map: [String: ProtoValue]) {
        for key in Self.sortedKeys(map) {
            message(number) {
                $0.alwaysString(1, key)
                $0.rawMessage(2, map[key]?.bytes ?? [])
            }
        }
    }

    private static func sortedKeys<Value>(_ map: [String: Value]) -> [String] {
        map.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// A string written even when empty, as map entries require.
    private mutating func alwaysString(_ number: UInt32, _ value: String) {
        rawMessage(number, Array(value.utf8))
    }
}
