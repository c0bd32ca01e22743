import Cron
import Foundation
import LinkTomeCore

/// Something wrong with the catalogue: the file, or one entry. A `skipped` entry does not run;
/// a `warning` is worth fixing but the timer runs.
public struct CatalogueProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        /// The entry (or, without a position, the whole file) is not used.
        case skipped
        /// The entry runs; something in it is ignored or suspicious.
        case warning
    }

    public var severity: Severity
    /// The 1-based entry number in the file; `nil` for a problem with the whole file.
    public var position: Int?
    /// The entry's `Id`, when it has one.
    public var id: String?
    /// The entry's `Command`, when it has one.
    public var command: String?
    /// What is wrong, written for a log line.
    public var message: String

    public init(severity: Severity, position: Int?, id: String?, command: String?, message: String) {
        self.severity = severity
        self.position = position
        self.id = id
        self.command = command
        self.message = message
    }

    public var description: String {
        var text = position.map { "entry #\($0)" } ?? "catalogue"
        if let id { text += " Id \(id.escapingControlCharacters)" }
        if let command { text += " (\(command.escapingControlCharacters))" }
        return text + (severity == .skipped ? " skipped: " : " warning: ") + message.escapingControlCharacters
    }
}

/// The timer catalogue: the valid timers in run order, and what was wrong with the rest.
///
/// Loading never throws: an unreadable file gives no timers and one problem; a bad entry is
/// reported (every problem it has) and left out while the others load. Checks: `Id`, `Command` and `Cron` present and
/// strings; `Id` unique (ignoring case; the first entry keeps it); the cron parses and fires on some
/// date; the command is registered and accepts the entry's `Parameters`; optional keys have their types.
public struct TimerCatalogue: Sendable {
    /// The valid timers, lowest `Priority` first, then in file order.
    public var timers: [TimerDefinition]
    /// Everything reported while loading, in file order.
    public var problems: [CatalogueProblem]
    /// Every `Id` written in the file, valid entry or not: status rows with these keys are kept.
    public var declaredIds: Set<String>
    /// Every `Command` written in the file (lowercased), valid entry or not: a status row keyed by
    /// the command of a skipped entry (as rows were keyed before they were keyed by `Id`) is kept.
    public var declaredCommands: Set<String>
    /// The entries that do not run, in file order, with the reasons.
    public var skippedEntries: [SkippedTimerEntry]
    /// Where the catalogue came from (a path), for messages.
    public var source: String

    public init(
        timers: [TimerDefinition],
        problems: [CatalogueProblem] = [],
        declaredIds: Set<String>? = nil,
        declaredCommands: Set<String>? = nil,
        skippedEntries: [SkippedTimerEntry] = [],
        source: String = "catalogue"
    ) {
        self.timers = timers.sorted { $0.runsBefore($1) }
        self.problems = problems
        self.declaredIds = declaredIds ?? Set(timers.map(\.id))
        self.declaredCommands = declaredCommands ?? Set(timers.map { $0.command.lowercased() })
        self.skippedEntries = skippedEntries
        self.source = source
    }

    /// Whether the file itself could not be used (unreadable, not JSON, not an array).
    public var isUnusable: Bool { problems.contains { $0.position == nil } }

    /// The default file name, looked up in the app's directory.
    public static let fileName = "LinkTomeTimers.json"
    /// Setting that names another catalogue file.
    public static let pathSetting = "LINKTOME_TIMERS_FILE"

    /// The largest catalogue file read: far above any real catalogue, small enough that a wrong
    /// path (a log, a database) is refused instead of loaded.
    public static let maximumFileSize = 4 << 20

    /// Loads the catalogue at `path`.
    public static func load(path: String, registry: TimerRegistry) -> TimerCatalogue {
        switch readFile(path) {
        case .success(let bytes): return TimerCatalogue(parsing: bytes, source: path, registry: registry)
        case .failure(let problem): return failed(source: path, reason: problem.reason)
        }
    }

    struct FileProblem: Error {
        var reason: String
    }

    /// The file's bytes, refusing a directory or more than ``maximumFileSize`` bytes.
    static func readFile(_ path: String) -> Result<[UInt8], FileProblem> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(FileProblem(reason: "no such file"))
        }
        guard !isDirectory.boolValue else { return .failure(FileProblem(reason: "it is a directory, not a file")) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(FileProblem(reason: "the file cannot be read (permission denied?)"))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumFileSize + 1) ?? Data()
        } catch {
            return .failure(FileProblem(reason: "the file cannot be read: \(error.localizedDescription)"))
        }
        guard data.count <= maximumFileSize else {
            return .failure(
                FileProblem(reason: "the file is larger than \(maximumFileSize >> 20) MiB, the most a catalogue may be")
            )
        }
        return .success([UInt8](data))
    }

    /// The catalogue path the settings choose: `LINKTOME_TIMERS_FILE`, else `LinkTomeTimers.json`
    /// in `directory` (relative setting values are under `directory` too).
    public static func path(settings: Settings, directory: String) -> String {
        let name = settings[pathSetting] ?? fileName
        if name.hasPrefix("/") { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Parses catalogue JSON.
    public init(parsing bytes: [UInt8], source: String = "catalogue", registry: TimerRegistry) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            self = Self.failed(source: source, reason: error.description)
            return
        }
        guard let entries = root.arrayValue else {
            self = Self.failed(source: source, reason: "expected a JSON array of timers")
            return
        }

        var reader = CatalogueEntryReader(registry: registry)
        for (index, entry) in entries.enumerated() {
            reader.read(entry, position: index + 1)
        }
        self.init(
            timers: reader.timers,
            problems: reader.problems,
            declaredIds: reader.declaredIds,
            declaredCommands: reader.declaredCommands,
            skippedEntries: reader.skippedEntries,
            source: source
        )
    }

    private static func failed(source: String, reason: String) -> TimerCatalogue {
        let message = TimersError.catalogueUnreadable(source: source, reason: reason).description
        let problem = CatalogueProblem(severity: .skipped, position: nil, id: nil, command: nil, message: message)
        return TimerCatalogue(timers: [], problems: [problem], declaredIds: [], declaredCommands: [], source: source)
    }

    /// The timer whose `Id` is `key`, else the first whose `Command` is `key` (both ignoring case).
    public func timer(matching key: String) -> TimerDefinition? {
        let lowered = key.lowercased()
        return timers.first { $0.id.lowercased() == lowered } ?? timers.first { $0.command.lowercased() == lowered }
    }

    /// The problems that took a timer (or the file) out of service.
    public var skipped: [CatalogueProblem] { problems.filter { $0.severity == .skipped } }
}
