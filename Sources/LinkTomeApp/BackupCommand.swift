import Foundation
import Jobs
import LinkTomeCore
import TableStorage

/// `linktome backup`: runs, lists and restores backups of the critical tables.
enum BackupCommand {
    static let usage = """
        usage: linktome backup run
               linktome backup list
               linktome backup restore <path to manifest.json>

        run      exports the tables now (BACKUP_TABLES, default the critical ones) to BACKUP_DIRECTORY
                 (default .linktome/backups), keeping the newest BACKUP_KEEP (default 14)
        list     lists the backups in BACKUP_DIRECTORY with their row counts
        restore  restores a backup into the configured store; every backed-up table must be absent
                 or empty there. Files are checked against the manifest before anything is written.

        The store is chosen as for the app (LINKTOME_STORAGE, AzureWebJobsStorage, else SQLite).
        Exit status 1 when the work fails, 2 for a usage error.
        """

    static func run(_ arguments: [String]) async -> Int32 {
        let settings = Settings.process
        let logger = Logger(label: "backup", level: .warning)
        switch arguments.first {
        case "run" where arguments.count == 1:
            return await runBackup(settings: settings, logger: logger)
        case "list" where arguments.count == 1:
            return list(settings: settings)
        case "restore" where arguments.count == 2:
            return await restore(arguments[1], settings: settings, logger: logger)
        case "help", "--help", "-h":
            print(usage)
            return 0
        default:
            return fail("linktome backup: expected 'run', 'list' or 'restore <manifest>'\n\n" + usage)
        }
    }

    private static func runBackup(settings: Settings, logger: Logger) async -> Int32 {
        do {
            let store = try TableStoreFactory.makeStore(settings: settings, logger: logger)
            let options = try BackupOrchestrator.Options(
                settings: settings,
                workingDirectory: FileManager.default.currentDirectoryPath
            )
            let job = BackupOrchestrator(store: store, options: options, logger: logger)
            let result = try await job.runInline(now: Timestamp(Date()), logger: logger)
            print(result.message)
            return result.status == .success ? 0 : 1
        } catch {
            return fail("linktome backup run: \(error)", status: 1)
        }
    }

    private static func list(settings: Settings) -> Int32 {
        let directory: String
        do {
            directory =
                try BackupOrchestrator.Options(
                    settings: settings,
                    workingDirectory: FileManager.default.currentDirectoryPath
                )
                .directory
        } catch {
            return fail("linktome backup list: \(error)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted(by: >)
        guard !names.isEmpty else {
            print("no backups in \(directory)")
            return 0
        }
        for name in names {
            let manifest = directory + "/" + name + "/" + BackupOrchestrator.manifestName
            guard let data = FileManager.default.contents(atPath: manifest),
                let json = try? JSONParser.parse(Array(data))
            else {
                print("\(name)  incomplete (no manifest)")
                continue
            }
            let tables = json["Tables"]?.arrayValue ?? []
            let rows = tables.compactMap { $0["Rows"]?.intValue }.reduce(0, +)
            print("\(name)  \(tables.count) tables, \(rows) rows  \(manifest)")
        }
        return 0
    }

    private static func restore(_ manifest: String, settings: Settings, logger: Logger) async -> Int32 {
        do {
            let store = try TableStoreFactory.makeStore(settings: settings, logger: logger)
            let report = try await BackupRestore(store: store, logger: logger).restore(manifestPath: manifest)
            print(report.text)
            print("into \(store.location)")
            return 0
        } catch {
            return fail("linktome backup restore: \(error)", status: 1)
        }
    }

    private static func fail(_ text: String, status: Int32 = 2) -> Int32 {
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return status
    }
}
