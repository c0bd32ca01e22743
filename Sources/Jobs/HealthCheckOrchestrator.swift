import Cron
import Foundation
import LinkTomeCore
import TableStorage
import Timers

/// One check of a health run.
public struct HealthCheckResult: Sendable, Equatable {
    public enum Status: String, Sendable {
        case pass = "Pass"
        case warn = "Warn"
        case fail = "Fail"
    }

    public var name: String
    public var status: Status
    public var detail: String

    public var json: JSONValue {
        ["name": .string(name), "status": .string(status.rawValue), "detail": .string(detail)]
    }
}

/// `Start-HealthCheckOrchestrator` (hourly): checks the table store (write, read and delete a probe
/// row), the durable API (one status query), every timer's freshness (last success within twice
/// its period; three or more consecutive failures) and stuck orchestrations (a `Started` timer
/// whose instance is still active after the maximum age). The result is one row in `HealthChecks`
/// (RowKey = inverted ticks, so the newest sorts first) and a summary naming each failing check.
/// Rows older than the retention (default 30 days) are deleted.
public struct HealthCheckOrchestrator: BusinessJob {
    public static let command = "Start-HealthCheckOrchestrator"
    public static let table = "HealthChecks"
    static let partitionKey = "HealthCheck"
    static let timersTable = "LinkTomeTimers"

    /// Tuning, from app settings.
    public struct Options: Sendable, Equatable {
        /// `HEALTH_MAX_ORCHESTRATION_MINUTES` (default 120): older active instances count as stuck.
        public var maxOrchestrationMinutes: Int
        /// `HEALTH_FAILURE_THRESHOLD` (default 3): consecutive failures that fail a timer's check.
        public var failureThreshold: Int
        /// `HEALTH_CHECK_RETENTION_DAYS` (default 30).
        public var retentionDays: Int

        public init(maxOrchestrationMinutes: Int = 120, failureThreshold: Int = 3, retentionDays: Int = 30) {
            self.maxOrchestrationMinutes = maxOrchestrationMinutes
            self.failureThreshold = failureThreshold
            self.retentionDays = retentionDays
        }

        public init(settings: Settings) throws {
            self.init(
                maxOrchestrationMinutes: try settings.integer("HEALTH_MAX_ORCHESTRATION_MINUTES", default: 120),
                failureThreshold: try settings.integer("HEALTH_FAILURE_THRESHOLD", default: 3),
                retentionDays: try settings.integer("HEALTH_CHECK_RETENTION_DAYS", default: 30)
            )
        }
    }

    public let store: any TableStore
    public let durable: (any TimerDurableClient)?
    public let options: Options
    public let logger: Logger

    public init(
        store: any TableStore,
        durable: (any TimerDurableClient)?,
        options: Options = Options(),
        logger: Logger
    ) {
        self.store = store
        self.durable = durable
        self.options = options
        self.logger = logger
    }

    public func workItems(now: Timestamp) async throws -> [JSONValue] { [.object([:])] }

    public func process(_ item: JSONValue, now: Timestamp) async throws -> BusinessCounters {
        var checks = [await probeStore(now: now), await probeDurable()]
        let rows = try await BusinessTables.all(store, Self.timersTable)
        checks += rows.compactMap { freshness($0, now: now) }
        checks.append(await stuckOrchestrations(rows, now: now))
        try await record(checks, now: now)
        let deleted = try await deleteExpired(now: now)
        let failing = checks.filter { $0.status == .fail }.count
        return BusinessCounters([
            "ChecksRun": checks.count, "FailingChecks": failing,
            "WarningChecks": checks.filter { $0.status == .warn }.count, "HealthRowsDeleted": deleted,
        ])
    }

    public func finish(_ counters: BusinessCounters, now: Timestamp) async throws -> BusinessJobResult {
        let latest = try await Self.latest(store)
        let failing = latest.map { BusinessFields.text($0["FailingChecks"]) ?? "" } ?? ""
        var fields = counters.json
        fields["Health"] = .string(latest.flatMap { BusinessFields.text($0["Status"]) } ?? "Unknown")
        fields["Failing"] = .array(failing.split(separator: ",").map { .string(String($0)) })
        let message =
            failing.isEmpty
            ? "Health check: all \(counters["ChecksRun"]) checks passed (\(counters["WarningChecks"]) warnings)"
            : "Health check: failing: \(failing.replacingOccurrences(of: ",", with: ", "))"
        return BusinessJobResult(status: .success, message: message, fields: fields)
    }

    /// The newest `HealthChecks` row, or `nil`.
    public static func latest(_ store: any TableStore) async throws -> TableEntity? {
        try await BusinessTables.all(store, table, filter: .partitionKey(partitionKey), top: 1).first
    }

    /// `Int64.max − ticks`, zero-padded: newer runs sort first.
    static func rowKey(_ now: Timestamp) -> String {
        let text = String(Int64.max - BusinessFields.dotNetTicks(now))
        return String(repeating: "0", count: max(0, 19 - text.count)) + text
    }
}
