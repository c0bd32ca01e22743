import Foundation
import LinkTomeCore
import TableStorage

/// `linktome table bench`: SQLite batch-upsert throughput and the memory of a long streamed query.
enum TableBenchmark {
    static func run(_ arguments: [String]) async -> Int32 {
        if arguments.first == "--increment-child", arguments.count == 3, let count = Int(arguments[2]) {
            return await incrementChild(path: arguments[1], count: count)
        }
        var rows = 200_000
        var streamRows = 1_000_000
        var processes = 4
        var path: String?
        var index = 0
        while index < arguments.count {
            let next = index + 1 < arguments.count ? arguments[index + 1] : nil
            switch (arguments[index], next) {
            case ("--rows", let value?) where Int(value).map({ $0 > 0 }) == true: rows = Int(value)!
            case ("--stream-rows", let value?) where Int(value).map({ $0 > 0 }) == true: streamRows = Int(value)!
            case ("--processes", let value?) where Int(value).map({ $0 >= 0 }) == true: processes = Int(value)!
            case ("--path", let value?): path = value
            default:
                StandardStreams.write("linktome table bench: bad argument '\(arguments[index])'\n", to: .error)
                return 2
            }
            index += 2
        }
        do {
            try await measure(rows: rows, streamRows: streamRows, path: path)
            return processes > 0 ? try await checkProcesses(processes) : 0
        } catch {
            StandardStreams.write("linktome table bench: \(error)\n", to: .error)
            return 1
        }
    }

    private static func measure(rows: Int, streamRows: Int, path: String?) async throws {
        let file = path ?? NSTemporaryDirectory() + "linktome-bench-\(getpid()).sqlite"
        defer {
            if path == nil {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
            }
        }
        let store = try SQLiteTableStore(path: file)
        print("SQLite \(file)")

        try await store.createTableIfNotExists("Upserts")
        let cpuBefore = cpuSeconds()
        let upsertSeconds = try await upsert(rows, into: "Upserts", store)
        let cpu = cpuSeconds() - cpuBefore
        print(
            "upsert: \(rows) rows in batches of 100 in \(format(upsertSeconds)) s = "
                + "\(Int(Double(rows) / upsertSeconds)) rows/s (process CPU \(format(cpu)) s; "
                + "load average \(loadAverage()))"
        )

        try await store.createTableIfNotExists("Stream")
        let fillSeconds = try await upsert(streamRows, into: "Stream", store)
        print("stream: wrote \(streamRows) rows in \(format(fillSeconds)) s; peak RSS so far \(peakRSS()) MB")
        resetPeakRSS()
        let started = Date()
        var count = 0
        var checksum = 0
        for try await entity in store.query("Stream").entities {
            count += 1
            checksum &+= entity["N"]?.intValue ?? 0
        }
        let streamSeconds = Date().timeIntervalSince(started)
        print(
            "stream: read \(count) rows in \(format(streamSeconds)) s = \(Int(Double(count) / streamSeconds)) rows/s; "
                + "peak RSS while streaming \(peakRSS()) MB (checksum \(checksum))"
        )
    }

    /// Upserts `count` small entities in batches of 100 (partitions of 1,000 rows); returns seconds.
    private static func upsert(_ count: Int, into table: String, _ store: SQLiteTableStore) async throws -> Double {
        let started = Date()
        var next = 0
        while next < count {
            let size = min(100, count - next)
            let operations = (next..<(next + size)).map { TableBatchOperation.upsert(entity($0), mode: .replace) }
            try await store.submitBatch(operations, in: table)
            next += size
        }
        return Date().timeIntervalSince(started)
    }

    /// Runs `processes` copies of this program that each increment one counter row 200 times with
    /// read, `updateIfUnchanged`, retry; the file must end with every increment counted once.
    private static func checkProcesses(_ processes: Int) async throws -> Int32 {
        let file = NSTemporaryDirectory() + "linktome-processes-\(getpid()).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        let store = try SQLiteTableStore(path: file)
        try await store.createTable("Counter")
        try await store.insert(
            TableEntity(partitionKey: "c", rowKey: "c", properties: ["N": .int64(0)]),
            into: "Counter"
        )

        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let started = Date()
        var children: [Process] = []
        for _ in 0..<processes {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: executable)
            child.arguments = ["table", "bench", "--increment-child", file, "200"]
            try child.run()
            children.append(child)
        }
        for child in children { child.waitUntilExit() }
        let failed = children.filter { $0.terminationStatus != 0 }.count

        let counter = try await store.get(from: "Counter", partitionKey: "c", rowKey: "c")?["N"]?.int64Value ?? -1
        let expected = Int64(processes * 200)
        print(
            "processes: \(processes) processes x 200 conditional increments in "
                + "\(format(Date().timeIntervalSince(started))) s: counter \(counter), expected \(expected)"
        )
        return counter == expected && failed == 0 ? 0 : 1
    }

    private static func incrementChild(path: String, count: Int) async -> Int32 {
        do {
            let store = try SQLiteTableStore(path: path)
            var done = 0
            while done < count {
                guard var row = try await store.get(from: "Counter", partitionKey: "c", rowKey: "c"),
                    let value = row["N"]?.int64Value
                else { return 1 }
                row["N"] = .int64(value + 1)
                if try await store.updateIfUnchanged(row, in: "Counter").succeeded { done += 1 }
            }
            return 0
        } catch {
            StandardStreams.write("linktome table bench: \(error)\n", to: .error)
            return 1
        }
    }

    /// A small entity with five typed properties, 1,000 to a partition.
    private static func entity(_ number: Int) -> TableEntity {
        var properties: [String: TableValue] = [:]
        properties["N"] = .int64(Int64(number))
        properties["Name"] = .string("user-\(number)")
        properties["Active"] = .bool(number % 2 == 0)
        properties["Score"] = .double(Double(number) / 7)
        properties["Seen"] = .dateTime(Timestamp(seconds: 1_700_000_000 + Int64(number)))
        return TableEntity(
            partitionKey: "p\(number / 1_000)",
            rowKey: "r" + String(String(number + 1_000_000_000).dropFirst()),
            properties: properties
        )
    }

    /// User plus system CPU time of this process so far.
    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// The 1-minute load average, to judge how busy the machine was.
    private static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
        return String(text.split(separator: " ").first ?? "?")
    }

    /// The process's peak resident set size (VmHWM) in MB.
    static func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return -1 }
        return kilobytes / 1_024
    }

    /// Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs).
    private static func resetPeakRSS() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func format(_ seconds: Double) -> String {
        String(format: "%.2f", seconds)
    }
}
