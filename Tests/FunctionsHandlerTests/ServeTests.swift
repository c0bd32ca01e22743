import Glibc
import LinkTomeCore
import LinkTomeHTTP
import Synchronization
import Testing

@testable import FunctionsHandler

/// Waits until `sink` holds a `listening` record and returns its port.
private func listeningPort(_ sink: CollectingSink) async throws -> Int {
    for _ in 0..<500 {
        if let record = sink.collected.first(where: { $0.message == "listening" }),
            let port = record.metadata["http.port"].flatMap(Int.init)
        {
            return port
        }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw FunctionsHandlerError.notReady("the server never logged its port")
}

@Suite("Serving the custom handler")
struct ServeTests {
    @Test("the port comes from FUNCTIONS_CUSTOMHANDLER_PORT, else FUNCTIONS_HTTPWORKER_PORT, else 8080")
    func portSettings() throws {
        let both = Settings(["FUNCTIONS_CUSTOMHANDLER_PORT": "7001", "FUNCTIONS_HTTPWORKER_PORT": "7002"])

        #expect(try FunctionsApp.serverConfiguration(both).port == 7001)
        #expect(try FunctionsApp.serverConfiguration(Settings(["FUNCTIONS_HTTPWORKER_PORT": "7002"])).port == 7002)
        #expect(try FunctionsApp.serverConfiguration(Settings([:])).port == 8080)
        #expect(throws: FunctionsHandlerError.invalidPort(setting: "FUNCTIONS_CUSTOMHANDLER_PORT", value: "http")) {
            try FunctionsApp.serverConfiguration(Settings(["FUNCTIONS_CUSTOMHANDLER_PORT": "http"]))
        }
    }

    @Test("out-of-range server settings are rejected at start-up with the setting's name")
    func settingRanges() throws {
        let bad = [
            ("LINKTOME_HTTP_MAX_BODY_BYTES", "-5"), ("LINKTOME_HTTP_MAX_CONNECTIONS", "0"),
            ("LINKTOME_HTTP_IDLE_TIMEOUT", "0"), ("LINKTOME_HTTP_REQUEST_TIMEOUT", "-1"),
        ]
        for (name, value) in bad {
            do {
                _ = try FunctionsApp.serverConfiguration(Settings([name: value]))
                Issue.record("\(name)=\(value) was accepted")
            } catch {
                #expect("\(error)".contains("\(name)='\(value)' is invalid"))
            }
        }
        #expect(throws: FunctionsHandlerError.self) {
            try FunctionsApp.shutdownGrace(Settings(["LINKTOME_SHUTDOWN_GRACE": "-1"]))
        }
        #expect(try FunctionsApp.shutdownGrace(Settings(["LINKTOME_SHUTDOWN_GRACE": "0"])) == 0)
        #expect(try FunctionsApp.shutdownGrace(Settings([:])) == nil)
        let fine = try FunctionsApp.serverConfiguration(
            Settings(["LINKTOME_HTTP_MAX_BODY_BYTES": "1", "LINKTOME_HTTP_MAX_CONNECTIONS": "1"])
        )
        #expect(fine.maxConnections == 1 && fine.limits.maxBodyBytes == 1)
        let port = FunctionsHandlerError.invalidPort(setting: "FUNCTIONS_CUSTOMHANDLER_PORT", value: "99999")
        #expect(port.description.contains("0 to 65535"))
    }

    @Test("serve binds before start-up work, answers GET / meanwhile, and stops gracefully on a signal")
    func lifecycle() async throws {
        let sink = CollectingSink()
        let logger = Logger(label: "test", level: .info, sink: sink)
        let heldStarted = Latch()
        let release = Latch()
        let app = FunctionsApp()
        app.register("Held") { _ in
            heldStarted.open()
            await release.wait()
            return InvocationResult(returnValue: "finished")
        }
        app.register("Quick") { _ in InvocationResult(returnValue: "quick") }
        let startupDone = Latch()
        let serving = Task {
            try await app.serve(
                settings: Settings(["FUNCTIONS_HTTPWORKER_PORT": "0"]),
                logger: logger,
                prepare: { await startupDone.wait() },
                stopSignals: [SIGUSR2]
            )
        }
        let port = try await listeningPort(sink)
        let envelope: JSONValue = ["Data": [:], "Metadata": [:]]

        // Start-up work is still running: the probe is answered, an invocation waits for it.
        let probe = try await onThread { try HandlerClient(port: port).send("GET", "/") }
        async let first = onThread { try HandlerClient(port: port).invoke("/Quick", envelope) }
        startupDone.open()
        let firstResponse = try await first

        // A signal while an invocation is in flight: it finishes, then serve returns.
        async let inFlight = onThread { try HandlerClient(port: port).invoke("/Held", envelope) }
        await heldStarted.wait()
        kill(getpid(), SIGUSR2)
        while !sink.collected.contains(where: { $0.message == "stopping" }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        release.open()
        try await serving.value
        let lastResponse = try await inFlight

        #expect(probe?.status == 200)
        #expect(firstResponse?.json["ReturnValue"] == "quick")
        #expect(lastResponse?.json["ReturnValue"] == "finished")
        #expect(lastResponse?.headers["Connection"] == "close")
        #expect(sink.collected.map(\.message).suffix(2) == ["stopping", "stopped"])
        await #expect(throws: (any Error).self) { _ = try await onThread { try HandlerClient(port: port).fd } }
    }

    @Test("a second signal stops at once, without waiting for invocations in progress")
    func secondSignal() async throws {
        let sink = CollectingSink()
        let logger = Logger(label: "test", level: .info, sink: sink)
        let heldStarted = Latch()
        let release = Latch()
        let app = FunctionsApp()
        app.register("Held") { _ in
            heldStarted.open()
            await release.wait()
            return InvocationResult(returnValue: "finished")
        }
        let serving = Task {
            try await app.serve(
                settings: Settings(["FUNCTIONS_HTTPWORKER_PORT": "0"]),
                logger: logger,
                prepare: nil,
                stopSignals: [SIGUSR1]
            )
        }
        let port = try await listeningPort(sink)
        let envelope: JSONValue = ["Data": [:], "Metadata": [:]]
        async let inFlight = onThread { try? HandlerClient(port: port).invoke("/Held", envelope) }
        await heldStarted.wait()

        kill(getpid(), SIGUSR1)
        while !sink.collected.contains(where: { $0.message == "stopping" }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(getpid(), SIGUSR1)
        try await serving.value

        let messages = sink.collected.map(\.message)
        #expect(messages.suffix(3) == ["stopping", "stopping at once", "stopped"])
        release.open()
        _ = try await inFlight
    }
}
