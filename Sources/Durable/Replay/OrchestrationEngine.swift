import Foundation
import LinkTomeCore

/// Runs one orchestrator episode: request in, response out, always a valid response.
///
/// The Durable extension fails an orchestration for good when the orchestrator answers anything
/// but a 200 with a decodable response (protocol notes §3.4), so every outcome — orchestrator
/// errors, non-determinism, an unknown orchestrator name, even undecodable request bytes — is
/// reported inside the response as `completeOrchestration` FAILED with failure details.
public enum OrchestrationEngine {
    /// Runs the episode in `requestBase64` (standard base64 of an `OrchestratorRequest`) and
    /// returns the base64 `OrchestratorResponse` to answer as `ReturnValue`.
    public static func run(
        requestBase64: String,
        registry: OrchestratorRegistry,
        logger: Logger = .silent
    ) async -> String {
        let response: OrchestratorResponse
        do {
            guard let bytes = Base64Bytes.decodeReusingBuffer(requestBase64) else {
                throw DurableError.invalidBase64(length: requestBase64.utf8.count)
            }
            response = await replay(
                ReplayState(history: try HistorySource(wire: bytes)),
                registry: registry,
                logger: logger
            )
            Base64Bytes.recycle(bytes)
        } catch {
            logger.error("orchestration request is unreadable", metadata: ["error": "\(error)"])
            response = unreadableRequest(error)
        }
        return response.protobufBytes.base64
    }

    /// Runs the episode carried by an orchestration trigger's `Data` object and returns the
    /// base64 response for `ReturnValue`.
    ///
    /// The trigger value is the base64 text JSON-quoted once more by the host; it is decoded once
    /// (a bare base64 string is accepted too). A missing or unreadable value still gets a valid
    /// FAILED response, like unreadable bytes.
    /// - Throws: ``DurableError/legacyProtocol(workerRuntime:)`` only, when the value is the legacy
    ///   JSON protocol's payload, which means `FUNCTIONS_WORKER_RUNTIME` is not `custom`. No
    ///   protobuf answer can help then; the caller should log the message and fail the invocation.
    public static func run(
        data: [String: JSONValue],
        binding: String,
        registry: OrchestratorRegistry,
        settings: Settings = .process,
        logger: Logger = .silent
    ) async throws(DurableError) -> String {
        let value = JSONValue.object(data).member(caseInsensitive: binding)
        let base64: String
        do {
            base64 = try requestText(value, settings: settings)
        } catch {
            if case .legacyProtocol = error { throw error }
            logger.error("orchestration trigger value is unreadable", metadata: ["error": error.description])
            return unreadableRequest(error).protobufBytes.base64
        }
        return await run(requestBase64: base64, registry: registry, logger: logger)
    }

    /// Explains a `FUNCTIONS_WORKER_RUNTIME` setting that makes the extension use the legacy
    /// protocol; `nil` when it is `custom` (in any case).
    public static func workerRuntimeProblem(settings: Settings) -> DurableError? {
        let runtime = settings["FUNCTIONS_WORKER_RUNTIME"]
        guard runtime?.replacingOccurrences(of: "-", with: "").lowercased() != "custom" else { return nil }
        return .legacyProtocol(workerRuntime: runtime)
    }

    /// Replays `request` against the orchestrator it names.
    public static func execute(
        _ request: OrchestratorRequest,
        registry: OrchestratorRegistry,
        logger: Logger = .silent
    ) async -> OrchestratorResponse {
        await replay(ReplayState(history: HistorySource(request: request)), registry: registry, logger: logger)
    }

    private static func replay(
        _ replay: ReplayState,
        registry: OrchestratorRegistry,
        logger: Logger
    ) async -> OrchestratorResponse {
        while replay.interrupted == nil, let event = replay.nextEvent() {
            if case .executionStarted(let started) = event.kind, replay.started == nil {
                replay.begin(started, timestamp: event.timestamp)
                await invoke(started.name, replay: replay, registry: registry, logger: logger)
            } else {
                replay.apply(event)
            }
        }
        if replay.started == nil, replay.completion == nil {
            replay.finish(.failed(TaskFailureDetails(errorType: "InvalidHistory", errorMessage: noStartMessage)))
        }

        let response = replay.response()
        replay.teardown()
        logger.debug(
            "orchestration episode replayed",
            metadata: [
                "orchestration.instance": replay.instanceId, "orchestration.name": replay.started?.name ?? "",
                "events.past": String(replay.history.pastCount), "events.new": String(replay.history.newCount),
                "actions": String(response.actions.count),
            ]
        )
        return response
    }

    private static let noStartMessage = "the orchestration history has no ExecutionStarted event"

    private static func invoke(
        _ name: String,
        replay: ReplayState,
        registry: OrchestratorRegistry,
        logger: Logger
    ) async {
        guard let function = registry.function(named: name) else {
            let known = registry.names.joined(separator: ", ")
            let message = "no orchestrator named '\(name)' is registered (known: \(known.isEmpty ? "none" : known))"
            replay.finish(.failed(TaskFailureDetails(errorType: "OrchestratorNotRegistered", errorMessage: message)))
            return
        }

        let context = OrchestrationContext(replay: replay, logger: logger)
        do {
            replay.functionReturned(try await function(context))
        } catch {
            replay.functionThrew(error)
        }
    }

    private static func unreadableRequest(_ error: any Error) -> OrchestratorResponse {
        let details = TaskFailureDetails(
            errorType: "InvalidOrchestratorRequest",
            errorMessage: "the orchestration request could not be read: \(error)",
            isNonRetriable: true
        )
        let completion = CompleteOrchestrationAction(
            orchestrationStatus: .failed,
            result: JSONValue.string(details.errorMessage).jsonText,
            failureDetails: details
        )
        return OrchestratorResponse(actions: [OrchestratorAction(id: 0, kind: .completeOrchestration(completion))])
    }

    /// The base64 request text inside an orchestration trigger value.
    static func requestText(_ value: JSONValue?, settings: Settings) throws(DurableError) -> String {
        guard case .string(let text) = value else {
            if value?.objectValue?["history"] != nil { throw legacy(settings) }
            throw .invalidTriggerValue("the orchestration trigger value is missing or not a string")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("\"") || trimmed.hasPrefix("{") else { return trimmed }

        switch try? JSONParser.parse(trimmed) {
        case .string(let inner):
            if inner.hasPrefix("{"), (try? JSONParser.parse(inner))?["history"] != nil { throw legacy(settings) }
            return inner
        case .object(let members) where members["history"] != nil:
            throw legacy(settings)
        default:
            throw .invalidTriggerValue("the orchestration trigger value is neither base64 nor quoted base64")
        }
    }

    private static func legacy(_ settings: Settings) -> DurableError {
        .legacyProtocol(workerRuntime: settings["FUNCTIONS_WORKER_RUNTIME"])
    }
}

/// Turns orchestrator errors into the failure details of a failed orchestration.
enum FailureDetailsBuilder {
    static func details(for error: any Error) -> TaskFailureDetails {
        switch error {
        case let failed as ActivityFailed:
            return TaskFailureDetails(
                errorType: "TaskFailedError",
                errorMessage: "Task '\(failed.name)' (#\(failed.taskId)) failed: \(failed.message)",
                innerFailure: failed.failureDetails
            )
        case let failed as SubOrchestrationFailed:
            return TaskFailureDetails(
                errorType: "TaskFailedError",
                errorMessage: "Sub-orchestration '\(failed.name)' (#\(failed.taskId)) failed: \(failed.message)",
                innerFailure: failed.failureDetails
            )
        case let failure as ActivityFailure:
            return TaskFailureDetails(errorType: failure.errorType, errorMessage: failure.message)
        default:
            return TaskFailureDetails(errorType: String(describing: type(of: error)), errorMessage: "\(error)")
        }
    }
}
