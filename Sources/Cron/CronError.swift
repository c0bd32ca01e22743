import LinkTomeCore

/// Why a cron expression or a schedule time zone cannot be used.
///
/// Messages are written for logs and for the command line: they name the field and quote the
/// offending token (control characters escaped, e.g. `\t`), and say what NCRONTAB accepts instead
/// where a common mistake is likely.
public enum CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The expression does not split (on spaces) into 5 or 6 fields.
    case fieldCount(expression: String, found: Int)
    /// A macro such as `@daily`, which NCRONTAB does not know.
    case macro(expression: String)
    /// One element of a field is malformed or out of range.
    case invalidField(field: CronField, token: String, problem: Problem)
    /// A time-zone setting names no known zone.
    case unknownTimeZone(source: String, identifier: String)
    /// A zone written as an offset from GMT or UTC (`GMT+5`, `UTC-03:30`), which tools read with
    /// opposite signs: POSIX `TZ` and IANA's `Etc/GMT+5` mean five hours *behind* UTC.
    case ambiguousTimeZone(source: String, identifier: String)

    /// What is wrong with a field element.
    public enum Problem: Sendable, Hashable {
        /// An empty list element (`1,,2`), range end (`5-`) or step (`*/`).
        case empty
        /// Text that is neither a number nor (for month and day-of-week) a known name.
        case notAValue(String)
        /// A number too large for a 32-bit integer, which .NET's `int.Parse` rejects.
        case overflow(String)
        /// A step that fits 32 bits but, counted from `start`, passes the largest 32-bit integer,
        /// where NCrontab's own counting overflows and throws.
        case stepOverflow(start: Int, step: Int)
        /// A value below the field's minimum.
        case belowMinimum(Int)
        /// A value above the field's maximum.
        case aboveMaximum(Int)
        /// A step (after `/`) that is not an integer.
        case badStep(String)
        /// A Quartz or Vixie extension that NCRONTAB does not support (`?`, `L`, `W`, `#`, `H`).
        case unsupported(String)
    }

    public var description: String {
        switch self {
        case .fieldCount(let expression, let found):
            return Self.fieldCountMessage(expression, found)
        case .macro(let expression):
            return "invalid cron expression \(quoted(expression)): macros such as @daily are not supported; "
                + "write the six fields, e.g. '0 0 0 * * *'"
        case .invalidField(let field, let token, let problem):
            let tab = token.contains("\t") ? "; a tab is not a field separator, use spaces" : ""
            return "invalid \(field) field \(quoted(token)): " + problem.message(field) + tab
        case .unknownTimeZone(let source, let identifier):
            return "unknown time zone \(quoted(identifier)) in \(source): use an IANA zone id such as "
                + "'America/New_York', 'Europe/Berlin' or 'UTC'"
        case .ambiguousTimeZone(let source, let identifier):
            return Self.ambiguousZoneMessage(source, identifier)
        }
    }

    private static func ambiguousZoneMessage(_ source: String, _ identifier: String) -> String {
        var text = "ambiguous time zone \(quoted(identifier)) in \(source): POSIX TZ and the IANA zones Etc/GMT±N "
        text += "read an offset after GMT or UTC as hours behind UTC, other tools as ahead, so it is refused. "
        var id = Substring(identifier.trimmingCharacters(in: .whitespaces))
        if id.first == ":" { id = id.dropFirst() }
        guard let offset = CronTimeZone.writtenOffset(String(id)), offset.minutes == 0 else {
            return text + "Name the zone instead, with an IANA city such as 'Asia/Kolkata' or 'America/St_Johns'"
        }
        let hours = offset.hours
        let ahead = "'Etc/GMT-\(hours)' is UTC+\(hours) all year"
        let behind = "'Etc/GMT+\(hours)' is UTC-\(hours)"
        return text + "Name the zone instead: \(ahead), \(behind); or use an IANA city such as 'Asia/Karachi'"
    }

    private static func fieldCountMessage(_ expression: String, _ found: Int) -> String {
        var text = "invalid cron expression \(quoted(expression)): expected 6 space-separated fields "
        text += "(second minute hour day month day-of-week) or 5 (minute hour day month day-of-week), found \(found)"
        if expression.contains("\t") {
            text += "; tabs do not separate fields, use spaces"
        } else if found == 7 {
            text += "; a year field is not supported"
        } else if found == 1 && expression.contains(":") {
            text += "; a TimeSpan schedule such as 00:05:00 is not a cron expression"
        }
        return text
    }
}

/// `'text'`, with control characters escaped so that a tab or an escape sequence shows.
func quoted(_ text: String) -> String {
    "'" + text.escapingControlCharacters + "'"
}

extension CronError.Problem {
    func message(_ field: CronField) -> String {
        let range = "\(field.minimum)-\(field.maximum)"
        switch self {
        case .empty:
            return "a list element, range end or step is empty"
        case .notAValue(let text):
            if field.names.isEmpty {
                return "\(quoted(text)) is not a number in \(range)"
            }
            return "\(quoted(text)) is neither a number in \(range) nor a prefix of an English \(field) name"
        case .overflow(let text):
            return "\(quoted(text)) is too large: numbers must fit a 32-bit integer (at most 2147483647)"
        case .stepOverflow(let start, let step):
            let span = field.maximum - field.minimum
            return "step \(step) counted from \(start) passes 2147483647, where NCRONTAB's counting overflows; "
                + "any step above \(span) selects only the start, so write \(start) without a step"
        case .belowMinimum(let value):
            return "\(value) is below the minimum \(field.minimum) (range \(range))"
        case .aboveMaximum(let value):
            if field == .dayOfWeek && value == 7 {
                return "7 is above the maximum 6; NCRONTAB has no 7 for Sunday, use 0"
            }
            return "\(value) is above the maximum \(field.maximum) (range \(range))"
        case .badStep(let text):
            return "step \(quoted(text)) is not an integer"
        case .unsupported(let text):
            return "\(quoted(text)) is not supported by NCRONTAB (it has no ?, L, W, # or H); "
                + "use numbers, names, ranges, lists and steps"
        }
    }
}
