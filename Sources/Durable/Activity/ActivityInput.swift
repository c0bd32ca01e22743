import LinkTomeCore

/// The input of an activity invocation, read from the trigger value the way the host sends it.
///
/// The host puts the raw input JSON text (exactly what the orchestrator scheduled) in
/// `Data[<binding>]` as a .NET string, which its envelope rule JSON-quotes once more (protocol
/// notes §1.4, §3.5). After the request body is parsed, the value is therefore a JSON string that
/// decodes once to the raw input text, or to `null` when there was no input.
public struct ActivityInput: Sendable, Equatable {
    /// The input JSON text as the orchestrator sent it; `nil` when there was no input.
    public var rawJSON: String?
    /// The parsed input; `.null` when there was none.
    public var value: JSONValue

    public init(rawJSON: String?, value: JSONValue) {
        self.rawJSON = rawJSON
        self.value = value
    }

    /// Reads `Data[<binding>]` after the request body was parsed.
    ///
    /// Tolerates a value that is not quoted (a JSON value as is) and, as a last resort, text that is
    /// not JSON at all (kept as a string).
    /// - Throws: ``DurableError/invalidTriggerValue(_:)`` when the binding is missing.
    public init(triggerValue: JSONValue?) throws(DurableError) {
        guard let triggerValue else {
            throw .invalidTriggerValue("the activity trigger binding is missing from Data")
        }
        switch triggerValue {
        case .null:
            self.init(rawJSON: nil, value: .null)
        case .string(let text):
            self = Self.decodeOnce(text)
        default:
            self.init(rawJSON: triggerValue.jsonText, value: triggerValue)
        }
    }

    private static func decodeOnce(_ text: String) -> ActivityInput {
        guard let once = try? JSONParser.parse(text) else {
            return ActivityInput(rawJSON: text, value: .string(text))
        }
        switch once {
        case .null:
            return ActivityInput(rawJSON: nil, value: .null)
        case .string(let raw):
            return ActivityInput(rawJSON: raw, value: JSONValue(historyText: raw))
        default:
            return ActivityInput(rawJSON: text, value: once)
        }
    }

    /// The parent orchestration's instance id from the invocation `Metadata` (quoted once by the host).
    public static func instanceId(metadata: [String: JSONValue]) -> String? {
        guard let value = JSONValue.object(metadata).member(caseInsensitive: "instanceId") else { return nil }
        switch value {
        case .string(let text):
            if let decoded = try? JSONParser.parse(text), case .string(let id) = decoded { return id }
            return text
        default:
            return nil
        }
    }
}

/// Runs activity code for one invocation and produces the value to answer as `ReturnValue`.
public enum ActivityExecution {
    /// Decodes the input from `data[binding]`, runs `body`, and turns a thrown error into the
    /// failure envelope (see ``ActivityOutcome``). Never throws: a missing or unreadable input
    /// becomes a non-retriable failure the orchestration can report.
    ///
    /// - Parameters:
    ///   - data: the invocation's `Data` object, parsed.
    ///   - binding: the activity trigger's binding name (matched ignoring case).
    ///   - name: the activity function's name, for logs.
    ///   - logger: where the failure is logged (the handler's per-invocation logger).
    public static func run(
        data: [String: JSONValue],
        binding: String,
        name: String,
        logger: Logger = .silent,
        body: (ActivityInput) async throws -> JSONValue
    ) async -> ActivityOutcome {
        let input: ActivityInput
        do {
            input = try ActivityInput(triggerValue: JSONValue.object(data).member(caseInsensitive: binding))
        } catch {
            let failure = ActivityFailure(
                errorType: "InvalidActivityInput",
                message: error.description,
                isNonRetriable: true
            )
            logger.error("activity input is invalid", metadata: ["activity.name": name, "error": error.description])
            return .failed(failure)
        }

        do {
            return .completed(try await body(input))
        } catch {
            let failure = ActivityFailure(error: error)
            logger.warning(
                "activity failed",
                metadata: ["activity.name": name, "error.type": failure.errorType, "error": failure.message]
            )
            return .failed(failure)
        }
    }
}
