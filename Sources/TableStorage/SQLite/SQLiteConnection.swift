import CSQLite
import Foundation

/// One SQLite connection with cached prepared statements. Not thread-safe by itself: the store
/// confines each connection to its own serial queue.
final class SQLiteConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    let path: String

    /// Why writes are refused, when the connection is read-only.
    let readOnlyReason: String?

    /// Opens (with `create`, creating) the database and sets WAL mode, `synchronous=NORMAL` and the
    /// busy timeout; with a `readOnlyReason`, opens it read-only and changes nothing in the file.
    init(
        path: String,
        busyTimeoutMilliseconds: Int32,
        create: Bool = true,
        readOnlyReason: String? = nil
    ) throws(TableStorageError) {
        self.path = path
        self.readOnlyReason = readOnlyReason
        let access =
            readOnlyReason != nil ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        try open(path, flags: access | SQLITE_OPEN_NOMUTEX)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        guard readOnlyReason != nil else {
            try execute("PRAGMA journal_mode=WAL")
            try execute("PRAGMA synchronous=NORMAL")
            return
        }
        // A WAL database in a directory where the -shm file cannot be created is still readable as
        // an immutable file (without the changes of a writer that is running at the moment).
        if (try? execute("PRAGMA schema_version")) == nil {
            sqlite3_close_v2(handle)
            handle = nil
            try open(Self.immutableURI(path), flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX)
            sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        }
    }

    private func open(_ name: String, flags: Int32) throws(TableStorageError) {
        let status = sqlite3_open_v2(name, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            handle = nil
            throw TableStorageError(
                .configuration,
                code: "SQLiteOpenFailed",
                message: "cannot open SQLite database \(path): \(message)"
            )
        }
    }

    /// `file:<path>?immutable=1`, with the characters a URI path cannot hold percent-encoded.
    static func immutableURI(_ path: String) -> String {
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0...0x20, 0x7F...:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            default:
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return "file:" + encoded + "?immutable=1"
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs SQL that returns no rows we need (several statements allowed).
    func execute(_ sql: String) throws(TableStorageError) {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &error)
        guard status == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "status \(status)"
            sqlite3_free(error)
            throw failure(status, message, sql: sql)
        }
    }

    /// A cached prepared statement for `sql`, reset and with bindings cleared.
    func statement(_ sql: String) throws(TableStorageError) -> SQLiteStatement {
        if let cached = statements[sql] {
            sqlite3_reset(cached)
            sqlite3_clear_bindings(cached)
            return SQLiteStatement(handle: cached, connection: self)
        }
        var prepared: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard status == SQLITE_OK, let prepared else {
            throw failure(status, String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
        statements[sql] = prepared
        return SQLiteStatement(handle: prepared, connection: self)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT` (the write lock is taken first, waiting up to
    /// the busy timeout), rolling back if it throws.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Maps a SQLite result code to the module's error.
    func failure(_ status: Int32, _ message: String, sql: String? = nil) -> TableStorageError {
        let primary = status & 0xFF
        let context = sql.map { " (in \($0.prefix(60)))" } ?? ""
        if primary == SQLITE_READONLY, let readOnlyReason {
            return TableStorageError(
                .configuration,
                code: "DatabaseReadOnly",
                message: "SQLite database \(path) is read-only: \(readOnlyReason)"
            )
        }
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return TableStorageError(
                .unavailable,
                code: "DatabaseBusy",
                message: "SQLite database \(path) stayed locked by another connection: \(message)"
            )
        }
        return TableStorageError(
            .storage,
            code: "SQLiteError\(status)",
            message: "SQLite error \(status) on \(path): \(message)\(context)"
        )
    }
}

/// A prepared statement borrowed from its connection's cache.
struct SQLiteStatement {
    let handle: OpaquePointer
    let connection: SQLiteConnection

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ text: String) {
        sqlite3_bind_text(handle, index, text, -1, Self.transient)
    }

    func bind(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
            let pointer = UnsafeRawPointer(buffer.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)
            sqlite3_bind_text(
                handle,
                index,
                pointer?.assumingMemoryBound(to: CChar.self),
                Int32(buffer.count),
                Self.transient
            )
        }
    }

    func bind(_ index: Int32, _ number: Int64) {
        sqlite3_bind_int64(handle, index, number)
    }

    /// Steps once: `true` when a row is available, `false` when done.
    func step() throws(TableStorageError) -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            sqlite3_reset(handle)
            throw connection.failure(status, message)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(TableStorageError) {
        _ = try step()
        sqlite3_reset(handle)
    }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }

    /// The column's bytes (no NUL termination assumed).
    func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// Releases the statement's read snapshot so it does not hold the WAL back.
    func reset() {
        sqlite3_reset(handle)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
