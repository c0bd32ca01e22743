import Foundation
import Jobs
import LinkTomeCore
import TableStorage

/// `linktome retention bench [--rows N] [--users N] [--path FILE]`: measures the housekeeping jobs
/// on a fresh SQLite file (a temporary one unless `--path` names it).
enum RetentionCommand {
    static let usage = """
        usage: linktome retention bench [--rows N] [--users N] [--path FILE]
          --rows N     expired security events, and feature-usage rows, to generate (default 100000)
          --users N    users the feature-usage rows are spread over (default 500)
          --path FILE  the SQLite file to use (default: a new temporary file, removed afterwards)
        """

    static func run(_ arguments: [String]) async -> Int32 {
        guard arguments.first == "bench" else {
            StandardStreams.write(usage + "\n", to: .error)
            return arguments.first == nil || arguments.first == "--help" ? 0 : 2
        }
        var rows = 100_000
        var users = 500
        var path: String?
        var rest = arguments.dropFirst()
        while let option = rest.popFirst() {
            switch option {
            case "--rows": rows = rest.popFirst().flatMap(Int.init) ?? -1
            case "--users": users = rest.popFirst().flatMap(Int.init) ?? -1
            case "--path": path = rest.popFirst()
            default: rows = -1
            }
            guard rows > 0, users > 0 else {
                StandardStreams.write("linktome retention: bad option '\(option)'\n\(usage)\n", to: .error)
                return 2
            }
        }
        return await bench(rows: rows, users: users, path: path)
    }

    private static func bench(rows: Int, users: Int, path: String?) async -> Int32 {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("linktome-retention-\(UUID())")
        let file = path ?? temporary.appendingPathComponent("bench.sqlite").path
        defer { if path == nil { try? FileManager.default.removeItem(at: temporary) } }
        do {
            let store = try SQLiteTableStore(path: file)
            let report = try await RetentionBenchmark.run(
                store: store,
                rows: rows,
                users: users,
                now: Timestamp(Date()),
                logger: Logger(label: "retention", level: .warning)
            )
            print("store: SQLite at \(file)")
            print(report.text)
            return report.secondRunsIdle ? 0 : 1
        } catch {
            StandardStreams.write("linktome retention bench failed: \(error)\n", to: .error)
            return 1
        }
    }
}
