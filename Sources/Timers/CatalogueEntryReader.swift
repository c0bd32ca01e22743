import Cron
import Foundation
import LinkTomeCore

/// Validates catalogue entries one at a time and collects the timers and the problems.
struct CatalogueEntryReader {
    let registry: TimerRegistry
    var timers: [TimerDefinition] = []
    var problems: [CatalogueProblem] = []
    var declaredIds: Set<String> = []
    /// Every `Command` written in the file (lowercased), valid entry or not.
    var declaredCommands: Set<String> = []
    var skippedEntries: [SkippedTimerEntry] = []
    private var positionsById: [String: (position: Int, command: String?)] = [:]

    /// Keys the reader understands; `TZOffset` is a marker some catalogues carry and nothing reads.
    static let knownKeys: Set<String> = [
        "id", "command", "description", "cron", "priority", "runonprocessor", "issystem", "parameters",
        "preferredprocessor", "timezone", "catchupwindow", "tzoffset",
    ]

    init(registry: TimerRegistry) {
        self.registry = registry
    }

    /// Reads one entry: appends a timer, or every problem that keeps it out of service.
    mutating func read(_ entry: JSONValue, position: Int) {
        var problems = EntryProblems(position: position)
        guard let object = entry.objectValue else {
            problems.add(.skipped, "expected an object, found \(ParameterDecoding.kind(of: entry))")
            self.problems += problems.collected
            return
        }

        let id = problems.check { () throws(EntryRejected) in try requiredString(entry, "Id") }
        let command = problems.check { () throws(EntryRejected) in try requiredString(entry, "Command") }
        let cron = problems.check { () throws(EntryRejected) in try requiredString(entry, "Cron") }
        problems.id = id
        problems.command = command
        if let id { declaredIds.insert(id) }
        if let command { declaredCommands.insert(command.lowercased()) }
        let ownsId =
            id.map { id in
                problems.check { () throws(EntryRejected) in try claim(id: id, position: position, command: command) }
                    != nil
            } ?? false

        for key in object.keys.sorted() where !Self.knownKeys.contains(key.lowercased()) {
            problems.add(.warning, "unknown key '\(key.escapingControlCharacters)' is ignored")
        }
        let timer = definition(entry, id: id, command: command, cron: cron, position: position, problems: &problems)

        if let timer, !problems.rejected {
            timers.append(timer)
        } else {
            let rowKey = ownsId ? id : nil
            skippedEntries.append(
                SkippedTimerEntry(
                    position: position,
                    id: rowKey,
                    command: command,
                    cron: cron,
                    reasons: problems.collected.filter { $0.severity == .skipped }.map(\.message)
                )
            )
        }
        self.problems += problems.collected
    }

    /// The timer the entry describes, checking every optional key too; `nil` when a required part
    /// is missing or unusable (the problems say why).
    private func definition(
        _ entry: JSONValue,
        id: String?,
        command: String?,
        cron: String?,
        position: Int,
        problems: inout EntryProblems
    ) -> TimerDefinition? {
        let schedule = cron.flatMap { cron in problems.check { () throws(EntryRejected) in try parseSchedule(cron) } }
        var registered: RegisteredCommand?
        if let command {
            registered = registry.command(named: command)
            if registered == nil { problems.add(.skipped, TimersError.unknownCommand(command).description) }
        }
        let decodedParameters = registered.flatMap { registered in
            problems.check { () throws(EntryRejected) in try self.parameters(entry, registered) }
        }
        let priority = problems.check { () throws(EntryRejected) in try integer(entry, "Priority") }
        let runOnProcessor = problems.check { () throws(EntryRejected) in try boolean(entry, "RunOnProcessor") }
        let isSystem = problems.check { () throws(EntryRejected) in try boolean(entry, "IsSystem") }
        let zone = problems.check { () throws(EntryRejected) in try self.timeZone(entry, id: id ?? "#\(position)") }
        let window = problems.check { () throws(EntryRejected) in try self.catchUpWindow(entry) }
        let description = text(entry, "Description", problems: &problems)
        let preferredProcessor = text(entry, "PreferredProcessor", problems: &problems)

        guard let id, let cron, let schedule, let registered, let decodedParameters, let priority, let runOnProcessor,
            let isSystem, let zone, let window
        else { return nil }
        return TimerDefinition(
            id: id,
            command: registered.name,
            description: description,
            cron: cron,
            schedule: schedule,
            priority: priority ?? TimerDefinition.defaultPriority,
            runOnProcessor: runOnProcessor ?? true,
            isSystem: isSystem ?? false,
            parameters: decodedParameters,
            preferredProcessor: preferredProcessor,
            timeZone: zone,
            catchUpWindow: window,
            position: position
        )
    }

    /// Records the Id; a second entry with the same Id (ignoring case) is rejected.
    private mutating func claim(id: String, position: Int, command: String?) throws(EntryRejected) {
        let key = id.lowercased()
        if let first = positionsById[key] {
            let owner = first.command.map { " (\($0.escapingControlCharacters))" } ?? ""
            throw EntryRejected("duplicate Id: entry #\(first.position)\(owner) already uses it")
        }
        positionsById[key] = (position, command)
    }

    private func requiredString(_ entry: JSONValue, _ key: String) throws(EntryRejected) -> String {
        guard let value = entry.member(caseInsensitive: key), !value.isNull else {
            throw EntryRejected("missing required key '\(key)'")
        }
        guard let raw = value.stringValue else {
            throw EntryRejected("'\(key)' must be a non-empty string, found \(ParameterDecoding.kind(of: value))")
        }
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            let found = raw.isEmpty ? "an empty string" : "a string of spaces"
            throw EntryRejected("'\(key)' must be a non-empty string, found \(found)")
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
    private var found: [(severity: CatalogueProblem.Severity, message: String)] = []

    init(position: Int) {
        self.position = position
    }

    /// Whether a problem keeps the entry out of service.
    var rejected: Bool { found.contains { $0.severity == .skipped } }

    /// The problems, in the order found.
    var collected: [CatalogueProblem] {
        found.map {
            CatalogueProblem(severity: $0.severity, position: position, id: id, command: command, message: $0.message)
        }
    }

    mutating func add(_ severity: CatalogueProblem.Severity, _ message: String) {
        found.append((severity, message))
    }

    /// The value `read` returns, or `nil` after recording why it was rejected.
    mutating func check<Value>(_ read: () throws(EntryRejected) -> Value) -> Value? {
        do {
            return try read()
        } catch {
            add(.skipped, error.message)
            return nil
        }
    }
}

/// A catalogue entry that does not run, with what could be read of it: its status row shows why.
public struct SkippedTimerEntry: Sendable, Hashable {
    /// The 1-based entry number in the file.
    public var position: Int
    /// The entry's `Id` when it can key a status row of its own (present, a valid RowKey, and not
    /// a duplicate of an earlier entry's); `nil` otherwise.
    public var id: String?
    /// The `Command` as written, when it is a non-empty string.
    public var command: String?
    /// The `Cron` as written, when it is a non-empty string.
    public var cron: String?
    /// Every reason the entry is skipped.
    public var reasons: [String]

    public init(position: Int, id: String?, command: String?, cron: String?, reasons: [String]) {
        self.position = position
        self.id = id
        self.command = command
        self.cron = cron
        self.reasons = reasons
    }
}
