import Foundation
import Jobs
import LinkTomeCore
import TableStorage

/// `linktome analytics bench`: measures the analytics aggregation on a generated load in a fresh
/// SQLite file (build with `-c release`).
enum AnalyticsCommand {
    static let usage = """
        usage: linktome analytics bench [--events N] [--users N] [--days N] [--concurrency N]
                                [--path <file>]

        bench   writes N raw events (default 1000000) for the users (default 2000) into a new SQLite
                file (default a temporary file, deleted afterwards), spread over the last days (default 1,
                the load of one nightly run), aggregates them once, and prints
                the seed and aggregation times and the process's peak memory.
        """

    static func run(_ arguments: [String]) async -> Int32 {
        guard arguments.first == "bench" else {
            print(usage)
            return arguments.first.map { ["help", "--help", "-h"].contains($0) } == true ? 0 : 2
        }
        let parsed: CommandArguments
        do {
            parsed = try CommandArguments(
                Array(arguments.dropFirst()),
                options: ["events", "users", "days", "concurrency", "path"]
            )
        } catch {
            return fail("linktome analytics bench: \(error.message)")
        }
        guard let events = Int(parsed.options["events"] ?? "1000000"), events > 0, events <= 100_000_000,
            let users = Int(parsed.options["users"] ?? "2000"), users > 0, users <= events,
            let concurrency = Int(parsed.options["concurrency"] ?? "2"), (1...64).contains(concurrency),
            let days = Int(parsed.options["days"] ?? "1"), (1...365).contains(days)
        else {
            return fail("linktome analytics bench: --events, --users, --days and --concurrency need sensible numbers")
        }

        let temporary = parsed.options["path"] == nil
        let path =
            parsed.options["path"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("linktome-bench-\(getpid()).sqlite").path
        defer {
            if temporary {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        do {
            let store = try SQLiteTableStore(path: path)
            let report = try await AnalyticsAggregationBenchmark.run(
                store: store,
                events: events,
                users: users,
                days: days,
                now: Timestamp(Date()),
                concurrency: concurrency,
                logger: Logger(label: "bench", level: .warning)
            )
            print(report.text)
            return report.result.status == .success ? 0 : 1
        } catch {
            return fail("linktome analytics bench: \(error)")
        }
    }

    private static func fail(_ text: String) -> Int32 {
        FileHandle.standardError.write(Data((text + "\n").utf8))
        return 2
    }
}
