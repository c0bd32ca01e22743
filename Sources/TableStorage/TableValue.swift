import Foundation
import LinkTomeCore

/// One typed property value, with the Edm types Azure Table Storage supports.
///
/// The type travels with the value: `int32(5)`, `int64(5)` and `double(5)` are different values, and a
/// filter only matches a property of the same type, exactly as the service compares them.
public enum TableValue: Sendable, Hashable {
    /// `Edm.String`: at most 64 KiB counted in UTF-16 (32,768 UTF-16 code units).
    case string(String)
    /// `Edm.Int32`.
    case int32(Int32)
    /// `Edm.Int64`: travels as a JSON string on the wire so that values above 2^53 stay exact.
    case int64(Int64)
    /// `Edm.Double`, including NaN and the infinities.
    case double(Double)
    /// `Edm.Boolean`.
    case bool(Bool)
    /// `Edm.DateTime`: UTC, kept to 100 ns (finer digits are dropped when written).
    case dateTime(Timestamp)
    /// `Edm.Guid`, held as its lower-case canonical text `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    case guid(String)
    /// `Edm.Binary`: at most 64 KiB.
    case binary([UInt8])

    /// A `Edm.Guid` value from a `UUID`.
    public static func guid(_ uuid: UUID) -> TableValue {
        .guid(uuid.uuidString.lowercased())
    }

    /// A `Edm.DateTime` value from a `Date` (rounded to 100 ns).
    public static func dateTime(_ date: Date) -> TableValue {
        .dateTime(Timestamp(date))
    }
}

extension TableValue {
    /// The Edm type name, e.g. `Edm.Int64`.
    public var edmType: String {
        switch self {
        case .string: return "Edm.String"
        case .int32: return "Edm.Int32"
        case .int64: return "Edm.Int64"
        case .double: return "Edm.Double"
        case .bool: return "Edm.Boolean"
        case .dateTime: return "Edm.DateTime"
        case .guid: return "Edm.Guid"
        case .binary: return "Edm.Binary"
        }
    }

    /// The string, if this is `Edm.String`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this is `Edm.Int32`.
    public var int32Value: Int32? {
        if case .int32(let value) = self { return value }
        return nil
    }

    /// The integer, if this is `Edm.Int64` or `Edm.Int32` (widened).
    public var int64Value: Int64? {
        switch self {
        case .int64(let value): return value
        case .int32(let value): return Int64(value)
        default: return nil
        }
    }

    /// The integer as `Int`, if this is `Edm.Int32` or `Edm.Int64`.
    public var intValue: Int? { int64Value.map { Int($0) } }

    /// The number, if this is `Edm.Double` (integers are not converted: use ``int64Value``).
    public var doubleValue: Double? {
        if case .double(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this is `Edm.Boolean`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The instant, if this is `Edm.DateTime`.
    public var dateTimeValue: Timestamp? {
        if case .dateTime(let value) = self { return value }
        return nil
    }

    /// The canonical GUID text, if this is `Edm.Guid`.
    public var guidValue: String? {
        if case .guid(let value) = self { return value }
        return nil
    }

    /// The GUID as `UUID`, if this is a well-formed `Edm.Guid`.
    public var uuidValue: UUID? { guidValue.flatMap(UUID.init(uuidString:)) }

    /// The bytes, if this is `Edm.Binary`.
    public var binaryValue: [UInt8]? {
        if case .binary(let value) = self { return value }
        return nil
    }

    /// The value as an operator would read it: strings raw, Int64 without a suffix, DateTime in
    /// ISO 8601 with 7 fraction digits, Binary in base64.
    public var displayText: String {
        switch self {
        case .string(let value): return value
        case .int32(let value): return String(value)
        case .int64(let value): return String(value)
        case .double(let value): return TableValue.doubleText(value)
        case .bool(let value): return value ? "true" : "false"
        case .dateTime(let value): return value.iso8601(fractionDigits: 7)
        case .guid(let value): return value
        case .binary(let value): return value.base64
        }
    }

    /// Swift's shortest round-trip text for a double, with the service's spelling of the non-finite values.
    static func doubleText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"
    }
}

extension TableValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension TableValue: CustomStringConvertible {
    /// The value with its type, e.g. `Edm.Int64 9007199254740993`.
    public var description: String { "\(edmType) \(displayText)" }
}
