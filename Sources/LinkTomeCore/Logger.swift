import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Severity of a log line, ordered from most to least verbose.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case trace, debug, info, warning, error

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Reads `trace`, `debug`, `info`/`information`, `warning`/`warn`, `error`, ignoring case.
    public init?(name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info", "information": self = .info
        case "warn", "warning": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    /// The label written in log lines.
    public var label: String {
        switch self {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .warning: return "warning"
        case .error: return "error"
        }
    }
}

/// One structured log record.
public struct LogRecord: Sendable {
    public var level: LogLevel
    public var message: String
    public var metadata: [String: String]
    public var date: Date

    /// `level message key=value …`, keys sorted, values quoted when they contain spaces, `"` or `=`.
    ///
    /// Always one line: backslashes and control characters (newline, carriage return, tab, NUL, DEL and
    /// the rest) in the message and in keys and values are escaped as `\\`, `\n`, `\r`, `\t`, `\u{..}`,
    /// so input such as a request path cannot forge a second record.
    public var formatted: String {
        var line = "\(level.label) \(Self.escaped(message))"
        for key in metadata.keys.sorted() {
            let value = Self.escaped(metadata[key] ?? "")
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            let shown = needsQuotes ? "\"\(value.replacingOccurrences(of: "\"", with: "\\\""))\"" : value
            line += " \(Self.escaped(key))=\(shown)"
        }
        return line
    }

    /// `text` with backslashes doubled and control characters written as escapes.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || isControl($0) }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where isControl(scalar): result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }
}

/// Where log records go. Implementations must be safe to call from any thread.
public protocol LogSink: Sendable {
    func emit(_ record: LogRecord)
}

/// Writes each record as one line on standard output (the Functions host logs stdout lines as
/// Information and stderr lines as Error, so everything goes to stdout with the level in the text).
public struct StandardOutputSink: LogSink {
    public init() {}

    public func emit(_ record: LogRecord) {
        let line = record.formatted + "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Keeps records in memory: the per-invocation `Logs` list and test assertions use it.
public final class CollectingSink: LogSink {
    private let records = Mutex<[LogRecord]>([])

    public init() {}

    public func emit(_ record: LogRecord) {
        records.withLock { $0.append(record) }
    }

    /// Every record emitted so far, in order.
    public var collected: [LogRecord] {
        records.withLock { $0 }
    }
}

/// Sends every record to each of several sinks.
public struct FanOutSink: LogSink {
    public var sinks: [any LogSink]

    public init(_ sinks: [any LogSink]) {
        self.sinks = sinks
    }

    public func emit(_ record: LogRecord) {
        for sink in sinks { sink.emit(record) }
    }
}

/// A small structured logger in the style of swift-log: a value carrying a level threshold and
/// metadata (for example the invocation id), handed down to the code that logs.
public struct Logger: Sendable {
    public var label: String
    public var level: LogLevel
    public var metadata: [String: String]
    public var sink: any LogSink

    public init(
        label: String,
        level: LogLevel = .info,
        metadata: [String: String] = [:],
        sink: any LogSink = StandardOutputSink()
    ) {
        self.label = label
        self.level = level
        self.metadata = metadata
        self.sink = sink
    }

    /// A logger that drops everything; for tests and tools that must stay quiet.
    public static var silent: Logger {
        Logger(label: "silent", level: .error, sink: CollectingSink())
    }

    /// Returns a copy with one more metadata entry.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.metadata[key] = value
        return copy
    }

    /// Returns a copy that writes to `sink` as well as to this logger's sink.
    public func alsoWriting(to extra: any LogSink) -> Logger {
        var copy = self
        copy.sink = FanOutSink([sink, extra])
        return copy
    }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, metadata extra: [String: String] = [:]) {
        guard level >= self.level else { return }
        var merged = metadata
        for (key, value) in extra { merged[key] = value }
        sink.emit(LogRecord(level: level, message: message(), metadata: merged, date: Date()))
    }

    public func trace(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.trace, message(), metadata: metadata)
    }

    public func debug(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.debug, message(), metadata: metadata)
    }

    public func info(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.info, message(), metadata: metadata)
    }

    public func warning(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.warning, message(), metadata: metadata)
    }

    public func error(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.error, message(), metadata: metadata)
    }
}
