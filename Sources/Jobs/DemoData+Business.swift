import LinkTomeCore
import TableStorage

/// A realistic, deterministic LinkTome data set for the business commands, relative to an instant:
/// users in every subscription state (active, overdue, cancelled before and after the period end,
/// expired, suspended inside and beyond the grace period, free), parents with sub-accounts, users
/// over every tier limit, API keys with and without an `Active` column, appearance rows, analytics
/// events of all types across several days, pre-existing aggregates, scheduled tasks and scheduled
/// links. The same instant always gives the same rows.
public enum BusinessDemoData {
    /// The rows by table name, built for `now`.
    public static func tables(now: Timestamp) -> [String: [TableEntity]] {
        var builder = DemoBuilder(now: now)
        builder.addUsers()
        builder.addContent()
        builder.addAnalytics()
        builder.addScheduledWork()
        return builder.tables
    }

    /// Writes the data set (creating tables as needed; existing rows with the same keys are
    /// replaced, except the two original seed users, which are merged so other seeders' columns stay).
    ///
    /// - Returns: the number of rows written.
    @discardableResult
    public static func seed(into store: any TableStore, now: Timestamp) async throws -> Int {
        var written = 0
        for (table, rows) in tables(now: now).sorted(by: { $0.key < $1.key }) {
            try await store.createTableIfNotExists(table)
            var writer = PartitionBatchWriter(store: store, table: table)
            for row in rows.sorted(by: { $0.key < $1.key }) {
                let mode: TableUpdateMode = DemoIds.originalSeedEmails.contains(row.partitionKey) ? .merge : .replace
                await writer.add(.upsert(row, mode: mode))
            }
            await writer.flush()
            guard writer.failed == 0 else {
                throw BusinessJobsError(
                    .invalidRow,
                    "demo data for \(table) failed: \(writer.failures.joined(separator: "; "))"
                )
            }
            written += writer.applied
        }
        return written
    }

    /// The ids of the demo users, by short name (`demo`, `erin`, …).
    public static func userId(_ name: String) -> String { DemoIds.user(name) }

    /// The names of the demo users.
    public static var userNames: [String] { DemoBuilder.users.map(\.name) }
}

/// Deterministic ids: GUID-shaped text derived from a name.
enum DemoIds {
    static let originalSeedEmails: Set<String> = ["demo@example.com", "test@example.com"]

    static func guid(_ name: String) -> String {
        let high = BusinessHash.fnv1a("a|" + name)
        let low = BusinessHash.fnv1a("b|" + name)
        let hex = hex16(high) + hex16(low)
        let chars = Array(hex)
        return String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-4" + String(chars[13..<16]) + "-8"
            + String(chars[17..<20]) + "-" + String(chars[20..<32])
    }

    static func user(_ name: String) -> String { "user-" + guid("user:" + name) }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// One demo user: short name, tier, status and extra columns.
struct DemoUser {
    var name: String
    var tier: String
    var status: String
    var extra: [String: DemoValue] = [:]
    var subAccountOf: String?
}

/// A column value, possibly relative to the data set's instant.
enum DemoValue {
    case text(String)
    case flag(Bool)
    case number(Int32)
    /// An ISO 8601 string this many days from now.
    case daysFromNow(Double)
    /// An `Edm.DateTime` this many days from now.
    case dateTimeDaysFromNow(Double)
}

/// Collects rows per table.
struct DemoBuilder {
    let now: Timestamp
    var tables: [String: [TableEntity]] = [:]

    init(now: Timestamp) {
        self.now = now
    }

    func instant(days: Double) -> Timestamp {
        let nanos = Int64((days * 86_400 * 1_000_000_000).rounded())
        let total = now.seconds * 1_000_000_000 + Int64(now.nanoseconds) + nanos
        let seconds = total >= 0 ? total / 1_000_000_000 : (total - 999_999_999) / 1_000_000_000
        return Timestamp(seconds: seconds, nanoseconds: Int32(total - seconds * 1_000_000_000))
    }

    func value(_ value: DemoValue) -> TableValue {
        switch value {
        case .text(let text): return .string(text)
        case .flag(let flag): return .bool(flag)
        case .number(let number): return .int32(number)
        case .daysFromNow(let days): return .string(BusinessFields.isoSeconds(instant(days: days)))
        case .dateTimeDaysFromNow(let days): return .dateTime(instant(days: days))
        }
    }

    mutating func add(_ table: String, _ partitionKey: String, _ rowKey: String, _ columns: [String: DemoValue]) {
        let properties = columns.mapValues(value)
        tables[table, default: []].append(
            TableEntity(partitionKey: partitionKey, rowKey: rowKey, properties: properties)
        )
    }
}
