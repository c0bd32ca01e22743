/// One of the six fields of an NCRONTAB expression, in the order they are written.
public enum CronField: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case second
    case minute
    case hour
    case day
    case month
    case dayOfWeek

    /// The smallest value the field accepts.
    public var minimum: Int {
        switch self {
        case .day, .month: return 1
        default: return 0
        }
    }

    /// The largest value the field accepts (day-of-week stops at 6: `7` is not Sunday in NCRONTAB).
    public var maximum: Int {
        switch self {
        case .second, .minute: return 59
        case .hour: return 23
        case .day: return 31
        case .month: return 12
        case .dayOfWeek: return 6
        }
    }

    /// The English names whose case-insensitive prefixes the field accepts, in calendar order.
    var names: [String] {
        switch self {
        case .month:
            return [
                "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december",
            ]
        case .dayOfWeek:
            return ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
        default:
            return []
        }
    }

    /// A bit set holding every value of the field.
    var fullMask: UInt64 {
        (UInt64.max >> UInt64(63 - maximum)) & ~((1 << UInt64(minimum)) - 1)
    }

    public var description: String {
        switch self {
        case .second: return "second"
        case .minute: return "minute"
        case .hour: return "hour"
        case .day: return "day-of-month"
        case .month: return "month"
        case .dayOfWeek: return "day-of-week"
        }
    }
}

/// Bit-set helpers: a field's values are the set bits of a `UInt64` (bit n = value n).
extension UInt64 {
    /// The smallest set bit at or above `value`, or `nil`.
    @inline(__always)
    func lowestBit(atOrAbove value: Int) -> Int? {
        guard value < 64 else { return nil }
        let bits = value <= 0 ? self : self & (UInt64.max << UInt64(value))
        return bits == 0 ? nil : bits.trailingZeroBitCount
    }

    /// The largest set bit at or below `value`, or `nil`.
    @inline(__always)
    func highestBit(atOrBelow value: Int) -> Int? {
        guard value >= 0 else { return nil }
        let bits = value >= 63 ? self : self & (UInt64.max >> UInt64(63 - value))
        return bits == 0 ? nil : 63 - bits.leadingZeroBitCount
    }

    /// Whether bit `value` is set.
    @inline(__always)
    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && self & (1 << UInt64(value)) != 0
    }
}
