import LinkTomeCore
import LinkTomeHTTP

/// Where and how to call the Durable webhook API, read from a `durableClient` binding value.
public struct DurableClientDescriptor: Sendable, Equatable {
    /// The task hub, sent as `taskHub=` on every call when known.
    public var taskHubName: String?
    /// The storage connection setting name, sent as `connection=` when set.
    public var connectionName: String?
    /// The webhook base, e.g. `http://localhost:7071/runtime/webhooks/durabletask` (no trailing `/`).
    public var baseURL: String
    /// The query string (without `?`) every call must carry, e.g. `code=<system key>`, used verbatim.
    public var requiredQueryStringParameters: String
    /// The extension's local gRPC endpoint (not used by this client).
    public var rpcBaseURL: String?

    /// The webhook path below the host, used when the binding names no URL.
    public static let webhookPath = "/runtime/webhooks/durabletask"

    public init(
        taskHubName: String? = nil,
        connectionName: String? = nil,
        baseURL: String,
        requiredQueryStringParameters: String = "",
        rpcBaseURL: String? = nil
    ) {
        self.taskHubName = taskHubName
        self.connectionName = connectionName
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.requiredQueryStringParameters = requiredQueryStringParameters
        self.rpcBaseURL = rpcBaseURL
    }

    /// Reads `Data[<durableClient binding>]` after the request body was parsed.
    ///
    /// The host sends the descriptor as a string holding JSON text, JSON-quoted once more, so it is
    /// decoded twice (an object, or text decoded once, is accepted too). Every field may be absent
    /// or null. The base URL is `httpBaseUrl`, else `baseUrl`, else built from `WEBSITE_HOSTNAME`
    /// (`https://`, or `http://` for localhost), else `http://localhost:7071` plus ``webhookPath``.
    /// - Throws: ``DurableError/invalidClientBinding(_:)`` when the value is not such a descriptor
    ///   or the URL is unusable.
    public init(bindingValue: JSONValue?, settings: Settings = .process) throws(DurableError) {
        let fields = try Self.object(bindingValue)
        let text = { (key: String) -> String? in
            guard let value = fields[key]?.stringValue, !value.isEmpty else { return nil }
            return value
        }
        let base = text("httpBaseUrl") ?? text("baseUrl") ?? Self.fallbackBase(settings: settings)
        guard HTTPURL(base) != nil else {
            throw .invalidClientBinding("the webhook base URL '\(base)' is not an http(s) URL")
        }
        self.init(
            taskHubName: text("taskHubName"),
            connectionName: text("connectionName"),
            baseURL: base,
            requiredQueryStringParameters: text("requiredQueryStringParameters") ?? "",
            rpcBaseURL: text("rpcBaseUrl")
        )
    }

    private static func object(_ value: JSONValue?) throws(DurableError) -> [String: JSONValue] {
        var current = value
        for _ in 0..<3 {
            switch current {
            case .object(let fields):
                return fields
            case .string(let text):
                guard let parsed = try? JSONParser.parse(text) else {
                    throw .invalidClientBinding("the binding value is not JSON: \(text.prefix(80))")
                }
                current = parsed
            case nil:
                throw .invalidClientBinding("the durableClient binding is missing from Data")
            default:
                throw .invalidClientBinding("the binding value is not a JSON object")
            }
        }
        throw .invalidClientBinding("the binding value is quoted more than twice")
    }

    private static func fallbackBase(settings: Settings) -> String {
        guard let host = settings["WEBSITE_HOSTNAME"] else { return "http://localhost:7071" + webhookPath }
        let local = host.hasPrefix("localhost") || host.hasPrefix("127.0.0.1")
        return (local ? "http://" : "https://") + host + webhookPath
    }
}

/// `runtimeStatus` values of the webhook API; unknown names are kept.
public struct RuntimeStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let running = RuntimeStatus(rawValue: "Running")
    public static let completed = RuntimeStatus(rawValue: "Completed")
    public static let continuedAsNew = RuntimeStatus(rawValue: "ContinuedAsNew")
    public static let failed = RuntimeStatus(rawValue: "Failed")
    public static let canceled = RuntimeStatus(rawValue: "Canceled")
    public static let terminated = RuntimeStatus(rawValue: "Terminated")
    public static let pending = RuntimeStatus(rawValue: "Pending")
    public static let suspended = RuntimeStatus(rawValue: "Suspended")

    /// Whether the instance will not run again (Completed, Failed, Terminated, Canceled).
    public var isFinished: Bool {
        [.completed, .failed, .terminated, .canceled].contains(self)
    }

    public var description: String { rawValue }
}

/// An orchestration instance as the status API reports it.
public struct InstanceStatus: Sendable, Equatable {
    public var name: String
    public var instanceId: String
    public var runtimeStatus: RuntimeStatus
    public var input: JSONValue
    public var customStatus: JSONValue
    /// The output; for a failed orchestration, what the failure put there (the error message).
    public var output: JSONValue
    public var createdTime: Timestamp?
    public var lastUpdatedTime: Timestamp?

    public init(
        name: String,
        instanceId: String,
        runtimeStatus: RuntimeStatus,
        input: JSONValue = .null,
        customStatus: JSONValue = .null,
        output: JSONValue = .null,
        createdTime: Timestamp? = nil,
        lastUpdatedTime: Timestamp? = nil
    ) {
        self.name = name
        self.instanceId = instanceId
        self.runtimeStatus = runtimeStatus
        self.input = input
        self.customStatus = customStatus
        self.output = output
        self.createdTime = createdTime
        self.lastUpdatedTime = lastUpdatedTime
    }

    /// Reads one status object; `nil` when it has no `instanceId`.
    public init?(json: JSONValue) {
        guard let instanceId = json["instanceId"]?.stringValue else { return nil }
        self.init(
            name: json["name"]?.stringValue ?? "",
            instanceId: instanceId,
            runtimeStatus: RuntimeStatus(rawValue: json["runtimeStatus"]?.stringValue ?? "Unknown"),
            input: json["input"] ?? .null,
            customStatus: json["customStatus"] ?? .null,
            output: json["output"] ?? .null,
            createdTime: json["createdTime"]?.stringValue.flatMap { Timestamp(iso8601: $0) },
            lastUpdatedTime: json["lastUpdatedTime"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        )
    }

    /// The status object as the webhook API writes it.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "instanceId": .string(instanceId), "runtimeStatus": .string(runtimeStatus.rawValue),
            "input": input, "customStatus": customStatus, "output": output,
        ]
        object["createdTime"] = createdTime.map { .string($0.iso8601(fractionDigits: 0)) } ?? .null
        object["lastUpdatedTime"] = lastUpdatedTime.map { .string($0.iso8601(fractionDigits: 0)) } ?? .null
        return .object(object)
    }
}

/// Which instances a list or purge covers; empty fields do not filter.
public struct InstanceFilter: Sendable, Equatable {
    public var runtimeStatus: [RuntimeStatus]
    public var createdTimeFrom: Timestamp?
    public var createdTimeTo: Timestamp?
    public var instanceIdPrefix: String?

    public init(
        runtimeStatus: [RuntimeStatus] = [],
        createdTimeFrom: Timestamp? = nil,
        createdTimeTo: Timestamp? = nil,
        instanceIdPrefix: String? = nil
    ) {
        self.runtimeStatus = runtimeStatus
        self.createdTimeFrom = createdTimeFrom
        self.createdTimeTo = createdTimeTo
        self.instanceIdPrefix = instanceIdPrefix
    }
}

/// One page of a listing.
public struct InstancePage: Sendable, Equatable {
    public var instances: [InstanceStatus]
    /// The token for the next page; `nil` when this was the last page.
    public var continuationToken: String?

    public init(instances: [InstanceStatus], continuationToken: String?) {
        self.instances = instances
        self.continuationToken = continuationToken
    }
}

/// What a terminate request found.
public enum TerminateOutcome: Sendable, Equatable {
    /// The instance was running and will be terminated.
    case terminated
    /// No such instance.
    case notFound
    /// The instance had already completed, failed, been terminated or canceled.
    case alreadyFinished
}
