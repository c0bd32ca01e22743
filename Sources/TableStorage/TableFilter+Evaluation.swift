extension TableFilter {
    /// Whether `entity` satisfies the filter, with the service's rules: same-type comparisons only,
    /// strings by UTF-8 bytes, and a missing or differently typed property failing every comparison.
    public func matches(_ entity: TableEntity) -> Bool {
        TableFilter.evaluate(expression, entity)
    }

    private static func evaluate(_ expression: Expression, _ entity: TableEntity) -> Bool {
        switch expression {
        case .compare(let property, let comparison, let literal):
            guard let value = entity.value(named: property), let order = compare(value, literal) else {
                return false
            }
            return comparison.holds(for: order)
        case .and(let lhs, let rhs):
            return evaluate(lhs, entity) && evaluate(rhs, entity)
        case .or(let lhs, let rhs):
            return evaluate(lhs, entity) || evaluate(rhs, entity)
        case .not(let inner):
            return !evaluate(inner, entity)
        }
    }

    /// The order of two values of the same Edm type; `nil` when the types differ or a double is NaN.
    static func compare(_ lhs: TableValue, _ rhs: TableValue) -> Int? {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)):
            return order(left.utf8, right.utf8)
        case (.int32(let left), .int32(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.int64(let left), .int64(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.double(let left), .double(let right)):
            if left.isNaN || right.isNaN { return nil }
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.bool(let left), .bool(let right)):
            return left == right ? 0 : (left ? 1 : -1)
        case (.dateTime(let left), .dateTime(let right)):
            // The service keeps 100 ns ticks, so finer digits never decide a comparison.
            let (lhs, rhs) = (left.ticksSince1970, right.ticksSince1970)
            return lhs < rhs ? -1 : (lhs == rhs ? 0 : 1)
        case (.guid(let left), .guid(let right)):
            return order(left.lowercased().utf8, right.lowercased().utf8)
        case (.binary(let left), .binary(let right)):
            return order(left, right)
        default:
            return nil
        }
    }

    private static func order<S: Sequence>(_ lhs: S, _ rhs: S) -> Int where S.Element == UInt8 {
        var left = lhs.makeIterator()
        var right = rhs.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let leftByte?, let rightByte?):
                if leftByte != rightByte { return leftByte < rightByte ? -1 : 1 }
            }
        }
    }
}

extension TableFilter.Comparison {
    /// Whether the comparison holds for a three-way order result.
    func holds(for order: Int) -> Bool {
        switch self {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .greaterThan: return order > 0
        case .greaterThanOrEqual: return order >= 0
        case .lessThan: return order < 0
        case .lessThanOrEqual: return order <= 0
        }
    }
}
