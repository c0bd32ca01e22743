import Foundation
import Jobs
import LinkTomeCore
import TableStorage

/// `linktome health`: prints the latest health check, or runs one now.
enum HealthCommand {
    static let usage = """
        usage: linktome health        prints the latest row of the HealthChecks table
               linktome health run    checks now (table store, timers, stuck orchestrations; the
                                      durable API is checked only by the timer, which has a client)

        Exit status 0 when healthy or degraded, 1 when unhealthy or no check was recorded yet,
        2 for a usage error.
        """

    static func run(_ arguments: [String]) async -> Int32 {
        let settings = Settings.process
        let logger = Logger(label: "health", level: .warning)
        do {
            let store = try TableStoreFactory.makeStore(settings: settings, logger: logger)
            switch arguments.first {
            case nil:
                break
            case "run" where arguments.count == 1:
                let job = HealthCheckOrchestrator(
                    store: store,
                    durable: nil,
                    options: try .init(settings: settings),
                    logger: logger
                )
                _ = try await job.runInline(now: Timestamp(Date()), logger: logger)
            case "help", "--help", "-h":
                print(usage)
                return 0
            default:
                FileHandle.standardError.write(Data("linktome health: unknown arguments\n\n\(usage)\n".utf8))
                return 2
            }
            guard let latest = try await HealthCheckOrchestrator.latest(store) else {
                print("no health check recorded yet in \(store.location)")
                return 1
            }
            print(describe(latest))
            return latest["Status"]?.stringValue == "Unhealthy" ? 1 : 0
        } catch {
            FileHandle.standardError.write(Data("linktome health: \(error)\n".utf8))
            return 1
        }
    }

    /// The row as a few lines: status and time, then one line per check.
    static func describe(_ row: TableEntity) -> String {
        let checkedAt = row["CheckedAt"]?.dateTimeValue?.iso8601(fractionDigits: 0) ?? "unknown time"
        var lines = ["\(row["Status"]?.stringValue ?? "Unknown") at \(checkedAt)"]
        let checks = row["ChecksJson"]?.stringValue.flatMap { try? JSONParser.parse($0) }?.arrayValue ?? []
        for check in checks {
            let status = check["status"]?.stringValue ?? "?"
            let name = check["name"]?.stringValue ?? "?"
            let detail = check["detail"]?.stringValue ?? ""
            lines.append("  \(status.padding(toLength: 5, withPad: " ", startingAt: 0)) \(name): \(detail)")
        }
        return lines.joined(separator: "\n")
    }
}
