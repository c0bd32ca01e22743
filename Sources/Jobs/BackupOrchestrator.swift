import Foundation
import LinkTomeCore
import TableStorage

/// `Start-BackupOrchestrator` (04:00): exports the critical tables, one work item (activity) per
/// table, to gzip-compressed JSON-lines files under `<directory>/<backup id>/`, then writes
/// `manifest.json` (row counts, sizes, CRC-32 of the data and SHA-256 of each file) and keeps the
/// newest N complete backups. A backup without a manifest is incomplete and is never restored.
/// `linktome backup restore <manifest>` reads it back into an empty store (``BackupRestore``).
///
/// The Azure Blob Storage target is not implemented: backups go to a local (or mounted) directory.
public struct BackupOrchestrator: BusinessJob {
    public static let command = "Start-BackupOrchestrator"
    public static let manifestName = "manifest.json"
    public static let format = "linktome-backup/1"
    public static let defaultTables = [
        "Users", "Pages", "Links", "ShortLinks", "Appearance", "ApiKeys", "SubAccounts", "LinkTomeTimers",
        "ScheduledTasks",
    ]

    /// Tuning, from app settings.
    public struct Options: Sendable, Equatable {
        /// `BACKUP_DIRECTORY` (default `.linktome/backups` under the working directory).
        public var directory: String
        /// `BACKUP_TABLES` (comma-separated; default ``BackupOrchestrator/defaultTables``).
        public var tables: [String]
        /// `BACKUP_KEEP` (default 14): complete backups kept.
        public var keep: Int

        public init(directory: String, tables: [String] = BackupOrchestrator.defaultTables, keep: Int = 14) {
            self.directory = directory
            self.tables = tables
            self.keep = keep
        }

        public init(settings: Settings, workingDirectory: String) throws {
            var directory = settings["BACKUP_DIRECTORY"] ?? ".linktome/backups"
            if !directory.hasPrefix("/") { directory = workingDirectory + "/" + directory }
            let tables =
                settings["BACKUP_TABLES"].map {
                    $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                } ?? BackupOrchestrator.defaultTables
            self.init(directory: directory, tables: tables, keep: try settings.integer("BACKUP_KEEP", default: 14))
            for table in tables {
                do {
                    try TableValidation.checkTableName(table)
                } catch {
                    throw BusinessJobsError(.invalidSetting, "BACKUP_TABLES names an invalid table '\(table)'")
                }
            }
            guard keep > 0 else { throw BusinessJobsError(.invalidSetting, "BACKUP_KEEP must be at least 1") }
        }
    }

    public let store: any TableStore
    public let options: Options
    public let logger: Logger

    public init(store: any TableStore, options: Options, logger: Logger) {
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// `20260310T040000Z`: sortable, and the same for every activity of one run.
    public static func backupId(_ now: Timestamp) -> String {
        now.iso8601(fractionDigits: 0).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    func folder(_ now: Timestamp) -> String { options.directory + "/" + Self.backupId(now) }

    public func workItems(now: Timestamp) async throws -> [JSONValue] {
        options.tables.map { .object(["Table": .string($0)]) }
    }

    public func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters {
        guard let table = item["Table"]?.stringValue, options.tables.contains(table) else {
            throw BusinessJobsError(.invalidWorkItem, "backup item \(item.jsonText) names no configured table")
        }
        let summary = try await export(table: table, to: folder(now))
        return BusinessCounters(["TablesExported": 1, "Rows": summary["Rows"]?.intValue ?? 0])
    }

    public func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult {
        let folder = folder(now)
        var entries: [JSONValue] = []
        var missing: [String] = []
        for table in options.tables {
            let sidecar = folder + "/" + table + ".table.json"
            guard let data = FileManager.default.contents(atPath: sidecar),
                let entry = try? JSONParser.parse(Array(data))
            else {
                missing.append(table)
                continue
            }
            entries.append(entry)
        }
        guard missing.isEmpty else {
            var fields = counters.json
            fields["BackupId"] = .string(Self.backupId(now))
            fields["MissingTables"] = .array(missing.map { .string($0) })
            return BusinessJobResult(
                status: .failed,
                message: "Backup \(Self.backupId(now)) is incomplete: \(missing.joined(separator: ", ")) failed",
                fields: fields
            )
        }
        let manifest: JSONValue = [
            "Format": .string(Self.format), "BackupId": .string(Self.backupId(now)),
            "CreatedAt": .string(now.iso8601(fractionDigits: 7)), "Source": .string(store.location),
            "Tables": .array(entries),
        ]
        try Self.writeAtomically(manifest.jsonBytes, to: folder + "/" + Self.manifestName)
        for table in options.tables {
            try? FileManager.default.removeItem(atPath: folder + "/" + table + ".table.json")
        }
        let removed = try BackupRetention.prune(options.directory, keep: options.keep, current: Self.backupId(now))

        var fields = counters.json
        fields["BackupId"] = .string(Self.backupId(now))
        fields["Directory"] = .string(folder)
        fields["BackupsRemoved"] = .integer(Int64(removed))
        return BusinessJobResult(
            status: .success,
            message: "Backup \(Self.backupId(now)): \(counters["Rows"]) rows in \(entries.count) tables at \(folder)",
            fields: fields
        )
    }

    /// Writes `<table>.jsonl.gz` (through a `.partial` file) and its `<table>.table.json` entry.
    func export(table: String, to folder: String) async throws -> [String: JSONValue] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = table + ".jsonl.gz"
        let partial = folder + "/" + file + ".partial"
        let writer = try GzipFileWriter(path: partial)
        var rows = 0
        var exists = true
        do {
            for try await page in store.query(table) {
                var bytes: [UInt8] = []
                for entity in page.entities { bytes += BackupEntityCodec.line(entity) }
                rows += page.entities.count
                try writer.write(bytes)
            }
        } catch let error as TableStorageError where error.kind == .notFound && error.code == "TableNotFound" {
            exists = false
        }
        let summary = try writer.finish()
        try Self.replace(folder + "/" + file, with: partial)
        let entry: [String: JSONValue] = [
            "Name": .string(table), "File": .string(file), "Exists": .bool(exists), "Rows": .integer(Int64(rows)),
            "UncompressedBytes": .integer(Int64(summary.uncompressedBytes)),
            "CompressedBytes": .integer(Int64(summary.compressedBytes)),
            "Crc32": .integer(Int64(summary.crc32)), "Sha256": .string(summary.sha256),
        ]
        try Self.writeAtomically(JSONValue.object(entry).jsonBytes, to: folder + "/" + table + ".table.json")
        return entry
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: Data(bytes)) else {
            throw BusinessJobsError(.fileSystem, "cannot write \(partial)")
        }
        try replace(path, with: partial)
    }

    private static func replace(_ path: String, with partial: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        do {
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            throw BusinessJobsError(.fileSystem, "cannot move \(partial) to \(path): \(error)")
        }
    }
}

/// Keeps the newest complete backups.
enum BackupRetention {
    /// Deletes complete backups beyond the newest `keep`, and incomplete ones older than `current`.
    ///
    /// - Returns: how many backup folders were deleted.
    static func prune(_ directory: String, keep: Int, current: String) throws -> Int {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted(by: >)
        var complete = 0
        var removed = 0
        for name in names where name.count == 16 && name.hasSuffix("Z") {
            let folder = directory + "/" + name
            let isComplete = FileManager.default.fileExists(atPath: folder + "/" + BackupOrchestrator.manifestName)
            if isComplete { complete += 1 }
            let expired = isComplete ? complete > keep : name < current
            guard expired else { continue }
            try FileManager.default.removeItem(atPath: folder)
            removed += 1
        }
        return removed
    }
}
