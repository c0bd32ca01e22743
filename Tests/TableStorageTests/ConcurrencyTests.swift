import Foundation
import LinkTomeCore
import Testing

@testable import TableStorage

@Suite("Optimistic concurrency")
struct ConcurrencyTests {
    @Test(
        "two writers racing from the same read: exactly one wins, the other gets preconditionFailed",
        arguments: StoreKind.available
    )
    func racingWriters(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "none"]),
            into: subject.table
        )
        let read = try #require(try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r"))

        let outcomes = try await withThrowingTaskGroup(of: Result<String, TableStorageError>.self) { group in
            for owner in ["alice", "bob"] {
                var mine = read
                mine["Owner"] = .string(owner)
                group.addTask {
                    do {
                        return .success(
                            try await subject.store.replace(mine, in: subject.table, ifMatch: .matching(read.etag!))
                        )
                    } catch let error as TableStorageError {
                        return .failure(error)
                    }
                }
            }
            var results: [Result<String, TableStorageError>] = []
            for try await result in group { results.append(result) }
            return results
        }

        let wins = outcomes.compactMap { try? $0.get() }
        let losses = outcomes.compactMap { if case .failure(let error) = $0 { error } else { nil } }
        #expect(wins.count == 1)
        #expect(losses.map(\.kind) == [.preconditionFailed])
        let final = try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r")
        #expect(final?.etag == wins.first)
    }

    @Test("updateIfUnchanged reports a lost race with the winner's entity", arguments: StoreKind.available)
    func verifiedUpdateLosesRace(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "none"]),
            into: subject.table
        )
        var read = try #require(try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        var other = read
        other["Owner"] = "other"
        let first = try await subject.store.updateIfUnchanged(other, in: subject.table)
        #expect(first.succeeded)

        read["Owner"] = "me"
        let second = try await subject.store.updateIfUnchanged(read, in: subject.table)
        guard case .lostRace(let current) = second else {
            Issue.record("expected a lost race, got \(second)")
            return
        }
        #expect(current?["Owner"] == "other")
    }

    @Test("insertIfAbsent: the first claim applies, a second one loses to it", arguments: StoreKind.available)
    func verifiedInsert(kind: StoreKind) async throws {
        let subject = try await StoreUnderTest.make(kind)
        let first = try await subject.store.insertIfAbsent(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "a"]),
            into: subject.table
        )
        let second = try await subject.store.insertIfAbsent(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "b"]),
            into: subject.table
        )
        #expect(first.succeeded)
        guard case .lostRace(let current) = second else {
            Issue.record("expected a lost race, got \(second)")
            return
        }
        #expect(current?["Owner"] == "a")
    }
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("several connections to one file see each other's writes and race safely")
    func sharedFile() async throws {
        let path = temporaryDatabasePath()
        let first = try SQLiteTableStore(path: path)
        let second = try SQLiteTableStore(path: path)
        try await first.createTable("Shared")
        try await first.insert(
            TableEntity(partitionKey: "p", rowKey: "counter", properties: ["N": .int32(0)]),
            into: "Shared"
        )

        // 2 stores x 25 increments, each a read-modify-write retried on precondition failure.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in [first, second] {
                group.addTask {
                    for _ in 0..<25 { try await increment(store) }
                }
            }
            try await group.waitForAll()
        }

        let final = try await second.get(from: "Shared", partitionKey: "p", rowKey: "counter")
        #expect(final?["N"] == .int32(50))
        #expect(try await first.listTables() == ["Shared"])
    }

    @Test("the file is in WAL mode and keeps data across reopening")
    func persistence() async throws {
        let path = temporaryDatabasePath()
        do {
            let store = try SQLiteTableStore(path: path)
            try await store.createTable("Kept")
            try await store.insert(
                TableEntity(partitionKey: "p", rowKey: "r", properties: ["V": .int64(1)]),
                into: "Kept"
            )
        }
        let reopened = try SQLiteTableStore(path: path)
        #expect(try await reopened.get(from: "kept", partitionKey: "p", rowKey: "r")?["V"] == .int64(1))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test("ETags differ on every write even when the clock stands still")
    func etagsChange() async throws {
        let clock = ManualTimeSource(Date(timeIntervalSince1970: 1_700_000_000))
        let store = try SQLiteTableStore(path: temporaryDatabasePath(), clock: clock)
        try await store.createTable("Tags")
        var seen = Set<String>()
        for _ in 0..<20 {
            seen.insert(try await store.upsert(TableEntity(partitionKey: "p", rowKey: "r"), in: "Tags"))
        }
        try await store.delete(from: "Tags", partitionKey: "p", rowKey: "r")
        seen.insert(try await store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: "Tags"))
        #expect(seen.count == 21)
    }

    @Test("an unwritable path fails with a configuration error")
    func unwritablePath() {
        #expect(throws: TableStorageError.self) { try SQLiteTableStore(path: "/proc/linktome/x.sqlite") }
    }
}

private func increment(_ store: SQLiteTableStore) async throws {
    while true {
        guard var entity = try await store.get(from: "Shared", partitionKey: "p", rowKey: "counter"),
            let value = entity["N"]?.int32Value
        else { throw TableStorageError(.notFound, code: "Missing", message: "counter row missing") }
        entity["N"] = .int32(value + 1)
        if try await store.updateIfUnchanged(entity, in: "Shared").succeeded { return }
    }
}
