import Foundation

/// App settings as the Functions host provides them: environment variables, read through one place.
///
/// Names are matched exactly first, then ignoring case, because app settings on Linux keep the case
/// they were created with and users type them in either.
public struct Settings: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The settings of this process.
    public static var process: Settings {
        Settings(ProcessInfo.processInfo.environment)
    }

    /// The value of `name`, or `nil` when unset or empty.
    public subscript(name: String) -> String? {
        if let value = values[name] { return value.isEmpty ? nil : value }
        let lowered = name.lowercased()
        let value = values.first { $0.key.lowercased() == lowered }?.value
        return value?.isEmpty == true ? nil : value
    }

    /// The first of `names` that is set.
    public func first(_ names: String...) -> String? {
        for name in names {
            if let value = self[name] { return value }
        }
        return nil
    }

    /// An integer setting; a malformed value throws so the user learns about the typo.
    public func integer(_ name: String, default fallback: Int) throws(SettingsError) -> Int {
        guard let raw = self[name] else { return fallback }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)) else {
            throw SettingsError(name: name, value: raw, expected: "an integer")
        }
        return value
    }

    /// A duration in seconds; accepts plain seconds or `hh:mm:ss` / `d.hh:mm:ss` like .NET TimeSpan.
    public func seconds(_ name: String, default fallback: TimeInterval) throws(SettingsError) -> TimeInterval {
        guard let raw = self[name] else { return fallback }
        guard let value = Settings.parseDuration(raw) else {
            throw SettingsError(name: name, value: raw, expected: "seconds or a time span like 01:30:00")
        }
        return value
    }

    /// A Boolean setting: `true`/`false`, `1`/`0`, `yes`/`no`.
    public func bool(_ name: String, default fallback: Bool) throws(SettingsError) -> Bool {
        guard let raw = self[name] else { return fallback }
        switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw SettingsError(name: name, value: raw, expected: "true or false")
        }
    }

    /// Parses `90`, `00:10:00`, `1.02:00:00` into seconds.
    public static func parseDuration(_ raw: String) -> TimeInterval? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite { return seconds }
        var days = 0.0
        var clock = Substring(text)
        if let dot = text.firstIndex(of: "."), let colon = text.firstIndex(of: ":"), dot < colon {
            guard let value = Double(text[..<dot]) else { return nil }
            days = value
            clock = text[text.index(after: dot)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hours = Double(parts[0]), let minutes = Double(parts[1]),
            let seconds = Double(parts[2])
        else { return nil }
        return days * 86_400 + hours * 3_600 + minutes * 60 + seconds
    }
}

/// A setting whose value cannot be used.
public struct SettingsError: Error, CustomStringConvertible {
    public var name: String
    public var value: String
    public var expected: String

    public var description: String { "setting \(name)='\(value)' is invalid: expected \(expected)" }
}
