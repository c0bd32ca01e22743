import Foundation
import LinkTomeCore
import TableStorage
import Testing

@testable import Timers

/// Two operating-system processes tick against one SQLite file at the same instant: the job runs once.
///
/// The parent test starts this test binary twice, filtered to `childProcessTick`, which only runs
/// when the child environment variables are set; both children wait for a start signal so that
/// their ticks overlap, and record each run of the job as one line in a shared file.
@Suite("Tick: two processes")
struct TwoProcessTests {
    static let databaseVariable = "LINKTOME_TIMERS_TEST_CHILD_DB"
    static let runLogVariable = "LINKTOME_TIMERS_TEST_CHILD_RUNS"
    static let goVariable = "LINKTOME_TIMERS_TEST_CHILD_GO"
    static let job = "77777777-0000-0000-0000-000000000001"
    static let instant = "2026-01-20T01:00:00.25Z"

    @Test("two processes ticking for the same occurrence on one SQLite file run the job once")
    func twoProcesses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("timers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("store.sqlite").path
        let runs = directory.appendingPathComponent("runs.log").path
        let go = directory.appendingPathComponent("go").path
        let binary = try #require(CommandLine.arguments.first)
        try #require(FileManager.default.isExecutableFile(atPath: binary))
        try await Self.createRow(database: database)

        let children = try (0..<2).map { _ in
            try Self.spawn(
                binary,
                environment: [
                    Self.databaseVariable: database, Self.runLogVariable: runs, Self.goVariable: go,
                ]
            )
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(FileManager.default.createFile(atPath: go, contents: Data()))
        for child in children { child.waitUntilExit() }

        #expect(children.map(\.terminationStatus) == [0, 0])
        let lines = (try String(contentsOfFile: runs, encoding: .utf8)).split(separator: "\n")
        #expect(lines.count == 1)
        let store = try SQLiteTableStore(path: database)
        let row = try await store.get(from: TimerStatusRow.table, partitionKey: "Timer", rowKey: Self.job)
            .map(TimerStatusRow.init)
        #expect(row?.status == .completed)
        #expect(iso(row?.lastServedOccurrence) == "2026-01-20T01:00:00Z")
    }

    @Test(
        "child process: one tick against the shared SQLite file",
        .enabled(if: ProcessInfo.processInfo.environment[databaseVariable] != nil)
    )
    func childProcessTick() async throws {
        let environment = ProcessInfo.processInfo.environment
        let database = try #require(environment[Self.databaseVariable])
        let runs = try #require(environment[Self.runLogVariable])
        let go = try #require(environment[Self.goVariable])
        let store = FaultyStore(base: try SQLiteTableStore(path: database), readDelayMilliseconds: 100)
        var fixture = TimerFixture(store: store, at: utc(Self.instant))
        fixture.register("Start-Shared") { _ in
            Self.append("run by \(getpid())\n", to: runs)
            try await Task.sleep(nanoseconds: 200_000_000)
            return .completed(["Pid": .integer(Int64(getpid()))])
        }
        let catalogue = fixture.catalogue(
            catalogueJSON(entry(id: Self.job, command: "Start-Shared", cron: "0 0 1 * * *"))
        )

        while !FileManager.default.fileExists(atPath: go) { try await Task.sleep(nanoseconds: 2_000_000) }
        let report = await fixture.service(catalogue, instance: "process-\(getpid())").tick()

        #expect(report.failure == nil)
    }

    /// Creates the job's status row beforehand, so both children read it and race only on the claim.
    static func createRow(database: String) async throws {
        var fixture = TimerFixture(store: try SQLiteTableStore(path: database))
        fixture.registerRecorder("Start-Shared")
        let catalogue = fixture.catalogue(catalogueJSON(entry(id: job, command: "Start-Shared", cron: "0 0 1 * * *")))
        let report = await fixture.tick(catalogue, at: "2026-01-19T12:00:00Z")
        #expect(report.outcome(for: job) == .notDue(next: utc("2026-01-20T01:00:00Z")))
    }

    static func spawn(_ binary: String, environment extra: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--testing-library", "swift-testing", "--filter", "childProcessTick"]
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Appends with O_APPEND, so that lines from both processes never overwrite each other.
    static func append(_ line: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = Array(line.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
