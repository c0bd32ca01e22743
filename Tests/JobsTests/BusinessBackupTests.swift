import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Jobs

private let backupNow = Timestamp.utc(year: 2026, month: 3, day: 10, hour: 4)

@Suite("Backups")
struct BusinessBackupTests {
    private func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("backups-\(UUID().uuidString)").path
    }

    private func job(
        _ store: any TableStore,
        _ directory: String,
        tables: [String]? = nil,
        keep: Int = 14
    )
        -> BackupOrchestrator
    {
        BackupOrchestrator(
            store: store,
            options: .init(directory: directory, tables: tables ?? BackupOrchestrator.defaultTables, keep: keep),
            logger: .silent
        )
    }

    /// A row holding every Edm type, including values that are easy to get wrong.
    private func everyType() -> TableEntity {
        TableEntity(
            partitionKey: "types",
            rowKey: "O'Brien é",
            properties: [
                "Text": "line\nbreak \"quoted\"", "Small": .int32(-7), "Big": .int64(9_007_199_254_740_993),
                "Ratio": .double(0.1), "NotANumber": .double(.nan), "Huge": .double(-.infinity), "Flag": false,
                "When": .dateTime(Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_700)),
                "Id": .guid("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), "Bytes": .binary([0, 1, 254, 255]),
            ]
        )
    }

    @Test("export then restore into an empty store gives identical rows, and the export changes nothing")
    func exportAndRestore() async throws {
        let store = try await seededBusinessStore()
        try await store.insert(everyType(), into: "Links")
        let folder = directory()
        let before = try await StoreSnapshot.take(store)

        let result = try await job(store, folder).runInline(now: backupNow, logger: .silent)
        #expect(result.status == .success)
        #expect(try await StoreSnapshot.take(store) == before)

        let manifestPath = folder + "/" + BackupOrchestrator.backupId(backupNow) + "/manifest.json"
        let manifest = try BackupRestore.readManifest(manifestPath)
        let counts = Dictionary(
            uniqueKeysWithValues: (manifest["Tables"]?.arrayValue ?? []).map {
                ($0["Name"]!.stringValue!, $0["Rows"]!.intValue!)
            }
        )
        for table in BackupOrchestrator.defaultTables where table != "LinkTomeTimers" {
            #expect(counts[table] == before.rows(table).count, "\(table)")
        }

        let target = try SQLiteTableStore(path: businessDatabasePath())
        let report = try await BackupRestore(store: target, logger: .silent).restore(manifestPath: manifestPath)
        let restored = try await StoreSnapshot.take(target)
        for table in BackupOrchestrator.defaultTables where before.tables[table] != nil {
            #expect(StoreSnapshot.same(restored.rows(table), before.rows(table)), "\(table)")
        }
        #expect(report.rows["Links"] == before.rows("Links").count)
        #expect(restored.tables["LinkTomeTimers"] == nil)
    }

    @Test("a second backup at the same instant writes the same files")
    func deterministic() async throws {
        let store = try await seededBusinessStore()
        let folder = directory()
        let path = folder + "/" + BackupOrchestrator.backupId(backupNow) + "/manifest.json"
        _ = try await job(store, folder).runInline(now: backupNow, logger: .silent)
        let first = try BackupRestore.readManifest(path)
        _ = try await job(store, folder).runInline(now: backupNow, logger: .silent)
        #expect(try BackupRestore.readManifest(path)["Tables"] == first["Tables"])
    }

    @Test("a restore refuses a store that already holds rows, and a file that fails its checksum")
    func refusals() async throws {
        let store = try await seededBusinessStore()
        let folder = directory()
        _ = try await job(store, folder, tables: ["Users", "Pages"]).runInline(now: backupNow, logger: .silent)
        let backup = folder + "/" + BackupOrchestrator.backupId(backupNow)

        let busy = try SQLiteTableStore(path: businessDatabasePath())
        try await busy.createTable("Pages")
        try await busy.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: "Pages")
        await #expect(throws: BusinessJobsError.self) {
            _ = try await BackupRestore(store: busy, logger: .silent).restore(manifestPath: backup + "/manifest.json")
        }
        #expect(try await busy.listTables() == ["Pages"])

        var bytes = try Data(contentsOf: URL(fileURLWithPath: backup + "/Users.jsonl.gz"))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: backup + "/Users.jsonl.gz"))
        let empty = try SQLiteTableStore(path: businessDatabasePath())
        do {
            _ = try await BackupRestore(store: empty, logger: .silent).restore(manifestPath: backup + "/manifest.json")
            Issue.record("a tampered file was restored")
        } catch let error as BusinessJobsError {
            #expect(error.kind == .invalidBackup)
        }
        #expect(try await empty.listTables().isEmpty)
    }

    @Test("keeps the newest N complete backups and removes older incomplete ones")
    func retention() async throws {
        let store = try await seededBusinessStore()
        let folder = directory()
        try FileManager.default.createDirectory(atPath: folder + "/20260101T040000Z", withIntermediateDirectories: true)
        for day in 1...3 {
            let now = Timestamp(seconds: backupNow.seconds + Int64(day) * 86_400)
            _ = try await job(store, folder, tables: ["Users"], keep: 2).runInline(now: now, logger: .silent)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["20260312T040000Z", "20260313T040000Z"])
    }

    @Test("a table that does not exist is recorded as absent and skipped by the restore")
    func absentTable() async throws {
        let store = try await seededBusinessStore()
        let folder = directory()
        let result = try await job(store, folder, tables: ["Users", "Widgets"]).runInline(
            now: backupNow,
            logger: .silent
        )
        #expect(result.status == .success)
        let target = try SQLiteTableStore(path: businessDatabasePath())
        let manifest = folder + "/" + BackupOrchestrator.backupId(backupNow) + "/manifest.json"
        let report = try await BackupRestore(store: target, logger: .silent).restore(manifestPath: manifest)
        #expect(report.rows.keys.sorted() == ["Users"])
        #expect(try await target.listTables() == ["Users"])
    }
}
