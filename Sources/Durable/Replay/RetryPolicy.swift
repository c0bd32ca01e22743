import LinkTomeCore

/// How an activity or sub-orchestration is retried, with durable timers between attempts.
///
/// After attempt `n` (0-based) fails, the call fails for good when `n + 1 >= maxAttempts`, when the
/// failure is marked non-retriable, when ``shouldRetry`` says no, or when the orchestration's
/// current time is past the first attempt's time plus ``timeout``. Otherwise a durable timer waits
/// `min(firstInterval * backoffCoefficient^n, maxInterval)` seconds of history time and the call is
/// scheduled again. Every attempt and every timer takes a new sequence number, all derived from
/// replayed history, so retries are deterministic.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first; at least 1.
    public var maxAttempts: Int
    /// Seconds to wait before the second attempt.
    public var firstInterval: Double
    /// Multiplier applied to the interval after each failed attempt.
    public var backoffCoefficient: Double
    /// Upper bound of the interval in seconds, if any.
    public var maxInterval: Double?
    /// Seconds after the first attempt after which no new attempt starts, if any.
    public var timeout: Double?
    /// Decides per failure whether another attempt makes sense; `nil` retries every failure.
    public var shouldRetry: (@Sendable (any Error) -> Bool)?

    public init(
        maxAttempts: Int,
        firstInterval: Double,
        backoffCoefficient: Double = 1,
        maxInterval: Double? = nil,
        timeout: Double? = nil,
        shouldRetry: (@Sendable (any Error) -> Bool)? = nil
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.firstInterval = max(0, firstInterval)
        self.backoffCoefficient = backoffCoefficient > 0 ? backoffCoefficient : 1
        self.maxInterval = maxInterval
        self.timeout = timeout
        self.shouldRetry = shouldRetry
    }

    /// Seconds to wait after failed attempt `attempt` (0-based).
    public func delay(afterAttempt attempt: Int) -> Double {
        let grown = firstInterval * power(backoffCoefficient, attempt)
        guard grown.isFinite else { return maxInterval ?? firstInterval }
        return maxInterval.map { min(grown, $0) } ?? grown
    }

    /// Whether attempt `attempt` (0-based), started at `firstAttempt`, may be followed by another.
    func allowsRetry(after attempt: Int, failure: any Error, now: Timestamp, firstAttempt: Timestamp) -> Bool {
        guard attempt + 1 < maxAttempts else { return false }
        if let retriable = failure as? any RetriableFailure, retriable.isNonRetriable { return false }
        if let timeout, now.secondsSince(firstAttempt) > timeout { return false }
        return shouldRetry?(failure) ?? true
    }
}

/// `base` raised to a non-negative integer power, stopping once the result overflows.
private func power(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    var remaining = exponent
    while remaining > 0 {
        result *= base
        remaining -= 1
        if !result.isFinite { break }
    }
    return result
}
