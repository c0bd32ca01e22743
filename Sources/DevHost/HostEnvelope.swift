import Foundation
import LinkTomeCore
import LinkTomeHTTP

/// Builds invocation requests exactly as the Functions host sends them to a custom handler
/// (protocol notes §1.4): `POST /{FunctionName}` with the host's headers and a body
/// `{"Data": {…}, "Metadata": {…, "sys": {…}}}` in which every value that is not an object (or a
/// date) is replaced by its JSON text, i.e. JSON-quoted once more.
public enum HostEnvelope {
    /// The host version the requests claim (`X-Azure-Functions-HostVersion`).
    public static let hostVersion = "4.1037.0.0"

    /// The `Metadata` key under which the development host passes its own requests to the handler
    /// (the Functions host never sends it): `{"RunAll": true}` asks the timer function to run every
    /// timer in this tick regardless of its schedule.
    public static let devHostMetadataKey = "LinkTomeDevHost"

    /// A .NET value the host serialises with `JsonConvert.SerializeObject`: a JSON string holding
    /// the value's JSON text.
    public static func quoted(_ value: JSONValue) -> JSONValue {
        .string(value.jsonText)
    }

    /// A .NET string as it arrives in `Data` or `Metadata`: `abc` becomes the JSON string `"\"abc\""`.
    public static func quotedString(_ text: String) -> JSONValue {
        quoted(.string(text))
    }

    /// The `sys` binding data: method name, the invocation time and a fresh GUID.
    public static func sys(methodName: String, now: Date) -> JSONValue {
        [
            "MethodName": .string(methodName),
            "UtcNow": .string(Timestamp(now).iso8601Trimmed),
            "RandGuid": .string(UUID().uuidString.lowercased()),
        ]
    }

    /// A .NET `DateTime` of UTC kind written by the host in a local-kind payload: up to seven
    /// fraction digits and `+00:00`.
    public static func hostDate(_ instant: Timestamp) -> String {
        let text = instant.iso8601Trimmed
        return String(text.dropLast()) + "+00:00"
    }

    /// .NET's `DateTime.MinValue` as the timer monitor writes "never".
    public static let never = "0001-01-01T00:00:00"

    /// The HTTP request for one invocation of `functionName` with `body`.
    public static func request(functionName: String, invocationId: String, body: JSONValue) -> HTTPRequest {
        let headers = HTTPHeaders([
            ("Content-Type", "application/json; charset=utf-8"),
            ("X-Azure-Functions-HostVersion", hostVersion),
            ("X-Azure-Functions-InvocationId", invocationId),
            ("User-Agent", "Azure-Functions-Host/\(hostVersion) (linktome dev)"),
        ])
        return HTTPRequest(method: "POST", target: "/" + functionName, headers: headers, body: body.jsonBytes)
    }

    /// The body of a timer invocation: the `TimerInfo` object (not quoted: it is a POCO) and, when the
    /// function has one, the durable client descriptor, a string quoted once by the host.
    public static func timerBody(
        functionName: String,
        timerBinding: String,
        timerInfo: JSONValue,
        clientBinding: String?,
        clientDescriptor: String,
        now: Date,
        devHostRequest: JSONValue? = nil
    ) -> JSONValue {
        var data: [String: JSONValue] = [timerBinding: timerInfo]
        if let clientBinding { data[clientBinding] = quotedString(clientDescriptor) }
        var metadata: [String: JSONValue] = ["sys": sys(methodName: functionName, now: now)]
        if let devHostRequest { metadata[devHostMetadataKey] = devHostRequest }
        return ["Data": .object(data), "Metadata": .object(metadata)]
    }

    /// The body of an orchestrator episode: the base64 `OrchestratorRequest`, quoted once.
    public static func orchestratorBody(
        functionName: String,
        binding: String,
        requestBase64: String,
        now: Date
    )
        -> JSONValue
    {
        [
            "Data": [binding: quotedString(requestBase64)],
            "Metadata": ["sys": sys(methodName: functionName, now: now)],
        ]
    }

    /// The body of an activity invocation (§3.5): the raw input JSON text (compacted) as a quoted
    /// .NET string, and as binding data the parent `instanceId`, the input again, `data` (the input
    /// as a token: an object stays an object, anything else is quoted) and, for an object input,
    /// each top-level non-array member, overwriting same-named keys ignoring case.
    public static func activityBody(
        functionName: String,
        binding: String,
        input: String?,
        instanceId: String,
        now: Date
    ) -> JSONValue {
        let raw = input.map { OrderedJSON.compact($0) ?? $0 }
        let triggerValue: JSONValue = raw.map(quotedString) ?? quoted(.null)
        var metadata: [(String, JSONValue)] = [
            ("instanceId", quotedString(instanceId)),
            (binding, triggerValue),
        ]
        let parsed = raw.flatMap { try? JSONParser.parse($0) }
        if let parsed, parsed != .null {
            metadata.append(("data", parsed.objectValue != nil ? parsed : quoted(parsed)))
        }
        if case .object(let members)? = parsed {
            for key in members.keys.sorted() {
                guard let value = members[key], value.arrayValue == nil, value != .null else { continue }
                let bound: JSONValue = value.objectValue != nil ? value : quotedString(dotNetText(value))
                if let index = metadata.firstIndex(where: { $0.0.lowercased() == key.lowercased() }) {
                    metadata[index].1 = bound
                } else {
                    metadata.append((key, bound))
                }
            }
        }
        var object = Dictionary(metadata, uniquingKeysWith: { _, last in last })
        object["sys"] = sys(methodName: functionName, now: now)
        return ["Data": [binding: triggerValue], "Metadata": .object(object)]
    }

    /// `JValue.ToString()`: strings as they are, Booleans as `True`/`False`, numbers as written.
    static func dotNetText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .bool(let flag): return flag ? "True" : "False"
        default: return value.jsonText
        }
    }
}
