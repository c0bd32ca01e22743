import Durable
import Foundation
import LinkTomeCore
import Testing

@testable import DevHost

@Suite("Orchestrations through the dev host and the real binary", .serialized)
struct OrchestrationTests {
    @Test("a tick starts an orchestration in each durable mode and each completes")
    func durableModes() async throws {
        let app = try TestApp(plan: [
            planned(
                "fan",
                ["Mode": "FanOut", "MaxAttempts": 2, "RetrySeconds": 1, "Items": [item("a"), item("b"), item("c")]]
            ),
            planned(
                "seq",
                ["Mode": "Sequence", "MaxAttempts": 2, "RetrySeconds": 1, "Items": [item("a"), item("b")]]
            ),
            planned("one", ["Mode": "NoScaling", "Items": [item("a"), item("b", failTimes: 1), item("c")]]),
        ])
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            let outcomes = try await host.tick(runAll: false)
            let open = await host.waitForTrackedInstances(timeout: 60)

            #expect(outcomes.count == 1)
            if case .succeeded? = outcomes.first?.outcome {} else { Issue.record("the timer invocation failed") }
            #expect(open.isEmpty)
            #expect(host.core.trackedInstances == ["fan", "seq", "one"])

            let fan = try #require(try await host.core.durable.instance("fan"))
            #expect(fan.runtimeStatus == .completed)
            #expect(OrderedJSON.value(fan.output)["Succeeded"] == 3)
            #expect(OrderedJSON.value(fan.customStatus)["Mode"] == "FanOut")
            for name in ["a", "b", "c"] { #expect(try await workCounts(host, "fan", name) == (1, 1)) }

            let seq = try #require(try await host.core.durable.instance("seq"))
            #expect(seq.runtimeStatus == .completed)
            #expect(OrderedJSON.value(seq.output)["Succeeded"] == 2)

            // NoScaling has no retries: the failing item stops the batch, the orchestration reports it.
            let one = try #require(try await host.core.durable.instance("one"))
            #expect(one.runtimeStatus == .completed)
            #expect(OrderedJSON.value(one.output)["Succeeded"] == 1)
            #expect(OrderedJSON.value(one.output)["Failed"] == 1)
            #expect(try await workCounts(host, "one", "b") == (1, 0))
            #expect(try await workCounts(host, "one", "c") == (0, 0))
        }
    }

    @Test("a failing activity is recorded as the host records it and retried by the orchestration")
    func activityRetry() async throws {
        let input: JSONValue = [
            "Mode": "FanOut", "MaxAttempts": 3, "RetrySeconds": 1, "Items": [item("flaky", failTimes: 2)],
        ]
        let app = try TestApp(plan: [planned("retry", input)])
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: false)
            #expect(await host.waitForTrackedInstances(timeout: 60).isEmpty)

            let record = try #require(try await host.core.durable.instance("retry"))
            #expect(record.runtimeStatus == .completed)
            #expect(try await workCounts(host, "retry", "flaky") == (3, 1))

            let history = try await host.core.durable.history(of: record).events
            let failures = history.compactMap { event -> TaskFailureDetails? in
                if case .taskFailed(let failed) = event.kind { return failed.failureDetails }
                return nil
            }
            #expect(failures.count == 2)
            #expect(failures.first?.errorType == "Microsoft.Azure.WebJobs.Host.FunctionInvocationException")
            #expect(failures.first?.errorMessage == "Exception while executing function: Functions.LinkTomeActivity")
            #expect(failures.first?.innerFailure?.errorType == "System.Net.Http.HttpRequestException")
            #expect(failures.first?.innerFailure?.errorMessage.contains("500 (Internal Server Error)") == true)
            let timers = history.filter { if case .timerFired = $0.kind { return true } else { return false } }
            #expect(timers.count == 2)
        }
    }

    @Test("an orchestrator answer that is not a valid response fails the orchestration for good")
    func brokenOrchestrator() async throws {
        let app = try TestApp(plan: [planned("broken-1", ["Items": []]), planned("crash-1", ["Items": []])])
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: false)
            #expect(await host.waitForTrackedInstances(timeout: 30).isEmpty)

            let broken = try #require(try await host.core.durable.instance("broken-1"))
            #expect(broken.runtimeStatus == .failed)
            #expect(broken.failedByHost)
            #expect(broken.failure?.contains("System.FormatException") == true)
            #expect(
                OrderedJSON.value(broken.output)
                    == "Function 'LinkTomeOrchestrator' failed with an unhandled exception."
            )

            let crashed = try #require(try await host.core.durable.instance("crash-1"))
            #expect(crashed.runtimeStatus == .failed)
            #expect(crashed.failure?.contains("500 (Internal Server Error)") == true)
        }
    }

    @Test("a sub-orchestration of an unknown orchestrator fails its parent's task, not the host")
    func unknownChild() async throws {
        let input: JSONValue = [
            "Mode": "FanOut", "Items": [], "Child": ["Items": []], "ChildName": "NoSuchOrchestrator",
        ]
        let app = try TestApp(plan: [planned("orphan-parent", input)])
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: false)
            #expect(await host.waitForTrackedInstances(timeout: 30).isEmpty)
            let record = try #require(try await host.core.durable.instance("orphan-parent"))
            #expect(record.runtimeStatus == .failed)
            #expect(!record.failedByHost)
            #expect(record.failure?.contains("NoSuchOrchestrator") == true)
        }
    }

    @Test("timers, sub-orchestrations, external events and continue-as-new work end to end")
    func richOrchestration() async throws {
        let child: JSONValue = ["Mode": "Sequence", "Items": [item("child-item")]]
        let input: JSONValue = [
            "Mode": "FanOut", "TimerSeconds": 1, "Items": [item("x")], "Child": child, "WaitEvent": "Approval",
            "ContinueTimes": 1,
        ]
        let app = try TestApp(plan: [planned("rich", input)])
        defer { app.remove() }

        try await withHost(try app.host()) { host in
            _ = try await host.tick(runAll: false)
            let waiting = try await eventually {
                let status = try await webhook(host, "GET", "/instances/rich").json
                return status["runtimeStatus"] == "Running"
            }
            #expect(waiting)
            // The event may arrive before the orchestration waits for it: it is kept until then.
            let raised = try await webhook(host, "POST", "/instances/rich/raiseEvent/Approval", body: #"{"by":"test"}"#)
            #expect(raised.status == 202)
            let settled = try await eventually {
                let status = try await webhook(host, "GET", "/instances/rich").json
                return status["runtimeStatus"] == "Completed"
            }
            #expect(settled)
            let record = try #require(try await host.core.durable.instance("rich"))
            // The second execution (after continue-as-new) carries the first one's output.
            let output = OrderedJSON.value(record.output)
            let first = try #require(output["Previous"])
            #expect(output["Succeeded"] == 0)
            #expect(first["Succeeded"] == 1)
            #expect(first["Event"] == ["by": "test"])
            #expect(first["Child"]?["Succeeded"] == 1)
            #expect(record.input.map { OrderedJSON.value($0)["ContinueTimes"] } == 0)
            let history = try await host.core.durable.history(of: record).events
            #expect(history.contains { if case .executionStarted = $0.kind { return true } else { return false } })
            #expect(history.count < 10)
            #expect(try await workCounts(host, "rich", "x") == (1, 1))
        }
    }
}
