/// A query filter, built safely from typed values or parsed from OData `$filter` text.
///
/// Values never reach the filter text by string concatenation: the builder quotes and escapes every
/// literal (`O'Brien` becomes `'O''Brien'`), so user input cannot change the filter's structure.
///
/// ```swift
/// let recent = TableFilter.equal("PartitionKey", .string(user))
///     && .greaterThanOrEqual("EventTimestamp", .dateTime(since))
/// let parsed = try TableFilter(parsing: "Status eq 'Failed' and Attempts gt 3")
/// ```
///
/// Comparisons follow the service: a property matches only a literal of its own Edm type (an Int64
/// property needs `3L`, a Double `3.0`), strings compare by UTF-8 bytes, and an entity without the
/// property matches no comparison (neither `eq` nor `ne`).
public struct TableFilter: Sendable, Hashable, CustomStringConvertible {
    /// A comparison operator of `$filter`.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "eq"
        case notEqual = "ne"
        case greaterThan = "gt"
        case greaterThanOrEqual = "ge"
        case lessThan = "lt"
        case lessThanOrEqual = "le"
    }

    /// The syntax tree of a filter.
    public indirect enum Expression: Sendable, Hashable {
        case compare(property: String, Comparison, TableValue)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case not(Expression)
    }

    /// The parsed or built expression.
    public var expression: Expression

    public init(_ expression: Expression) {
        self.expression = expression
    }

    /// `property <comparison> value`.
    public static func compare(_ property: String, _ comparison: Comparison, _ value: TableValue) -> TableFilter {
        TableFilter(.compare(property: property, comparison, value))
    }

    public static func equal(_ property: String, _ value: TableValue) -> TableFilter {
        compare(property, .equal, value)
    }

    public static func notEqual(_ property: String, _ value: TableValue) -> TableFilter {
        compare(property, .notEqual, value)
    }

    public static func greaterThan(_ property: String, _ value: TableValue) -> TableFilter {
        compare(property, .greaterThan, value)
    }

    public static func greaterThanOrEqual(_ property: String, _ value: TableValue) -> TableFilter {
        compare(property, .greaterThanOrEqual, value)
    }

    public static func lessThan(_ property: String, _ value: TableValue) -> TableFilter {
        compare(property, .lessThan, value)
    }

    public static func lessThanOrEqual(_ property: String, _ value: TableValue) -> TableFilter {
        compare(property, .lessThanOrEqual, value)
    }

    /// `PartitionKey eq 'value'`.
    public static func partitionKey(_ value: String) -> TableFilter {
        equal("PartitionKey", .string(value))
    }

    /// Strings of `property` that start with `prefix`, as the range `ge prefix and lt <next prefix>`
    /// (the service has no `startswith`). An empty prefix matches every string value.
    public static func hasPrefix(_ property: String, _ prefix: String) -> TableFilter {
        let lower = TableFilter.greaterThanOrEqual(property, .string(prefix))
        guard let upper = TableFilter.prefixSuccessor(prefix) else { return lower }
        return lower && .lessThan(property, .string(upper))
    }

    /// Both filters.
    public func and(_ other: TableFilter) -> TableFilter {
        TableFilter(.and(expression, other.expression))
    }

    /// Either filter.
    public func or(_ other: TableFilter) -> TableFilter {
        TableFilter(.or(expression, other.expression))
    }

    /// The negation of `filter`.
    public static func not(_ filter: TableFilter) -> TableFilter {
        TableFilter(.not(filter.expression))
    }

    /// All of `filters` joined with `and`; `nil` for none.
    public static func all(_ filters: [TableFilter]) -> TableFilter? {
        guard var result = filters.first else { return nil }
        for filter in filters.dropFirst() { result = result.and(filter) }
        return result
    }

    public static func && (lhs: TableFilter, rhs: TableFilter) -> TableFilter { lhs.and(rhs) }
    public static func || (lhs: TableFilter, rhs: TableFilter) -> TableFilter { lhs.or(rhs) }
    public static prefix func ! (filter: TableFilter) -> TableFilter { not(filter) }

    /// The OData `$filter` text, with every literal quoted and escaped.
    public var text: String { TableFilter.render(expression) }

    public var description: String { text }

    /// The number of comparisons (the service allows at most 15 in one filter).
    public var comparisonCount: Int { TableFilter.count(expression) }

    /// The smallest string greater than every string starting with `prefix`, if there is one.
    static func prefixSuccessor(_ prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if next == 0xD800 { next = 0xE000 }
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars)
                return text
            }
        }
        return nil
    }

    private static func count(_ expression: Expression) -> Int {
        switch expression {
        case .compare: return 1
        case .and(let lhs, let rhs), .or(let lhs, let rhs): return count(lhs) + count(rhs)
        case .not(let inner): return count(inner)
        }
    }
}

extension TableFilter {
    private static func render(_ expression: Expression) -> String {
        switch expression {
        case .compare(let property, let comparison, let value):
            return "\(property) \(comparison.rawValue) \(literal(value))"
        case .and(let lhs, let rhs):
            return "\(group(lhs)) and \(group(rhs))"
        case .or(let lhs, let rhs):
            return "\(group(lhs)) or \(group(rhs))"
        case .not(let inner):
            return "not (\(render(inner)))"
        }
    }

    /// Parenthesises every operand that is itself a binary expression, so the text never depends on
    /// precedence rules.
    private static func group(_ expression: Expression) -> String {
        switch expression {
        case .compare, .not: return render(expression)
        case .and, .or: return "(" + render(expression) + ")"
        }
    }

    /// The OData literal for a value: `'O''Brien'`, `42`, `42L`, `1.5`, `true`, `datetime'…'`,
    /// `guid'…'`, `X'0a0b'`.
    public static func literal(_ value: TableValue) -> String {
        switch value {
        case .string(let text): return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case .int32(let number): return String(number)
        case .int64(let number): return String(number) + "L"
        case .double(let number): return doubleLiteral(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .dateTime(let instant): return "datetime'" + instant.iso8601(fractionDigits: 7) + "'"
        case .guid(let text): return "guid'" + text + "'"
        case .binary(let bytes): return "X'" + hex(bytes) + "'"
        }
    }

    private static func doubleLiteral(_ number: Double) -> String {
        let text = TableValue.doubleText(number)
        guard number.isFinite else { return text }
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
