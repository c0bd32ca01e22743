/// Checks an extension bundle version the way the Functions host reads it: a NuGet version range
/// in interval notation (`[4.*, 5.0.0)`, `(2.0, 3.0]`) or a single minimum version (`4.0.0`).
enum BundleVersionRange {
    /// Whether `text` is a well-formed range whose lower bound is below its upper bound.
    static func isValid(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.first, let last = trimmed.last else { return false }
        guard first == "[" || first == "(" else { return version(trimmed) != nil }
        guard trimmed.count >= 2, last == "]" || last == ")" else { return false }

        let bounds = trimmed.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
        guard bounds.count == 2 else { return false }
        let lowerText = bounds[0].trimmingCharacters(in: .whitespaces)
        let upperText = bounds[1].trimmingCharacters(in: .whitespaces)
        let lower = lowerText.isEmpty ? [] : version(lowerText)
        let upper = upperText.isEmpty ? [] : version(upperText)
        guard let lower, let upper, !(lowerText.isEmpty && upperText.isEmpty) else { return false }
        guard !lower.isEmpty, !upper.isEmpty else { return true }
        return lower.lexicographicallyPrecedes(upper) || (lower == upper && first == "[" && last == "]")
    }

    /// The numeric parts of `4.0.1` or `4.*` (a `*` counts as 0 and may only come last), or `nil`.
    static func version(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for (index, part) in parts.enumerated() {
            if part == "*", index == parts.count - 1, index > 0 {
                numbers.append(0)
                continue
            }
            guard !part.isEmpty, part.count <= 9, part.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(part)
            else { return nil }
            numbers.append(number)
        }
        return numbers
    }
}
