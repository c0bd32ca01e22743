import LinkTomeCore

extension TableFilter {
    /// Parses OData `$filter` text as the service accepts it: comparisons `eq ne gt ge lt le` between a
    /// property and a literal, `and`, `or`, `not`, parentheses, and the literals `'text'` (with `''` for
    /// a quote), `123` (Int32), `123L` (Int64), `1.5` (Double), `true`/`false`, `datetime'…'`,
    /// `guid'…'`, `X'hex'` / `binary'hex'`.
    ///
    /// - Throws: ``TableStorageError`` of kind `validation`, naming the position and what was expected.
    public init(parsing text: String) throws(TableStorageError) {
        var parser = FilterParser(text: text)
        self.init(try parser.parseDocument())
    }
}

/// A recursive-descent parser over the filter's UTF-8 bytes; depth is bounded so hostile input
/// cannot exhaust the stack.
private struct FilterParser {
    /// Parentheses and `not` nested around one comparison.
    static let maximumDepth = 64

    let bytes: [UInt8]
    var index = 0
    var depth = 0

    init(text: String) {
        bytes = Array(text.utf8)
    }

    mutating func parseDocument() throws(TableStorageError) -> TableFilter.Expression {
        let expression = try parseOr()
        skipSpaces()
        guard index == bytes.count else { throw fail("'and', 'or' or the end of the filter") }
        return expression
    }

    private mutating func parseOr() throws(TableStorageError) -> TableFilter.Expression {
        var result = try parseAnd()
        while takeKeyword("or") {
            result = .or(result, try parseAnd())
        }
        return result
    }

    private mutating func parseAnd() throws(TableStorageError) -> TableFilter.Expression {
        var result = try parseUnary()
        while takeKeyword("and") {
            result = .and(result, try parseUnary())
        }
        return result
    }

    private mutating func parseUnary() throws(TableStorageError) -> TableFilter.Expression {
        depth += 1
        defer { depth -= 1 }
        // The outermost operand is level 0: `(((a eq 1)))` has three levels.
        guard depth <= Self.maximumDepth + 1 else {
            throw fail("nesting of at most \(Self.maximumDepth) levels of parentheses or 'not'")
        }

        if takeKeyword("not") {
            return .not(try parseUnary())
        }
        skipSpaces()
        if peek(UInt8(ascii: "(")) {
            index += 1
            let inner = try parseOr()
            skipSpaces()
            guard peek(UInt8(ascii: ")")) else { throw fail("')'") }
            index += 1
            return inner
        }
        return try parseComparison()
    }

    /// `Property op literal`, or `literal op Property` (turned around).
    private mutating func parseComparison() throws(TableStorageError) -> TableFilter.Expression {
        skipSpaces()
        if let property = takeIdentifier() {
            let comparison = try parseOperator()
            let value = try parseLiteral()
            return .compare(property: property, comparison, value)
        }
        let value = try parseLiteral()
        let comparison = try parseOperator()
        skipSpaces()
        guard let property = takeIdentifier() else { throw fail("a property name") }
        return .compare(property: property, comparison.mirrored, value)
    }

    private mutating func parseOperator() throws(TableStorageError) -> TableFilter.Comparison {
        for comparison in TableFilter.Comparison.allCases where takeKeyword(comparison.rawValue) {
            return comparison
        }
        throw fail("a comparison operator (eq, ne, gt, ge, lt, le)")
    }

    private mutating func parseLiteral() throws(TableStorageError) -> TableValue {
        skipSpaces()
        guard index < bytes.count else { throw fail("a value") }
        let start = index
        if peek(UInt8(ascii: "'")) {
            return .string(try parseQuoted())
        }
        if isDigit(bytes[index]) || peek(UInt8(ascii: "-")) || peek(UInt8(ascii: "+")) || peek(UInt8(ascii: ".")) {
            return try parseNumber()
        }
        guard let word = takeWord() else { throw fail("a value") }
        switch word.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "datetime": return try parseDateTime(start: start)
        case "guid": return try parseGuid(start: start)
        case "x", "binary": return try parseBinary(start: start)
        default:
            index = start
            throw fail("a value ('text', a number, true, false, datetime'…', guid'…' or X'…')")
        }
    }

    private mutating func parseQuoted() throws(TableStorageError) -> String {
        index += 1
        var buffer: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte != UInt8(ascii: "'") {
                buffer.append(byte)
            } else if peek(UInt8(ascii: "'")) {
                buffer.append(byte)
                index += 1
            } else {
                return String(decoding: buffer, as: UTF8.self)
            }
        }
        throw fail("a closing quote")
    }

    private mutating func parseNumber() throws(TableStorageError) -> TableValue {
        let start = index
        while index < bytes.count, isNumberByte(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        var suffix: UInt8?
        if index < bytes.count, isLetter(bytes[index]) {
            suffix = bytes[index] | 0x20
            index += 1
        }
        guard index == bytes.count || !isIdentifierByte(bytes[index]) else { throw fail("the end of a number") }
        return try number(text, suffix: suffix, start: start)
    }

    private func number(_ text: String, suffix: UInt8?, start: Int) throws(TableStorageError) -> TableValue {
        let isFractional = text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
        switch suffix {
        case UInt8(ascii: "l")?:
            guard !isFractional, let value = Int64(text) else { throw fail("an Int64 number", at: start) }
            return .int64(value)
        case UInt8(ascii: "d")?, UInt8(ascii: "m")?, UInt8(ascii: "f")?:
            guard let value = Double(text), value.isFinite else { throw fail("a Double number", at: start) }
            return .double(value)
        case nil:
            if isFractional {
                guard let value = Double(text), value.isFinite else { throw fail("a Double number", at: start) }
                return .double(value)
            }
            guard let value = Int32(text) else {
                throw fail("an Int32 number (add the L suffix for Int64)", at: start)
            }
            return .int32(value)
        default:
            throw fail("a number suffix L (Int64) or D (Double)", at: index - 1)
        }
    }

    private mutating func parseDateTime(start: Int) throws(TableStorageError) -> TableValue {
        guard peek(UInt8(ascii: "'")) else { throw fail("datetime'…'") }
        let text = try parseQuoted()
        guard let instant = Timestamp(iso8601: text) else {
            throw fail("an ISO 8601 date and time such as datetime'2024-01-01T00:15:00.1234567Z'", at: start)
        }
        // Like the service, keep 100 ns ticks: digits after the seventh are dropped, not rounded.
        return .dateTime(Timestamp(seconds: instant.seconds, nanoseconds: instant.nanoseconds / 100 * 100))
    }

    private mutating func parseGuid(start: Int) throws(TableStorageError) -> TableValue {
        guard peek(UInt8(ascii: "'")) else { throw fail("guid'…'") }
        let text = try parseQuoted()
        guard let canonical = TableValidation.canonicalGuid(text) else {
            throw fail("a GUID such as guid'0f8fad5b-d9cb-469f-a165-70867728950e'", at: start)
        }
        return .guid(canonical)
    }

    private mutating func parseBinary(start: Int) throws(TableStorageError) -> TableValue {
        guard peek(UInt8(ascii: "'")) else { throw fail("X'…'") }
        let text = Array(try parseQuoted().utf8)
        guard text.count % 2 == 0 else { throw fail("an even number of hex digits", at: start) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var position = 0
        while position < text.count {
            guard let high = hexDigit(text[position]), let low = hexDigit(text[position + 1]) else {
                throw fail("hex digits", at: start)
            }
            bytes.append(high << 4 | low)
            position += 2
        }
        return .binary(bytes)
    }

    // MARK: - Tokens

    /// Takes `word` if it is next and not followed by more identifier characters.
    private mutating func takeKeyword(_ word: String) -> Bool {
        skipSpaces()
        let wordBytes = Array(word.utf8)
        guard index + wordBytes.count <= bytes.count,
            Array(bytes[index..<(index + wordBytes.count)]) == wordBytes
        else { return false }
        let end = index + wordBytes.count
        if end < bytes.count, isIdentifierByte(bytes[end]) { return false }
        index = end
        return true
    }

    /// Takes a property name: a letter or `_`, then letters, digits or `_`; not a literal keyword.
    private mutating func takeIdentifier() -> String? {
        let start = index
        guard let word = takeWord() else { return nil }
        let isLiteralPrefix = ["true", "false", "datetime", "guid", "x", "binary"].contains(word.lowercased())
        if isLiteralPrefix && (word.lowercased() == "true" || word.lowercased() == "false" || peek(UInt8(ascii: "'"))) {
            index = start
            return nil
        }
        return word
    }

    private mutating func takeWord() -> String? {
        guard index < bytes.count, isLetter(bytes[index]) || bytes[index] == UInt8(ascii: "_") || bytes[index] >= 0x80
        else { return nil }
        let start = index
        while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipSpaces() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A
                || bytes[index] == 0x0D
        {
            index += 1
        }
    }

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    private func isIdentifierByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private func isNumberByte(_ byte: UInt8) -> Bool {
        if isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
            return true
        }
        // An exponent marker only counts when digits come before it (so `1L` stays Int64).
        return (byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")) && index + 1 < bytes.count
            && (isDigit(bytes[index + 1]) || bytes[index + 1] == UInt8(ascii: "-")
                || bytes[index + 1] == UInt8(ascii: "+"))
    }

    private func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x61...0x66: return byte - 0x61 + 10
        case 0x41...0x46: return byte - 0x41 + 10
        default: return nil
        }
    }

    private func fail(_ expected: String, at position: Int? = nil) -> TableStorageError {
        let at = position ?? index
        let shown = String(decoding: bytes[min(at, bytes.count)...].prefix(20), as: UTF8.self)
        let found = at >= bytes.count ? "the end" : "'\(shown)'"
        return .validation(
            "InvalidFilter",
            "invalid filter at character \(at + 1): expected \(expected), found \(found)"
        )
    }
}

extension TableFilter.Comparison {
    /// The operator with its operands swapped (`5 lt X` is `X gt 5`).
    var mirrored: TableFilter.Comparison {
        switch self {
        case .equal, .notEqual: return self
        case .greaterThan: return .lessThan
        case .greaterThanOrEqual: return .lessThanOrEqual
        case .lessThan: return .greaterThan
        case .lessThanOrEqual: return .greaterThanOrEqual
        }
    }
}
