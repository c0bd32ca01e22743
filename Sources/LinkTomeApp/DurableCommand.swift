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
        let runs = arguments.dropFirst().first.flatMap { Int($0) } ?? 30
        return await bench(runs: max(3, runs))
    }

    /// Replays a completed fan-out of 5,000 and of 10,000 activities (10,004 and 20,004 events)
    /// from base64, as the host delivers it, and checks the targets: under 20 ms for 10,000 events
    /// and at most 2.3 times that for 20,000.
    static func bench(runs: Int) async -> Int32 {
        var registry = OrchestratorRegistry()
        registry.register("FanOut") { context in
            let count = context.input.intValue ?? 0
            let tasks = (0..<count).map { context.callActivity("Work", input: .integer(Int64($0))) }
            return .array(try await context.whenAll(tasks))
        }

        print("durable bench: \(runs) runs per size, median (min), base64 decode + protobuf decode + replay + encode")
        var medians: [Int: Double] = [:]
        for activities in [5_000, 10_000] {
            let request = fanOutHistory(activities: activities)
            let events = request.pastEvents.count + request.newEvents.count
            let base64 = request.protobufBytes.base64

            let check = await OrchestrationEngine.run(requestBase64: base64, registry: registry)
            guard completedCount(check) == activities else {
                print("  the replay did not complete the fan-out of \(activities)")
                return 1
            }
            let bytes = request.protobufBytes
            let total = await measure(runs: runs) {
                _ = await OrchestrationEngine.run(requestBase64: base64, registry: registry)
            }
            let decode = await measure(runs: runs) { _ = try? OrchestratorRequest(base64: base64) }
            let protobuf = await measure(runs: runs) { _ = try? OrchestratorRequest(protobuf: bytes) }
            let replay = await measure(runs: runs) {
                _ = await OrchestrationEngine.execute(request, registry: registry)
            }
            print(
                "  \(events) events (\(base64.utf8.count / 1_024) KiB base64): \(format(total.median)) ms "
                    + "(min \(format(total.min))), \(Int(total.median * 1e6 / Double(events))) ns/event; "
                    + "base64 \(format(decode.median - protobuf.median)), protobuf \(format(protobuf.median)), "
                    + "replay \(format(replay.median)) ms"
            )
            medians[events] = total.median
        }

        let small = medians[10_004] ?? 0
        let ratio = (medians[20_004] ?? 0) / max(small, 1e-9)
        let ok = small < 20 && ratio <= 2.3
        print("  10,000 events: \(format(small)) ms (target < 20); 20,000/10,000: \(format(ratio)) (target <= 2.3)")
        print(ok ? "  PASS" : "  FAIL")
        return ok ? 0 : 1
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
        past.reserveCapacity(activities + 3)
        for id in 0..<Int32(activities) {
            let scheduled = TaskScheduledEvent(name: "Work", input: String(id))
            past.append(HistoryEvent(eventId: id, timestamp: start, kind: .taskScheduled(scheduled)))
        }
        past.append(HistoryEvent(eventId: -1, timestamp: start, kind: .orchestratorCompleted))

        var new = [HistoryEvent(eventId: -1, timestamp: later, kind: .orchestratorStarted)]
        new.reserveCapacity(activities + 1)
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

    /// Median and minimum milliseconds of `runs` runs of `body`, after one warm-up run.
    private static func measure(runs: Int, _ body: () async -> Void) async -> (median: Double, min: Double) {
        await body()
        let clock = ContinuousClock()
        var samples: [Double] = []
        for _ in 0..<runs {
            let elapsed = await clock.measure { await body() }
            samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
        }
        samples.sort()
        return (samples[samples.count / 2], samples[0])
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
