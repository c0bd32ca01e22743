import COpenSSL
import CSQLite

/// The versions of the C libraries linked into this executable, as `linktome doctor` reports them.
/// In the packaged executable they are linked in statically, so these are the versions that run
/// whatever the host has installed.
enum BuildInfo {
    /// The SQLite library's version, e.g. `3.40.1`.
    static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    /// OpenSSL's version text, e.g. `OpenSSL 3.0.17 1 Jul 2025`.
    static var openSSLVersion: String { String(cString: OpenSSL_version(OPENSSL_VERSION)) }

    /// One line: `SQLite <version>, <OpenSSL version>`.
    static var summary: String { "SQLite \(sqliteVersion), \(openSSLVersion)" }
}
