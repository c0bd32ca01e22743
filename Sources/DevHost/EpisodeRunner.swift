import Durable
import Foundation
import LinkTomeCore

/// Runs orchestration episodes as the Durable extension's out-of-process middleware does
/// (protocol notes §3.3, §3.4): past events from the stored history plus the messages that arrived,
/// sent as a base64 `OrchestratorRequest` to the orchestrator function; the base64
/// `OrchestratorResponse` in `ReturnValue` is decoded and its actions applied.
///
/// An answer that is not a 200 with a decodable response, or that holds an action the extension
/// does not support, fails the orchestration for good, exactly as the extension does; a timeout
/// abandons the episode, which is tried again later.
struct EpisodeRunner: Sendable {
    let core: HostCore

    var durable: DurableStore { core.durable }
    var logger: Logger { core.logger }

    /// Processes the messages waiting for `instanceId`, if this host gets the lease.
    func process(_ instanceId: String) async {
        do {
            try await run(instanceId)
        } catch {
            logger.error(
                "orchestration episode failed",
                metadata: ["orchestration.instance": instanceId, "error": "\(error)"]
            )
        }
    }

    private func run(_ instanceId: String) async throws(DevHostError) {
        let now = core.now()
        guard let found = try await durable.instance(instanceId) else {
            let orphans = try await durable.messages(for: instanceId, now: now).map(\.key)
            try await durable.deleteMessages(instanceId, keys: orphans)
            return
        }
        guard !found.leaseHeld(byOtherThan: core.owner, at: now) else { return }
        var leased = found
        leased.leaseOwner = core.owner
        leased.leaseExpires = now.advanced(bySeconds: core.leaseSeconds)
        guard let record = try await durable.update(leased) else { return }
        do {
            try await work(on: record, now: now)
        } catch {
            // Give the lease back so the episode is tried again soon (a no-op once it committed).
            try? await release(record)
            throw error
        }
    }

    private func work(on record: InstanceRecord, now: Timestamp) async throws(DevHostError) {
        let instanceId = record.instanceId
        let (past, consumed) = try await durable.history(of: record)
        var messages = try await durable.messages(for: instanceId, now: now)
        let dropped = messages.filter {
            consumed.contains($0.key) || !$0.belongs(to: record) || record.runtimeStatus.isTerminal
        }
        messages.removeAll { message in dropped.contains(where: { $0.key == message.key }) }
        try await durable.deleteMessages(instanceId, keys: dropped.map(\.key))
        guard !messages.isEmpty else {
            try await release(record)
            return
        }

        let newEvents = [HistoryEvent(eventId: -1, timestamp: now, kind: .orchestratorStarted)] + messages.map(\.event)
        let episode = Episode(record: record, past: past, newEvents: newEvents, consumed: messages.map(\.key), now: now)
        try await execute(episode)
    }

    private func execute(_ episode: Episode) async throws(DevHostError) {
        let record = episode.record
        guard let function = core.layout.orchestrator(named: record.name) else {
            let message =
                "The function '\(record.name)' doesn't exist, is disabled, or is not an orchestrator function."
            try await failByHost(episode, InvocationFailure("System.ArgumentException", message))
            return
        }
        let request = OrchestratorRequest(
            instanceId: record.instanceId,
            pastEvents: episode.past,
            newEvents: episode.newEvents
        )
        let body = HostEnvelope.orchestratorBody(
            functionName: function.name,
            binding: function.binding,
            requestBase64: request.protobufBytes.base64,
            now: episode.now.date
        )
        let outcome = await core.invoker.invoke(
            function.name,
            body: body,
            context: ["orchestration.instance": record.instanceId, "events.new": "\(episode.newEvents.count)"]
        )
        switch outcome {
        case .timedOut, .handlerDied:
            // An episode has no side effects: when the handler died under it, it runs again once
            // the handler is back, instead of failing the orchestration.
            try await abandon(record)
        case .failed(let failure):
            try await failByHost(episode, failure)
        case .succeeded(let returnValue, _):
            switch Self.decode(returnValue) {
            case .failure(let failure):
                try await failByHost(episode, failure)
            case .success(let response):
                if let problem = Self.unsupportedAction(response) {
                    try await failByHost(episode, problem)
                    return
                }
                try await ActionApplier(core: core, episode: episode).apply(response)
            }
        }
    }

    /// The response in `ReturnValue`, read as `OutOfProcMiddleware` reads it.
    static func decode(_ returnValue: JSONValue?) -> Result<OrchestratorResponse, InvocationFailure> {
        guard case .string(let text)? = returnValue, !text.isEmpty else {
            return .failure(
                InvocationFailure(
                    "System.InvalidOperationException",
                    "The function invocation resulted in a null response. This means that either the orchestrator "
                        + "function was implemented incorrectly or the Durable Task language SDK was implemented "
                        + "incorrectly."
                )
            )
        }
        let compact = text.filter { !$0.isWhitespace }
        guard compact.utf8.count % 4 == 0, let bytes = [UInt8](base64: compact) else {
            return .failure(
                InvocationFailure(
                    "System.FormatException",
                    "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two "
                        + "padding characters, or an illegal character among the padding characters."
                )
            )
        }
        do {
            return .success(try OrchestratorResponse(protobuf: bytes))
        } catch {
            return .failure(InvocationFailure("Google.Protobuf.InvalidProtocolBufferException", error.description))
        }
    }

    /// The first action `ProtobufUtils.ToOrchestratorAction` rejects, as the failure it causes.
    static func unsupportedAction(_ response: OrchestratorResponse) -> InvocationFailure? {
        for action in response.actions {
            let problem: String?
            switch action.kind {
            case .scheduleTask, .createTimer, .sendEvent, .completeOrchestration:
                problem = nil
            case .createSubOrchestration(let sub):
                problem = sub.instanceId.isEmpty ? "createSubOrchestration action \(action.id) has no instance id" : nil
            case .terminateOrchestration: problem = "Received unsupported action type 'TerminateOrchestration'."
            case .sendEntityMessage: problem = "Received unsupported action type 'SendEntityMessage'."
            case .rewindOrchestration: problem = "Received unsupported action type 'RewindOrchestration'."
            case .none: problem = "Received an action (id \(action.id)) with no type."
            }
            if let problem { return InvocationFailure("System.NotSupportedException", problem) }
        }
        return nil
    }

    /// Fails the orchestration for good because its episode could not run (§3.4: "failed for
    /// some other reason").
    private func failByHost(_ episode: Episode, _ failure: InvocationFailure) async throws(DevHostError) {
        let message = "Function '\(episode.record.name)' failed with an unhandled exception."
        logger.warning(
            "orchestration failed by the host",
            metadata: ["orchestration.instance": episode.record.instanceId, "error": failure.description]
        )
        let details = TaskFailureDetails(
            errorType: "Microsoft.Azure.WebJobs.Host.FunctionInvocationException",
            errorMessage: message,
            innerFailure: TaskFailureDetails(errorType: failure.exceptionType, errorMessage: failure.message)
        )
        let completion = CompleteOrchestrationAction(
            orchestrationStatus: .failed,
            result: message,
            failureDetails: details
        )
        let response = OrchestratorResponse(
            instanceId: episode.record.instanceId,
            actions: [OrchestratorAction(id: -1, kind: .completeOrchestration(completion))]
        )
        try await ActionApplier(core: core, episode: episode, failedByHost: true).apply(response)
    }

    /// Gives the episode up without recording anything; it is tried again in a few seconds.
    private func abandon(_ record: InstanceRecord) async throws(DevHostError) {
        var retry = record
        retry.leaseOwner = "abandoned"
        retry.leaseExpires = core.now().advanced(bySeconds: 1)
        _ = try await durable.update(retry)
    }

    private func release(_ record: InstanceRecord) async throws(DevHostError) {
        var released = record
        released.leaseOwner = ""
        released.leaseExpires = nil
        _ = try await durable.update(released)
    }
}

/// One episode: the instance as leased, its history, the new events and the messages they came from.
struct Episode: Sendable {
    var record: InstanceRecord
    var past: [HistoryEvent]
    var newEvents: [HistoryEvent]
    var consumed: [String]
    var now: Timestamp
}

extension DurableMessage {
    /// Whether the message is for `record`'s current execution (or for any execution).
    func belongs(to record: InstanceRecord) -> Bool {
        executionId.isEmpty || executionId == record.executionId
    }
}

extension Timestamp {
    /// This instant moved by whole seconds.
    func advanced(bySeconds seconds: Int64) -> Timestamp {
        Timestamp(seconds: self.seconds + seconds, nanoseconds: nanoseconds)
    }
}
