import LinkTomeCore

/// Why a housekeeping job refused to run or stopped: each case carries what a log line needs.
///
/// Per-row problems never surface as this error: they are counted in the job's ``RetentionSummary``.
public enum RetentionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A setting is malformed or out of range (for example a retention of 0 days).
    case invalidSetting(name: String, value: String, expected: String)
    /// The computed cutoff is not in the past, so the job would delete live data.
    case cutoffNotInPast(job: String, cutoff: String, now: String)
    /// The durable client is not configured, so the job cannot reach the task hub.
    case durableClientUnavailable(String)
    /// The durable task hub answered in a way the job cannot act on.
    case durableRequestFailed(operation: String, detail: String)

    public var description: String {
        switch self {
        case .invalidSetting(let name, let value, let expected):
            return "setting \(name)='\(value)' is invalid: expected \(expected)"
        case .cutoffNotInPast(let job, let cutoff, let now):
            return "\(job) refused to run: its cutoff \(cutoff) is not before now (\(now)); check the retention setting"
        case .durableClientUnavailable(let reason):
            return "durable cleanup cannot run: \(reason)"
        case .durableRequestFailed(let operation, let detail):
            return "durable cleanup: \(operation) failed: \(detail)"
        }
    }

    /// Maps a core settings error to this type, keeping its name and value.
    static func from(_ error: SettingsError) -> RetentionError {
        .invalidSetting(name: error.name, value: error.value, expected: error.expected)
    }
}

/// Reads typed, range-checked job settings and reports a bad one as ``RetentionError``.
struct RetentionSettingsReader {
    let settings: Settings

    /// An integer setting in `range`, or `fallback` when unset.
    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(RetentionError) -> Int {
        let value: Int
        do {
            value = try settings.integer(name, default: fallback)
        } catch {
            throw .from(error)
        }
        guard range.contains(value) else {
            throw .invalidSetting(
                name: name,
                value: String(value),
                expected: "an integer from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return value
    }

    /// A duration setting in seconds (plain seconds or a time span) in `range`.
    func seconds(
        _ name: String,
        default fallback: Double,
        in range: ClosedRange<Double>
    ) throws(RetentionError) -> Double {
        let value: Double
        do {
            value = try settings.seconds(name, default: fallback)
        } catch {
            throw .from(error)
        }
        guard range.contains(value) else {
            throw .invalidSetting(
                name: name,
                value: String(value),
                expected: "a duration from \(range.lowerBound) to \(range.upperBound) seconds"
            )
        }
        return value
    }

    /// A Boolean setting.
    func bool(_ name: String, default fallback: Bool) throws(RetentionError) -> Bool {
        do {
            return try settings.bool(name, default: fallback)
        } catch {
            throw .from(error)
        }
    }

    /// The raw text of a setting, if set.
    func text(_ name: String) -> String? { settings[name] }
}
