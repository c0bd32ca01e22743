import LinkTomeCore

/// The protobuf wire types; 3 and 4 (groups) are only ever skipped.
enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5

    var name: String {
        switch self {
        case .varint: return "varint"
        case .fixed64: return "fixed64"
        case .lengthDelimited: return "length-delimited"
        case .startGroup: return "start-group"
        case .endGroup: return "end-group"
        case .fixed32: return "fixed32"
        }
    }
}

/// One field key read from the wire, with the offset of its key for error messages.
struct ProtoField: Sendable {
    var number: UInt32
    var wireType: WireType
    var offset: Int
}

/// Reads protobuf wire format from a byte buffer without copying it.
///
/// A reader covers `position..<end` of a buffer that only lives during ``read(_:messageName:_:)``;
/// nested messages get a sub-reader over their own range, at no reference-counting cost. Every
/// length is checked against the bytes that remain before anything is sliced, so a declared
/// length of 100 MB in a 1 KB input is an error, not an allocation, and nesting deeper than
/// ``maximumDepth`` is refused instead of overflowing the stack.
struct ProtoReader {
    /// The nesting limit; the reference protobuf runtimes use 100 as well.
    static let maximumDepth = 100

    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    private let end: Int
    private let depth: Int
    /// The message being read, for error messages.
    let messageName: String

    /// Runs `body` with a reader over `bytes`; the reader must not escape `body`.
    static func read<Result>(
        _ bytes: [UInt8],
        messageName: String,
        _ body: (inout ProtoReader) throws(DurableError) -> Result
    ) throws(DurableError) -> Result {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DurableError) -> Result in
            try read(buffer, messageName: messageName, body)
        }
    }

    /// Runs `body` with a reader over `buffer`; the reader must not escape `body`.
    static func read<Result>(
        _ buffer: UnsafeBufferPointer<UInt8>,
        messageName: String,
        _ body: (inout ProtoReader) throws(DurableError) -> Result
    ) throws(DurableError) -> Result {
        var reader = ProtoReader(bytes: buffer, range: 0..<buffer.count, depth: 0, messageName: messageName)
        return try body(&reader)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, depth: Int, messageName: String) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.depth = depth
        self.messageName = messageName
    }

    /// The next field key, or `nil` at the end of this message.
    mutating func nextField() throws(DurableError) -> ProtoField? {
        guard position < end else { return nil }
        let offset = position
        let key = try readVarint()
        guard key <= UInt64(UInt32.max) else {
            throw failure("field key \(key) is out of range", at: offset)
        }
        let number = UInt32(key >> 3)
        guard number > 0 else {
            throw failure("field number 0 is invalid", at: offset)
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw failure("field \(number) has invalid wire type \(key & 7)", at: offset)
        }
        return ProtoField(number: number, wireType: wireType, offset: offset)
    }

    /// A base-128 varint of at most 10 bytes.
    mutating func readVarint() throws(DurableError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else {
                throw failure("truncated varint", at: start)
            }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            guard shift < 70 else {
                throw failure("varint longer than 10 bytes", at: start)
            }
        }
    }

    /// The error for `message` at `offset`, naming the message being read.
    func failure(_ message: String, at offset: Int) -> DurableError {
        .malformedProtobuf(message: "\(messageName): \(message)", offset: offset)
    }

    func expect(_ field: ProtoField, _ wireType: WireType) throws(DurableError) {
        guard field.wireType == wireType else {
            throw failure(
                "field \(field.number) has wire type \(field.wireType.name), expected \(wireType.name)",
                at: field.offset
            )
        }
    }

    /// The range of a length-delimited field's payload, after checking that it fits.
    private mutating func payloadRange(_ field: ProtoField) throws(DurableError) -> Range<Int> {
        try expect(field, .lengthDelimited)
        let length = try readVarint()
        let remaining = end - position
        guard length <= UInt64(remaining) else {
            throw failure(
                "field \(field.number) declares \(length) bytes but only \(remaining) remain",
                at: field.offset
            )
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// The range of a length-delimited field's payload within the whole buffer.
    mutating func payload(_ field: ProtoField) throws(DurableError) -> Range<Int> {
        try payloadRange(field)
    }

    /// A reader over an embedded message's bytes.
    mutating func nested(_ field: ProtoField, messageName: String) throws(DurableError) -> ProtoReader {
        let range = try payloadRange(field)
        guard depth < Self.maximumDepth else {
            throw failure("messages nested deeper than \(Self.maximumDepth) levels", at: field.offset)
        }
        return ProtoReader(bytes: bytes, range: range, depth: depth + 1, messageName: messageName)
    }

    /// Skips a field of any wire type, including (possibly nested) groups.
    mutating func skip(_ field: ProtoField) throws(DurableError) {
        switch field.wireType {
        case .varint:
            _ = try readVarint()
        case .fixed64:
            try advance(8, field)
        case .fixed32:
            try advance(4, field)
        case .lengthDelimited:
            _ = try payloadRange(field)
        case .startGroup:
            try skipGroup(field, level: 1)
        case .endGroup:
            throw failure("end-group for field \(field.number) without a start-group", at: field.offset)
        }
    }

    private mutating func advance(_ count: Int, _ field: ProtoField) throws(DurableError) {
        guard end - position >= count else {
            throw failure(
                "field \(field.number) needs \(count) bytes but only \(end - position) remain",
                at: field.offset
            )
        }
        position += count
    }

    private mutating func skipGroup(_ group: ProtoField, level: Int) throws(DurableError) {
        guard depth + level <= Self.maximumDepth else {
            throw failure("groups nested deeper than \(Self.maximumDepth) levels", at: group.offset)
        }
        while let field = try nextField() {
            switch field.wireType {
            case .endGroup:
                guard field.number == group.number else {
                    throw failure("end-group \(field.number) closes group \(group.number)", at: field.offset)
                }
                return
            case .startGroup:
                try skipGroup(field, level: level + 1)
            default:
                try skip(field)
            }
        }
        throw failure("group \(group.number) is not closed", at: group.offset)
    }
}

/// A message the codec can read and write.
protocol ProtoMessage: Sendable {
    /// The protobuf message name, for error messages.
    static var protoName: String { get }

    init()

    /// Reads one field into `self`; unknown fields must be skipped with `reader.skip`.
    mutating func decodeField(_ field: ProtoField, from reader: inout ProtoReader) throws(DurableError)

    /// Writes every non-default field in field-number order.
    func encode(to writer: inout ProtoWriter)
}

extension ProtoMessage {
    /// Reads a whole message from `reader`.
    init(reading reader: inout ProtoReader) throws(DurableError) {
        self.init()
        while let field = try reader.nextField() {
            try decodeField(field, from: &reader)
        }
    }

    /// Decodes a top-level message.
    init(decoding bytes: [UInt8]) throws(DurableError) {
        self = try ProtoReader.read(bytes, messageName: Self.protoName) { (reader) throws(DurableError) in
            try Self(reading: &reader)
        }
    }

    /// The wire bytes of this message.
    var encoded: [UInt8] {
        var writer = ProtoWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

// Payloads read straight from the buffer.
extension ProtoReader {
    /// Raw bytes of a length-delimited field.
    mutating func bytes(_ field: ProtoField) throws(DurableError) -> [UInt8] {
        Array(UnsafeBufferPointer(rebasing: bytes[try payloadRange(field)]))
    }

    /// A `string`, which protobuf requires to be UTF-8.
    mutating func string(_ field: ProtoField) throws(DurableError) -> String {
        let range = try payloadRange(field)
        guard !range.isEmpty else { return "" }
        let utf8 = UnsafeBufferPointer(rebasing: bytes[range])

        // ASCII is valid UTF-8 and common here; the validating initializer is much slower.
        var combined: UInt8 = 0
        for byte in utf8 { combined |= byte }
        if combined < 0x80 { return String(decoding: utf8, as: UTF8.self) }

        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw failure("field \(field.number) is not valid UTF-8", at: field.offset)
        }
        return text
    }
}

// Fixed-width values (only `google.protobuf.Value` uses them; the engine never needs them).
extension ProtoReader {
    /// A little-endian 64-bit value of wire type fixed64 (`double`, `fixed64`).
    mutating func fixed64(_ field: ProtoField) throws(DurableError) -> UInt64 {
        try expect(field, .fixed64)
        let start = position
        try advance(8, field)
        var value: UInt64 = 0
        for index in (start..<start + 8).reversed() { value = value << 8 | UInt64(bytes[index]) }
        return value
    }
}
