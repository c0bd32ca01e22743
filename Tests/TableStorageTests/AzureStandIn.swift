import Foundation
import LinkTomeCore
import LinkTomeHTTP
import Synchronization
import TableStorage

/// Counts requests an Azure store sends.
final class RequestCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// The project's stand-in for Azure Table Storage (tools/table-standin): reached at
/// `LINKTOME_TEST_AZURE_URL` (e.g. `http://127.0.0.1:10002`, as scripts/test-table-standin.sh sets
/// it), or started by the tests with python3 when that is not set.
struct AzureStandIn: Sendable {
    /// The stand-in's origin, e.g. `http://127.0.0.1:10002`.
    let base: String

    static let scriptPath: String = {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return tests.deletingLastPathComponent().deletingLastPathComponent().path
            + "/tools/table-standin/table_standin.py"
    }()

    /// The first `python3` on PATH (or in /usr/bin).
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return directories.map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether the Azure backend can be tested in this run.
    static var isAvailable: Bool {
        if ProcessInfo.processInfo.environment["LINKTOME_TEST_AZURE_URL"] != nil { return true }
        return python != nil && FileManager.default.fileExists(atPath: scriptPath)
    }

    private static let started = Mutex<Task<AzureStandIn, any Error>?>(nil)

    /// The stand-in for this test run, started on first use.
    static func shared() async throws -> AzureStandIn {
        let task = started.withLock { task in
            if let task { return task }
            let created = Task { try launchOrConnect() }
            task = created
            return created
        }
        return try await task.value
    }

    private static func launchOrConnect() throws -> AzureStandIn {
        if let url = ProcessInfo.processInfo.environment["LINKTOME_TEST_AZURE_URL"] {
            return AzureStandIn(base: url.hasSuffix("/") ? String(url.dropLast()) : url)
        }
        guard let python else { throw HarnessFailure(description: "python3 not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scriptPath, "--port", "0", "--exit-with-parent", String(getpid())]
        let output = Pipe()
        process.standardOutput = output
        // Never inherit the test runner's stderr: it would keep the runner's pipe open after exit.
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 { line.append(byte) }
        guard let port = String(decoding: line, as: UTF8.self).split(separator: " ").last.flatMap({ Int($0) }) else {
            throw HarnessFailure(description: "the stand-in did not report its port")
        }
        return AzureStandIn(base: "http://127.0.0.1:\(port)")
    }

    /// An Azure store on the stand-in's account whose requests `counter` counts; retries quickly.
    /// `client` defaults to one HTTP client shared by the tests (so connections are kept alive).
    func makeStore(
        counter: RequestCounter,
        retries: Int = 3,
        client: HTTPClient = CountingTransport.shared
    ) throws -> AzureTableStore {
        let connection = try AzureConnectionString(
            parsing: "AccountName=devstoreaccount1;AccountKey=\(AzureConnectionString.developmentAccountKey);"
                + "TableEndpoint=\(base)/devstoreaccount1"
        )
        return try AzureTableStore(
            connection: connection,
            transport: CountingTransport(counter: counter, client: client),
            retry: AzureRetryPolicy(maximumRetries: retries, initialDelay: 0.01, maximumDelay: 0.05)
        )
    }

    /// Makes each page of `table` examine at most `scanLimit` entities.
    func configure(table: String, scanLimit: Int) async throws {
        _ = try await control("/_standin/config", ["table": .string(table), "scanLimit": .integer(Int64(scanLimit))])
    }

    /// Makes the next `count` requests on `table` with one of `methods` misbehave (`mode` is
    /// `apply-then-503`, `apply-then-drop` or `fail-503`).
    func injectFault(table: String, mode: String, methods: [String], count: Int = 1) async throws {
        _ = try await control(
            "/_standin/faults",
            [
                "table": .string(table), "mode": .string(mode), "methods": .array(methods.map(JSONValue.string)),
                "count": .integer(Int64(count)),
            ]
        )
    }

    struct Statistics: Sendable {
        var requests: Int
        var batches: Int
        var largestBatch: Int
        var batchPartitions: Int
    }

    /// The stand-in's counters for one table.
    func statistics(table: String) async throws -> Statistics {
        let json = try await control("/_standin/stats?table=\(table)", nil)
        return Statistics(
            requests: json["requests"]?.intValue ?? 0,
            batches: json["batches"]?.intValue ?? 0,
            largestBatch: json["largestBatch"]?.intValue ?? 0,
            batchPartitions: json["batchPartitions"]?.intValue ?? 0
        )
    }

    private func control(_ target: String, _ body: JSONValue?) async throws -> JSONValue {
        guard let url = HTTPURL(base + target) else { throw HarnessFailure(description: "bad URL") }
        let request = HTTPRequest(
            method: body == nil ? "GET" : "POST",
            target: url.target,
            headers: HTTPHeaders([("Host", url.host), ("Content-Type", "application/json")]),
            body: body?.jsonBytes ?? []
        )
        let response = try await CountingTransport(counter: nil).send(request, to: url)
        return try JSONParser.parse(response.body)
    }
}
