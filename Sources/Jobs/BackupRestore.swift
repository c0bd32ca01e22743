import Foundation
import LinkTomeCore
import TableStorage

/// Restores a backup written by ``BackupOrchestrator`` into a store whose backed-up tables are
/// absent or empty: checks every file against the manifest (size and SHA-256) before writing
/// anything, then inserts the rows in batches of one partition and at most 100, and checks the row
/// counts. Inserts (not upserts) make a restore over existing rows fail instead of mixing data.
public struct BackupRestore: Sendable {
    /// What a restore did.
    public struct Report: Sendable, Equatable {
        public var backupId: String
        /// Rows restored per table.
        public var rows: [String: Int]

        public var text: String {
            let tables = rows.keys.sorted().map { "  \($0): \(rows[$0] ?? 0) rows" }.joined(separator: "\n")
            return "restored backup \(backupId)\n" + tables
        }
    }

    /// The longest line accepted (an entity is at most 1 MiB; its JSON a few times that).
    static let maximumLineBytes = 8 << 20

    public let store: any TableStore
    public let logger: Logger

    public init(store: any TableStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Restores the backup whose `manifest.json` is at `manifestPath`.
    public func restore(manifestPath: String) async throws -> Report {
        let manifest = try Self.readManifest(manifestPath)
        let folder = (manifestPath as NSString).deletingLastPathComponent
        guard let id = manifest["BackupId"]?.stringValue, let tables = manifest["Tables"]?.arrayValue else {
            throw BusinessJobsError(.invalidBackup, "\(manifestPath) has no BackupId or Tables")
        }
        var files: [(entry: JSONValue, name: String, data: [UInt8])] = []
        for entry in tables {
            guard let name = entry["Name"]?.stringValue, let file = entry["File"]?.stringValue, !file.contains("/")
            else {
                throw BusinessJobsError(.invalidBackup, "a table entry of \(manifestPath) lacks Name or File")
            }
            guard entry["Exists"]?.boolValue != false else { continue }
            files.append((entry, name, try Self.verifiedFile(folder + "/" + file, entry: entry)))
        }
        for (_, name, _) in files { try await requireEmpty(name) }

        var report = Report(backupId: id, rows: [:])
        for (entry, name, data) in files {
            let rows = try await load(name, data)
            guard rows == entry["Rows"]?.intValue else {
                throw BusinessJobsError(
                    .invalidBackup,
                    "\(name): restored \(rows) rows, the manifest lists \(entry["Rows"]?.intValue ?? -1)"
                )
            }
            report.rows[name] = rows
            logger.info("table restored", metadata: ["table": name, "rows": "\(rows)"])
        }
        return report
    }

    static func readManifest(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BusinessJobsError(.invalidBackup, "cannot read the manifest \(path)")
        }
        guard let manifest = try? JSONParser.parse(Array(data)),
            manifest["Format"]?.stringValue == BackupOrchestrator.format
        else { throw BusinessJobsError(.invalidBackup, "\(path) is not a \(BackupOrchestrator.format) manifest") }
        return manifest
    }

    /// The file's bytes, after checking its size and SHA-256 against the manifest entry.
    static func verifiedFile(_ path: String, entry: JSONValue) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BusinessJobsError(.invalidBackup, "the backup file \(path) is missing")
        }
        let bytes = Array(data)
        var digest = SHA256Digest()
        digest.update(bytes)
        guard bytes.count == entry["CompressedBytes"]?.intValue, digest.finish() == entry["Sha256"]?.stringValue else {
            throw BusinessJobsError(.invalidBackup, "\(path) does not match its size or SHA-256 in the manifest")
        }
        return bytes
    }

    private func requireEmpty(_ table: String) async throws {
        do {
            let page = try await store.queryPage(table, filter: nil, select: [], maxCount: 1, continuation: nil)
            if !page.entities.isEmpty || page.continuation != nil {
                throw BusinessJobsError(.restoreTargetNotEmpty, "table \(table) at \(store.location) is not empty")
            }
        } catch let error as TableStorageError where error.kind == .notFound {
            return
        }
    }

    /// Inserts the rows of one file; returns how many.
    private func load(_ table: String, _ data: [UInt8]) async throws -> Int {
        try await store.createTableIfNotExists(table)
        var reader = GzipReader(data)
        var carry: [UInt8] = []
        var lineNumber = 0
        var batch: [TableBatchOperation] = []
        while let chunk = try reader.next() {
            carry += chunk
            var start = carry.startIndex
            while let newline = carry[start...].firstIndex(of: 0x0A) {
                lineNumber += 1
                let entity = try BackupEntityCodec.entity(carry[start..<newline], number: lineNumber)
                start = newline + 1
                if let first = batch.first,
                    !TableKeyOrder.same(first.key.partitionKey, entity.partitionKey) || batch.count == 100
                {
                    try await store.submitBatch(batch, in: table)
                    batch = []
                }
                batch.append(.insert(entity))
            }
            carry.removeFirst(start - carry.startIndex)
            guard carry.count <= Self.maximumLineBytes else {
                throw BusinessJobsError(.invalidBackup, "\(table): line \(lineNumber + 1) is longer than 8 MiB")
            }
        }
        guard carry.isEmpty else { throw BusinessJobsError(.invalidBackup, "\(table): the last line is cut off") }
        if !batch.isEmpty { try await store.submitBatch(batch, in: table) }
        return lineNumber
    }
}
