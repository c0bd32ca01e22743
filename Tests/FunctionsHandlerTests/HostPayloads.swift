import LinkTomeCore

/// Invocation bodies built by applying the Functions host's serialisation rules (protocol notes
/// §1.4, §2, §3.5) to values, the way the host builds them.
enum HostPayloads {
    /// What the host puts in `Data`/`Metadata` for a .NET value that is not an object or a date:
    /// the value's JSON text, as a string.
    static func quoted(_ value: JSONValue) -> JSONValue {
        .string(value.jsonText)
    }

    /// `sys` binding data.
    static func sys(_ method: String) -> JSONValue {
        [
            "MethodName": .string(method), "UtcNow": "2024-11-05T10:00:00.4734560Z",
            "RandGuid": "3f0c9a52-6a7e-4c1b-9d2e-5b8f1a2c3d4e",
        ]
    }

    /// A timer invocation: `Data.Timer` is a real object (TimerInfo is a POCO), and the durable client
    /// descriptor in `Data.starter` is a string holding a quoted JSON string.
    static func timer(scheduleStatus: JSONValue, isPastDue: Bool = false) -> JSONValue {
        let descriptor: JSONValue = [
            "taskHubName": "LinkTomeTimers", "connectionName": nil, "creationUrls": nil, "managementUrls": nil,
            "baseUrl": nil, "requiredQueryStringParameters": "code=c2VjcmV0/a+b==",
            "rpcBaseUrl": "http://localhost:4001",
            "httpBaseUrl": "http://localhost:7071/runtime/webhooks/durabletask",
        ]
        return [
            "Data": [
                "Timer": [
                    "Schedule": ["AdjustForDST": true], "ScheduleStatus": scheduleStatus, "IsPastDue": .bool(isPastDue),
                ],
                "starter": quoted(.string(descriptor.jsonText)),
            ],
            "Metadata": ["sys": sys("LinkTomeTimer")],
        ]
    }

    /// An activity invocation for `input` with the trigger binding `Item`: the trigger value is the
    /// input's JSON text (a .NET string), and binding data spills the input's top-level properties.
    static func activity(_ input: JSONValue, instanceId: String = "b4d2e0c1f3a54e6b8c7d9e0f1a2b3c4d") -> JSONValue {
        let trigger = quoted(.string(input.jsonText))
        var metadata: [String: JSONValue] = [
            "instanceId": quoted(.string(instanceId)), "Item": trigger, "sys": sys("LinkTomeActivity"),
        ]
        switch input {
        case .object(let members):
            metadata["data"] = input
            for (key, value) in members where value.arrayValue == nil {
                metadata[key] = value.objectValue != nil ? value : quoted(.string(value.stringValue ?? value.jsonText))
            }
        case .null:
            break
        default:
            metadata["data"] = quoted(input)
        }
        return ["Data": ["Item": trigger], "Metadata": .object(metadata)]
    }
}
