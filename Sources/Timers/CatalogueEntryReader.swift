import Cron
import Foundation
import LinkTomeCore

/// Validates catalogue entries one at a time and collects the timers and the problems.
struct CatalogueEntryReader {
    let registry: TimerRegistry
    var timers: [TimerDefinition] = []
    var problems: [CatalogueProblem] = []
    var declaredIds: Set<String> = []
    private var positionsById: [String: (position: Int, command: String?)] = [:]

    /// Keys the reader understands; `TZOffset` is a marker some catalogues carry and nothing reads.
    static let knownKeys: Set<String> = [
        "id", "command", "description", "cron", "priority", "runonprocessor", "issystem", "parameters",
        "preferredprocessor", "timezone", "catchupwindow", "tzoffset",
    ]

    init(registry: TimerRegistry) {
        self.registry = registry
    }

    /// Reads one entry: appends a timer, or a problem explaining why not.
    mutating func read(_ entry: JSONValue, position: Int) {
        var entryProblem = EntryProblems(position: position)
        do throws(EntryRejected) {
            let timer = try definition(entry, position: position, problems: &entryProblem)
            timers.append(timer)
        } catch {
            entryProblem.add(.skipped, error.message)
        }
        problems += entryProblem.collected
    }

    private mutating func definition(
        _ entry: JSONValue,
        position: Int,
        problems: inout EntryProblems
    ) throws(EntryRejected) -> TimerDefinition {
        guard let object = entry.objectValue else {
            throw EntryRejected("expected an object, found \(ParameterDecoding.kind(of: entry))")
        }
        let id = try requiredString(entry, "Id")
        problems.id = id
        declaredIds.insert(id)
        let command = try requiredString(entry, "Command")
        problems.command = command
        try claim(id: id, position: position, command: command)
        let cron = try requiredString(entry, "Cron")

        for key in object.keys where !Self.knownKeys.contains(key.lowercased()) {
            problems.add(.warning, "unknown key '\(key)' is ignored")
        }
        let schedule = try parseSchedule(cron)
        guard let registered = registry.command(named: command) else {
            throw EntryRejected(TimersError.unknownCommand(command).description)
        }
        let parameters = try parameters(entry, registered)

        return TimerDefinition(
            id: id,
            command: registered.name,
            description: text(entry, "Description", problems: &problems),
            cron: cron,
            schedule: schedule,
            priority: try integer(entry, "Priority") ?? TimerDefinition.defaultPriority,
            runOnProcessor: try boolean(entry, "RunOnProcessor") ?? true,
            isSystem: try boolean(entry, "IsSystem") ?? false,
            parameters: parameters,
            preferredProcessor: text(entry, "PreferredProcessor", problems: &problems),
            timeZone: try timeZone(entry, id: id),
            catchUpWindow: try catchUpWindow(entry),
            position: position
        )
    }

    /// Records the Id; a second entry with the same Id (ignoring case) is rejected.
    private mutating func claim(id: String, position: Int, command: String) throws(EntryRejected) {
        let key = id.lowercased()
        if let first = positionsById[key] {
            let owner = first.command.map { " (\($0))" } ?? ""
            throw EntryRejected("duplicate Id: entry #\(first.position)\(owner) already uses it")
        }
        positionsById[key] = (position, command)
    }

    private func requiredString(_ entry: JSONValue, _ key: String) throws(EntryRejected) -> String {
        guard let value = entry.member(caseInsensitive: key), !value.isNull else {
            throw EntryRejected("missing required key '\(key)'")
        }
        guard let text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw EntryRejected("'\(key)' must be a non-empty string, found \(ParameterDecoding.kind(of: value))")
        }
        if key == "Id", let reason = Self.invalidRowKeyReason(text) {
            throw EntryRejected("'Id' cannot be a status row key: \(reason)")
        }
        return text
    }

    private func parseSchedule(_ cron: String) throws(EntryRejected) -> CronSchedule {
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(parsing: cron)
        } catch {
            throw EntryRejected("bad Cron: \(error.description)")
        }
        guard !schedule.neverFires else {
            throw EntryRejected("Cron '\(cron)' never fires: no calendar date matches its day and month fields")
        }
        return schedule
    }

    private func parameters(_ entry: JSONValue, _ command: RegisteredCommand) throws(EntryRejected) -> JSONValue {
        let value = entry.member(caseInsensitive: "Parameters") ?? .object([:])
        let parameters = value.isNull ? JSONValue.object([:]) : value
        do {
            try command.validate(parameters)
        } catch {
            throw EntryRejected(error.description)
        }
        return parameters
    }

    private func integer(_ entry: JSONValue, _ key: String) throws(EntryRejected) -> Int? {
        guard let value = entry.member(caseInsensitive: key), !value.isNull else { return nil }
        guard let number = value.intValue, abs(number) <= Int(Int32.max) else {
            throw EntryRejected("'\(key)' must be an integer, found \(ParameterDecoding.kind(of: value))")
        }
        return number
    }

    private func boolean(_ entry: JSONValue, _ key: String) throws(EntryRejected) -> Bool? {
        guard let value = entry.member(caseInsensitive: key), !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw EntryRejected("'\(key)' must be true or false, found \(ParameterDecoding.kind(of: value))")
        }
        return flag
    }

    private func text(_ entry: JSONValue, _ key: String, problems: inout EntryProblems) -> String {
        guard let value = entry.member(caseInsensitive: key), !value.isNull else { return "" }
        if let text = value.stringValue { return text }
        problems.add(.warning, "'\(key)' should be a string; \(ParameterDecoding.kind(of: value)) is ignored")
        return ""
    }

    private func timeZone(_ entry: JSONValue, id: String) throws(EntryRejected) -> TimeZone? {
        guard let value = entry.member(caseInsensitive: "TimeZone"), !value.isNull else { return nil }
        guard let name = value.stringValue else {
            throw EntryRejected("'TimeZone' must be a zone name such as 'Europe/Berlin'")
        }
        do {
            return try CronTimeZone.named(name, source: "the TimeZone of timer \(id)")
        } catch {
            throw EntryRejected(error.description)
        }
    }

    private func catchUpWindow(_ entry: JSONValue) throws(EntryRejected) -> TimeInterval? {
        guard let value = entry.member(caseInsensitive: "CatchUpWindow"), !value.isNull else { return nil }
        let seconds = value.doubleValue ?? value.stringValue.flatMap(Settings.parseDuration)
        guard let seconds, seconds >= 0, seconds.isFinite else {
            throw EntryRejected("'CatchUpWindow' must be seconds (a number >= 0) or a time span like '06:00:00'")
        }
        return seconds
    }

    /// Why `key` cannot be a RowKey (Azure's rules), or `nil` if it can.
    static func invalidRowKeyReason(_ key: String) -> String? {
        if key.utf8.count > 1_024 { return "longer than 1 KiB" }
        if let bad = key.unicodeScalars.first(where: { "/\\#?".unicodeScalars.contains($0) }) {
            return "it contains '\(bad)'"
        }
        if key.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "it contains a control character"
        }
        return nil
    }
}

/// Why one entry is rejected.
struct EntryRejected: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// The problems of one entry, stamped with its position, Id and Command once they are known.
struct EntryProblems {
    let position: Int
    var id: String?
    var command: String?
    private(set) var collected: [CatalogueProblem] = []

    init(position: Int) {
        self.position = position
    }

    mutating func add(_ severity: CatalogueProblem.Severity, _ message: String) {
        collected.append(
            CatalogueProblem(severity: severity, position: position, id: id, command: command, message: message)
        )
    }
}
