import LinkTomeCore

/// One invocation of a function, as decoded from the host's request.
public struct Invocation: Sendable {
    /// The function name as registered (the folder name of its `function.json`).
    public var functionName: String
    /// The host's `X-Azure-Functions-InvocationId`, or a generated id when the caller sent none.
    public var invocationId: String
    /// `Data`: one entry per input binding, keyed by binding name, exactly as the host sent it.
    public var data: [String: JSONValue]
    /// `Metadata`: the trigger's binding data plus `sys`, exactly as the host sent it.
    public var metadata: [String: JSONValue]
    /// Logs for this invocation: records go into the response's `Logs` (which the host attaches to
    /// the invocation) and carry `invocation.id` and `function.name` metadata.
    public var logger: Logger

    public init(
        functionName: String,
        invocationId: String,
        data: [String: JSONValue],
        metadata: [String: JSONValue] = [:],
        logger: Logger
    ) {
        self.functionName = functionName
        self.invocationId = invocationId
        self.data = data
        self.metadata = metadata
        self.logger = logger
    }

    /// The raw `Data` entry for binding `name` (exact name first, then ignoring case).
    public func input(_ name: String) -> JSONValue? {
        Invocation.lookup(data, name)
    }

    /// The `Data` entry for `name` with the host's extra quoting removed `times` times
    /// (see `JSONValue.hostDecoded(times:)`).
    ///
    /// For an activity input `"Tokyo"`, `times: 1` gives the input's JSON text `"Tokyo"` and
    /// `times: 2` the string `Tokyo`; the durable client descriptor needs `times: 2` to become an object.
    public func decodedInput(_ name: String, times: Int = 1) -> JSONValue? {
        input(name)?.hostDecoded(times: times)
    }

    /// The `Metadata` entry for `name` (exact name first, then ignoring case), with the host's extra
    /// quoting removed `times` times; for example `decodedMetadata("instanceId")` for an activity.
    public func decodedMetadata(_ name: String, times: Int = 1) -> JSONValue? {
        Invocation.lookup(metadata, name)?.hostDecoded(times: times)
    }

    private static func lookup(_ members: [String: JSONValue], _ name: String) -> JSONValue? {
        if let exact = members[name] { return exact }
        let lowered = name.lowercased()
        return members.first { $0.key.lowercased() == lowered }?.value
    }
}

/// What a function answers: the response's `ReturnValue` and `Outputs`.
public struct InvocationResult: Sendable, Equatable {
    /// One entry per output binding of the function, keyed by binding name.
    public var outputs: [String: JSONValue]
    /// The function's return value; the orchestration and activity triggers consume it.
    public var returnValue: JSONValue

    public init(returnValue: JSONValue = .null, outputs: [String: JSONValue] = [:]) {
        self.returnValue = returnValue
        self.outputs = outputs
    }
}

/// The Swift code behind one function. Throwing fails the invocation: the host gets a 500 and the
/// error is written to standard output (the host never reads the body of a failed response).
public protocol FunctionEntrypoint: Sendable {
    func invoke(_ invocation: Invocation) async throws -> InvocationResult
}

/// An entrypoint made from a closure.
public struct ClosureEntrypoint: FunctionEntrypoint {
    private let body: @Sendable (Invocation) async throws -> InvocationResult

    public init(_ body: @escaping @Sendable (Invocation) async throws -> InvocationResult) {
        self.body = body
    }

    public func invoke(_ invocation: Invocation) async throws -> InvocationResult {
        try await body(invocation)
    }
}
