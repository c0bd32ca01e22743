import Dispatch
import Foundation
import Glibc
import LinkTomeCore

/// How a store is opened; only the SQLite store has anything to decide.
public struct TableStoreOpenOptions: Sendable, Equatable {
    /// Whether a missing SQLite database (and its directory) is created. Commands that only read set
    /// it to `false`, so a mistyped path is an error rather than a new empty database.
    public var createIfMissing: Bool
    /// Whether the SQLite database is opened read-only even when it could be written.
    public var readOnly: Bool

    public init(createIfMissing: Bool = true, readOnly: Bool = false) {
        self.createIfMissing = createIfMissing
        self.readOnly = readOnly
    }

    /// For commands that only read: a missing database is an error, not a new empty file. (Not
    /// `readOnly`, so that they still see the changes of a writer running at the same time; an
    /// unwritable database is opened read-only anyway.)
    public static let existingOnly = TableStoreOpenOptions(createIfMissing: false)
}

/// A ``TableStore`` in one SQLite file, the default when no storage account is configured.
///
/// The file uses WAL mode, so readers never block the writer; every write runs in a
/// `BEGIN IMMEDIATE` transaction (a batch in one), and a busy timeout makes several processes on
/// one host wait for each other instead of failing. ETags change on every write: each write gets a
/// timestamp strictly after the database's previous one, kept in the file itself. Filters are
/// evaluated exactly as the service evaluates them, and rows come in byte-ordinal (PartitionKey,
/// RowKey) order. Keep the file on a local disk: WAL needs shared memory, which network file
/// systems (Azure Files, SMB) do not provide.
public final class SQLiteTableStore: TableStore {
    /// The database file.
    public let path: String
    let connection: SQLiteConnection
    let queue: DispatchQueue
    let clock: any TimeSource
    let scanLimit: Int

    /// Opens the database at `path`, by default creating it and its directory when missing.
    ///
    /// A database whose file or directory is not writable is opened read-only (reads work; writes
    /// fail with a `configuration` error that says which is not writable), as is any database when
    /// `options.readOnly` is set.
    ///
    /// - Parameters:
    ///   - clock: the source of entity timestamps.
    ///   - scanLimit: the most rows one query page examines; when a filter skips that many, the page
    ///     ends early (possibly empty) with a continuation, as the service does after 5 seconds.
    ///   - busyTimeout: how long a write waits for another process's transaction, in seconds.
    ///   - options: whether a missing database is created (read-only commands say no).
    /// - Throws: `configuration` when the database is missing and may not be created, or when the
    ///   directory or file cannot be created or opened.
    public init(
        path: String,
        clock: any TimeSource = SystemTimeSource(),
        scanLimit: Int = 10_000,
        busyTimeout: Double = 10,
        options: TableStoreOpenOptions = TableStoreOpenOptions()
    ) throws(TableStorageError) {
        let directory = (path as NSString).deletingLastPathComponent
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists {
            try Self.prepareNewDatabase(path, in: directory, options: options)
        }
        self.path = path
        self.clock = clock
        self.scanLimit = max(1, scanLimit)
        let readOnlyReason = exists ? Self.readOnlyReason(path, in: directory, options: options) : nil
        connection = try SQLiteConnection(
            path: path,
            busyTimeoutMilliseconds: Int32(busyTimeout * 1000),
            create: options.createIfMissing,
            readOnlyReason: readOnlyReason
        )
        queue = DispatchQueue(label: "linktome.sqlite")
        if readOnlyReason == nil { try connection.execute(Self.schema) }
    }

    /// Checks that a missing database may be created, and creates its directory.
    private static func prepareNewDatabase(
        _ path: String,
        in directory: String,
        options: TableStoreOpenOptions
    ) throws(TableStorageError) {
        guard options.createIfMissing, !options.readOnly else {
            throw TableStorageError(
                .configuration,
                code: "SQLiteDatabaseMissing",
                message: "there is no SQLite database at \(path) (check LINKTOME_SQLITE_PATH or LINKTOME_STORAGE)"
            )
        }
        guard !directory.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TableStorageError(
                .configuration,
                code: "SQLiteOpenFailed",
                message: "cannot create the directory \(directory) for the SQLite database: "
                    + TableStorageError.plainText(error)
            )
        }
        guard Glibc.access(directory, W_OK) == 0 else {
            throw TableStorageError(
                .configuration,
                code: "SQLiteOpenFailed",
                message: "cannot create the SQLite database \(path): the directory \(directory) is not writable"
            )
        }
    }

    /// Why an existing database must be opened read-only; `nil` when it can be written.
    private static func readOnlyReason(_ path: String, in directory: String, options: TableStoreOpenOptions) -> String?
    {
        if options.readOnly { return "it was opened read-only" }
        if Glibc.access(path, W_OK) != 0 { return "the file is not writable" }
        let folder = directory.isEmpty ? "." : directory
        if Glibc.access(folder, W_OK) != 0 {
            return "the directory \(folder) is not writable (SQLite keeps its -wal and -shm files next to the database)"
        }
        return nil
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS lt_tables (name_key TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS lt_entities (
            tbl TEXT NOT NULL, pk TEXT NOT NULL, rk TEXT NOT NULL, ts INTEGER NOT NULL, props TEXT NOT NULL,
            PRIMARY KEY (tbl, pk, rk)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS lt_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        """

    public var location: String { path }

    /// Runs `body` on the connection's queue, off Swift's cooperative threads (SQLite calls block,
    /// for up to the busy timeout while another process writes).
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [connection] in
                continuation.resume(with: Result { try body(connection) })
            }
        }
    }

    // MARK: - Tables

    public func createTable(_ name: String) async throws {
        try TableValidation.checkTableName(name)
        try await run { connection in
            try connection.writeTransaction {
                let insert = try connection.statement(
                    "INSERT OR IGNORE INTO lt_tables (name_key, name) VALUES (?1, ?2)"
                )
                insert.bind(1, name.lowercased())
                insert.bind(2, name)
                try insert.run()
                guard connection.changes == 1 else { throw TableStorageError.tableExists(name) }
            }
        }
    }

    public func deleteTable(_ name: String) async throws {
        try TableValidation.checkTableName(name)
        try await run { connection in
            try connection.writeTransaction {
                let delete = try connection.statement("DELETE FROM lt_tables WHERE name_key = ?1")
                delete.bind(1, name.lowercased())
                try delete.run()
                guard connection.changes == 1 else { throw TableStorageError.tableNotFound(name) }
                let rows = try connection.statement("DELETE FROM lt_entities WHERE tbl = ?1")
                rows.bind(1, name.lowercased())
                try rows.run()
            }
        }
    }

    public func listTables() async throws -> [String] {
        try await run { connection in
            let select = try connection.statement("SELECT name FROM lt_tables ORDER BY name")
            defer { select.reset() }
            var names: [String] = []
            while try select.step() { names.append(select.text(0)) }
            return names
        }
    }

    /// Throws `TableNotFound` unless the table exists.
    static func requireTable(_ name: String, _ connection: SQLiteConnection) throws {
        let select = try connection.statement("SELECT 1 FROM lt_tables WHERE name_key = ?1")
        defer { select.reset() }
        select.bind(1, name.lowercased())
        guard try select.step() else { throw TableStorageError.tableNotFound(name) }
    }
}
