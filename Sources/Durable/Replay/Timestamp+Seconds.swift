import LinkTomeCore

extension Timestamp {
    /// This instant moved by `seconds` (rounded to whole nanoseconds).
    func adding(seconds: Double) -> Timestamp {
        let nanos = (seconds * 1_000_000_000).rounded()
        guard nanos.isFinite, abs(nanos) < 9.2e18 else {
            return self
        }
        let total = Int64(nanos) + Int64(nanoseconds)
        let carry = total >= 0 ? total / 1_000_000_000 : (total - 999_999_999) / 1_000_000_000
        return Timestamp(seconds: self.seconds + carry, nanoseconds: Int32(total - carry * 1_000_000_000))
    }

    /// Seconds from `other` to this instant.
    func secondsSince(_ other: Timestamp) -> Double {
        Double(seconds - other.seconds) + Double(nanoseconds - other.nanoseconds) / 1_000_000_000
    }
}
