import Durable
import Foundation
import LinkTomeCore

/// `linktome durable bench`: measures decoding and replaying large orchestration histories.
enum DurableCommand {
    static let subcommand = Subcommand(name: "durable", summary: "durable engine tools: `durable bench [runs]`") {
        arguments in
        guard arguments.first == "bench" else {
            print("usage: linktome durable bench [runs]")
            return 2
        }
        let runs = arguments.dropFirst().first.flatMap { Int($0) } ?? 60
        return await bench(runs: max(3, runs))
    }

    /// Timed runs per block of one size.
    private static let blockSize = 10

    /// One history to replay: a completed fan-out, as base64 the way the host delivers it.
    private struct Case {
        var activities: Int
        var request: OrchestratorRequest
        var base64: String
        var events: Int { request.pastEvents.count + request.newEvents.count }
    }

    /// Replays a completed fan-out of 5,000 and of 10,000 activities (10,004 and 20,004 events)
    /// from base64 and checks the targets: under 20 ms for 10,000 events, and 20,000 events at
    /// most 2.3 times that (ratio of the medians). The sizes are timed in alternating blocks, each
    /// after a warm-up run of its own size, so that load from other processes affects both alike.
    static func bench(runs: Int) async -> Int32 {
        let registry = benchRegistry()
        let cases = [5_000, 10_000].map { activities in
            let request = fanOutHistory(activities: activities)
            return Case(activities: activities, request: request, base64: request.protobufBytes.base64)
        }
        for item in cases {
            let answer = await OrchestrationEngine.run(requestBase64: item.base64, registry: registry)
            guard completedCount(answer) == item.activities else {
                print("durable bench: the replay did not complete the fan-out of \(item.activities)")
                return 1
            }
        }

        print("durable bench: \(runs) rounds of OrchestrationEngine.run(requestBase64:) (decode, replay, encode)")
        var samples: [[Double]] = [[], []]
        for _ in 0..<max(1, runs / blockSize) {
            for (index, item) in cases.enumerated() {
                _ = await OrchestrationEngine.run(requestBase64: item.base64, registry: registry)
                for _ in 0..<blockSize {
                    samples[index].append(
                        await milliseconds {
                            _ = await OrchestrationEngine.run(requestBase64: item.base64, registry: registry)
                        }
                    )
                }
            }
        }
        let (small, large) = (samples[0], samples[1])
        for (item, samples) in zip(cases, [small, large]) {
            await report(item, total: samples, registry: registry, runs: runs)
        }

        let ratio = median(large) / max(median(small), 1e-9)
        let ok = median(small) < 20 && ratio <= 2.3
        let verdict = "10,000 events: \(format(median(small))) ms (target < 20); 20,000/10,000: \(format(ratio))"
        print("  \(verdict) (target <= 2.3)")
        print(ok ? "  PASS" : "  FAIL")
        return ok ? 0 : 1
    }

    private static func benchRegistry() -> OrchestratorRegistry {
        var registry = OrchestratorRegistry()
        registry.register("FanOut") { context in
            let count = context.input.intValue ?? 0
            let tasks = (0..<count).map { context.callActivity("Work", input: .integer(Int64($0))) }
            return .array(try await context.whenAll(tasks))
        }
        return registry
    }

    /// Prints the total, and for comparison the codec alone: the request decoded into values.
    private static func report(_ item: Case, total: [Double], registry: OrchestratorRegistry, runs: Int) async {
        var decode: [Double] = []
        for _ in 0..<runs {
            decode.append(await milliseconds { _ = try? OrchestratorRequest(base64: item.base64) })
        }
        print(
            "  \(item.events) events (\(item.base64.utf8.count / 1_024) KiB base64): \(format(median(total))) ms "
                + "(min \(format(total.min() ?? 0))), \(Int(median(total) * 1e6 / Double(item.events))) ns/event; "
                + "decoding the whole request into values alone: \(format(median(decode))) ms"
        )
    }

    /// History of a fan-out of `activities` whose results all arrive in the last episode.
    static func fanOutHistory(activities: Int) -> OrchestratorRequest {
        let start = Timestamp.utc(year: 2024, month: 11, day: 5, hour: 10)
        let later = Timestamp(seconds: start.seconds + 60)
        let started = ExecutionStartedEvent(
            name: "FanOut",
            version: "",
            input: String(activities),
            orchestrationInstance: OrchestrationInstance(instanceId: "bench", executionId: "bench-1")
        )
        var past = [
            HistoryEvent(eventId: -1, timestamp: start, kind: .orchestratorStarted),
            HistoryEvent(eventId: -1, timestamp: start, kind: .executionStarted(started)),
        ]
        for id in 0..<Int32(activities) {
            let scheduled = TaskScheduledEvent(name: "Work", input: String(id))
            past.append(HistoryEvent(eventId: id, timestamp: start, kind: .taskScheduled(scheduled)))
        }
        past.append(HistoryEvent(eventId: -1, timestamp: start, kind: .orchestratorCompleted))

        var new = [HistoryEvent(eventId: -1, timestamp: later, kind: .orchestratorStarted)]
        for id in 0..<Int32(activities) {
            let completed = TaskCompletedEvent(taskScheduledId: id, result: "\"result \(id)\"")
            new.append(HistoryEvent(eventId: -1, timestamp: later, kind: .taskCompleted(completed)))
        }
        return OrchestratorRequest(instanceId: "bench", pastEvents: past, newEvents: new)
    }

    private static func completedCount(_ base64: String) -> Int? {
        guard let data = Data(base64Encoded: base64), let response = try? OrchestratorResponse(protobuf: Array(data)),
            let result = response.completion?.result
        else { return nil }
        return (try? JSONParser.parse(result))?.arrayValue?.count
    }

    private static func milliseconds(_ body: () async -> Void) async -> Double {
        let elapsed = await ContinuousClock().measure { await body() }
        return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
    }

    private static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
