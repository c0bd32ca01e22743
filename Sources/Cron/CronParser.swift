/// Parses one field of an NCRONTAB expression into a bit set, following NCrontab 3.3.3 exactly.
///
/// A field is a comma-separated list (split only when the first comma is not the first character);
/// each element is `base[/step]` with base `*`, `v` or `a-b`. Reversed ranges are swapped, a step
/// below 1 acts as 1, and `v/n` runs from `v` to the field's maximum. Numbers follow .NET's
/// `int.Parse`: a value must start with a digit, and trailing white space is tolerated.
struct CronFieldParser {
    let field: CronField
    /// The whole token, for error messages.
    let token: String

    private static let comma = UInt8(ascii: ",")
    private static let slash = UInt8(ascii: "/")
    private static let dash = UInt8(ascii: "-")
    private static let star = UInt8(ascii: "*")

    /// The values the token selects.
    func parse(_ bytes: ArraySlice<UInt8>) throws(CronError) -> UInt64 {
        guard let comma = bytes.firstIndex(of: Self.comma), comma > bytes.startIndex else {
            return try element(bytes)
        }

        var mask: UInt64 = 0
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == Self.comma {
            mask |= try element(bytes[start..<index])
            start = index + 1
        }
        return mask | (try element(bytes[start..<bytes.endIndex]))
    }

    private func element(_ bytes: ArraySlice<UInt8>) throws(CronError) -> UInt64 {
        guard !bytes.isEmpty else { throw failure(.empty) }

        var base = bytes
        var step: Int?
        if let slash = bytes.firstIndex(of: Self.slash), slash > bytes.startIndex {
            step = try parseStep(bytes[(slash + 1)...])
            base = bytes[..<slash]
        }

        if base.count == 1 && base.first == Self.star {
            return try accumulate(-1, -1, step: step ?? 1)
        }
        if let dash = base.firstIndex(of: Self.dash), dash > base.startIndex {
            let first = try value(base[..<dash])
            let last = try value(base[(dash + 1)...])
            return try accumulate(first, last, step: step ?? 1)
        }
        let single = try value(base)
        guard let step else { return try accumulate(single, single, step: 1) }
        return try accumulate(single, field.maximum, step: step)
    }

    /// Adds `first...last` by `step` the way NCrontab's `CrontabField.Accumulate` does.
    private func accumulate(_ first: Int, _ last: Int, step: Int) throws(CronError) -> UInt64 {
        var low = first
        var high = last
        if low == high {
            if low < 0 {
                if step <= 1 { return field.fullMask }
                low = field.minimum
                high = field.maximum
            } else if low < field.minimum {
                throw failure(.belowMinimum(low))
            } else if low > field.maximum {
                throw failure(.aboveMaximum(low))
            }
        } else {
            if low > high { swap(&low, &high) }
            if low < 0 {
                low = field.minimum
            } else if low < field.minimum {
                throw failure(.belowMinimum(low))
            }
            if high > field.maximum { throw failure(.aboveMaximum(high)) }
        }

        let stride = max(step, 1)
        // NCrontab's index arithmetic wraps past Int32.max and then throws; treat that as an error.
        guard Int64(low - field.minimum) + Int64(stride) <= Int64(Int32.max) else {
            throw failure(.stepOverflow(start: low, step: stride))
        }
        var mask: UInt64 = 0
        var value = low
        while value <= high {
            mask |= 1 << UInt64(value)
            value += stride
        }
        return mask
    }

    /// A value: digits (with .NET's tolerated trailing white space), or a name prefix.
    private func value(_ bytes: ArraySlice<UInt8>) throws(CronError) -> Int {
        guard let first = bytes.first else { throw failure(.empty) }

        if CronFieldParser.isDigit(first) {
            switch CronFieldParser.parseInt32(bytes, allowSign: false) {
            case .value(let value): return value
            case .overflow: throw failure(.overflow(text(bytes)))
            case .malformed: throw failure(unrecognized(bytes))
            }
        }
        guard let value = nameValue(bytes) else { throw failure(unrecognized(bytes)) }
        return value
    }

    /// The first name (in calendar order) that the text is a case-insensitive prefix of.
    private func nameValue(_ bytes: ArraySlice<UInt8>) -> Int? {
        for (index, name) in field.names.enumerated() {
            let letters = name.utf8
            guard bytes.count <= letters.count else { continue }
            if zip(bytes, letters).allSatisfy({ CronFieldParser.lowercased($0) == $1 }) {
                return index + field.minimum
            }
        }
        return nil
    }

    private func parseStep(_ bytes: ArraySlice<UInt8>) throws(CronError) -> Int {
        switch CronFieldParser.parseInt32(bytes, allowSign: true) {
        case .value(let value): return value
        case .overflow: throw failure(.overflow(text(bytes)))
        case .malformed: throw failure(bytes.isEmpty ? .empty : .badStep(text(bytes)))
        }
    }

    private func unrecognized(_ bytes: ArraySlice<UInt8>) -> CronError.Problem {
        let shown = text(bytes)
        let upper = shown.uppercased()
        let bare = upper.drop { $0.isNumber }
        if upper.contains("?") || upper.contains("#") || ["L", "LW", "W", "H"].contains(bare) {
            return .unsupported(shown)
        }
        return .notAValue(shown)
    }

    private func failure(_ problem: CronError.Problem) -> CronError {
        .invalidField(field: field, token: token, problem: problem)
    }

    private func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

extension CronFieldParser {
    enum ParsedInteger {
        case value(Int)
        case overflow
        case malformed
    }

    /// .NET `int.Parse` with `NumberStyles.Integer`: optional leading white space, an optional
    /// sign (when allowed), ASCII digits, optional trailing white space, then only NUL characters.
    static func parseInt32(_ bytes: ArraySlice<UInt8>, allowSign: Bool) -> ParsedInteger {
        var index = bytes.startIndex
        while index < bytes.endIndex, isWhite(bytes[index]) { index += 1 }

        var negative = false
        if allowSign, index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }

        var magnitude: Int64 = 0
        let digitsStart = index
        while index < bytes.endIndex, isDigit(bytes[index]) {
            magnitude = min(magnitude * 10 + Int64(bytes[index] - UInt8(ascii: "0")), Int64(Int32.max) + 2)
            index += 1
        }
        guard index > digitsStart else { return .malformed }

        while index < bytes.endIndex, isWhite(bytes[index]) { index += 1 }
        while index < bytes.endIndex, bytes[index] == 0 { index += 1 }
        guard index == bytes.endIndex else { return .malformed }

        let value = negative ? -magnitude : magnitude
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { return .overflow }
        return .value(Int(value))
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// .NET's white space for number parsing: U+0009 to U+000D and the space.
    @inline(__always)
    static func isWhite(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
