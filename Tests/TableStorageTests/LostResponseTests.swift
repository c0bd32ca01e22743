import LinkTomeCore
import LinkTomeHTTP
import Testing

@testable import TableStorage

/// Writes whose response is lost, against the stand-in: it applies the write, then answers 503 or
/// drops the connection, and the store retries.
@Suite("Lost responses and retries (Azure backend against the stand-in)", .enabled(if: AzureStandIn.isAvailable))
struct LostResponseTests {
    @Test(
        "a conditional update applied before a 503 is recognised as this caller's own write",
        arguments: ["apply-then-503", "apply-then-drop"]
    )
    func ownWriteAfterLostResponse(mode: String) async throws {
        let subject = try await StoreUnderTest.make(.azure)
        let standIn = try #require(subject.standIn)
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "none"]),
            into: subject.table
        )
        var mine = try #require(try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        mine["Owner"] = "me"
        try await standIn.injectFault(table: subject.table, mode: mode, methods: ["PUT"])
        // A new HTTP client, so the write is the first request on its connection (see the known issue below).
        let writer = try standIn.makeStore(counter: RequestCounter(), client: HTTPClient())

        let outcome = try await writer.updateIfUnchanged(mine, in: subject.table)

        guard case .appliedByEarlierAttempt(let etag) = outcome else {
            Issue.record("expected appliedByEarlierAttempt, got \(outcome)")
            return
        }
        let stored = try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r")
        #expect(stored?.etag == etag)
        #expect(stored?["Owner"] == "me")
    }

    @Test("the raw error of such a retry says the write may have been applied")
    func rawErrorIsMarked() async throws {
        let subject = try await StoreUnderTest.make(.azure)
        let standIn = try #require(subject.standIn)
        let etag = try await subject.store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: subject.table)
        try await standIn.injectFault(table: subject.table, mode: "apply-then-503", methods: ["MERGE"])

        let error = await capture {
            try await subject.store.merge(
                TableEntity(partitionKey: "p", rowKey: "r", properties: ["A": "1"]),
                in: subject.table,
                ifMatch: .matching(etag)
            )
        }
        #expect(error?.kind == .preconditionFailed)
        #expect(error?.mayHaveBeenApplied == true)
    }

    @Test("when another writer won before the retried write, the outcome is a lost race")
    func otherWriterWonDespiteRetry() async throws {
        let subject = try await StoreUnderTest.make(.azure)
        let standIn = try #require(subject.standIn)
        try await subject.store.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "none"]),
            into: subject.table
        )
        var mine = try #require(try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        var theirs = mine
        theirs["Owner"] = "them"
        try await subject.store.replace(theirs, in: subject.table, ifMatch: .matching(mine.etag!))
        // Our first attempt is refused with 503 without being applied; the retry then meets the other write.
        try await standIn.injectFault(table: subject.table, mode: "fail-503", methods: ["PUT"])
        mine["Owner"] = "me"

        let outcome = try await subject.store.updateIfUnchanged(mine, in: subject.table)

        guard case .lostRace(let current) = outcome else {
            Issue.record("expected lostRace, got \(outcome)")
            return
        }
        #expect(current?["Owner"] == "them")
    }

    @Test("an insert applied before a lost response is recognised by insertIfAbsent")
    func insertAfterLostResponse() async throws {
        let subject = try await StoreUnderTest.make(.azure)
        let standIn = try #require(subject.standIn)
        try await standIn.injectFault(table: subject.table, mode: "apply-then-drop", methods: ["POST"])
        let writer = try standIn.makeStore(counter: RequestCounter(), client: HTTPClient())

        let outcome = try await writer.insertIfAbsent(
            TableEntity(partitionKey: "p", rowKey: "claim", properties: ["Owner": "invocation-42"]),
            into: subject.table
        )

        guard case .appliedByEarlierAttempt = outcome else {
            Issue.record("expected appliedByEarlierAttempt, got \(outcome)")
            return
        }
        let raw = await capture {
            try await subject.store.insert(TableEntity(partitionKey: "p", rowKey: "claim"), into: subject.table)
        }
        #expect(raw?.code == "EntityAlreadyExists")
        #expect(raw?.mayHaveBeenApplied == false)
    }

    @Test("a dropped answer to a write on a kept-alive connection reaches the store, which finds its write applied")
    func hiddenResendOnKeptAliveConnection() async throws {
        let subject = try await StoreUnderTest.make(.azure)
        let standIn = try #require(subject.standIn)
        let client = HTTPClient()
        let writer = try standIn.makeStore(counter: RequestCounter(), client: client)
        try await writer.insert(
            TableEntity(partitionKey: "p", rowKey: "r", properties: ["Owner": "none"]),
            into: subject.table
        )
        var mine = try #require(try await writer.get(from: subject.table, partitionKey: "p", rowKey: "r"))
        mine["Owner"] = "me"
        try await standIn.injectFault(table: subject.table, mode: "apply-then-drop", methods: ["PUT"])

        let outcome = try await writer.updateIfUnchanged(mine, in: subject.table)

        // HTTPClient does not resend a write itself; the store's retry re-reads and recognises its own write.
        #expect(outcome.succeeded)
    }

    @Test("reads are retried on 503 and give up as throttled after the last retry")
    func retriesThenGivesUp() async throws {
        let subject = try await StoreUnderTest.make(.azure)
        let standIn = try #require(subject.standIn)
        try await subject.store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: subject.table)

        try await standIn.injectFault(table: subject.table, mode: "fail-503", methods: ["GET"], count: 2)
        let sentBefore = subject.requests?.value ?? 0
        #expect(try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r") != nil)
        #expect((subject.requests?.value ?? 0) - sentBefore == 3)

        try await standIn.injectFault(table: subject.table, mode: "fail-503", methods: ["GET"], count: 10)
        let error = await capture { try await subject.store.get(from: subject.table, partitionKey: "p", rowKey: "r") }
        #expect(error?.kind == .throttled)
        #expect(error?.code == "ServerBusy")
    }

    @Test("a client error (409) is not retried")
    func clientErrorsAreNotRetried() async throws {
        let subject = try await StoreUnderTest.make(.azure)
        try await subject.store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: subject.table)
        let sentBefore = subject.requests?.value ?? 0
        let error = await capture {
            try await subject.store.insert(TableEntity(partitionKey: "p", rowKey: "r"), into: subject.table)
        }
        #expect(error?.kind == .conflict)
        #expect((subject.requests?.value ?? 0) - sentBefore == 1)
    }
}
