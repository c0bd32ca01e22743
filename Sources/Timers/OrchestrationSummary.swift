import LinkTomeCore

/// The output of `LinkTomeOrchestrator`: how many items succeeded and failed, the failures'
/// messages and the items' results. The timer's status row is settled from it.
///
/// ```json
/// {"OrchestratorName":"Billing","Status":"Failed","Total":3,"Succeeded":2,"Failed":1,
///  "Errors":[{"Item":"user-7","Error":"Stripe answered 500"}],"Results":[…]}
/// ```
public struct OrchestrationSummary: Sendable, Hashable {
    /// One failed item.
    public struct ItemError: Sendable, Hashable {
        public var item: String
        public var message: String

        public init(item: String, message: String) {
            self.item = item
            self.message = message
        }
    }

    public var name: String
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    public var errors: [ItemError]
    /// What the successful items returned, in batch order.
    public var results: [JSONValue]
    /// Items never started because an earlier one failed (Sequence and NoScaling modes).
    public var notRun: Int
    /// A failure of the orchestration itself (QueueFunction or PostExecution), if any.
    public var orchestrationError: String?

    public init(
        name: String,
        total: Int,
        succeeded: Int,
        failed: Int,
        errors: [ItemError] = [],
        results: [JSONValue] = [],
        notRun: Int = 0,
        orchestrationError: String? = nil
    ) {
        self.name = name
        self.total = total
        self.succeeded = succeeded
        self.failed = failed
        self.errors = errors
        self.results = results
        self.notRun = notRun
        self.orchestrationError = orchestrationError
    }

    /// Whether everything succeeded.
    public var isSuccess: Bool { failed == 0 && notRun == 0 && orchestrationError == nil }

    /// `Succeeded` or `Failed`.
    public var statusText: String { isSuccess ? "Succeeded" : "Failed" }

    /// One line for `ErrorMsg`: counts and the first few failures.
    public var errorText: String {
        var parts: [String] = []
        if let orchestrationError { parts.append(orchestrationError) }
        if failed > 0 || notRun > 0 {
            var counts = "\(succeeded) of \(total) items succeeded, \(failed) failed"
            if notRun > 0 { counts += ", \(notRun) not run" }
            let shown = errors.prefix(5).map { "\($0.item): \($0.message)" }
            let more = errors.count > 5 ? " (and \(errors.count - 5) more)" : ""
            parts.append(counts + (shown.isEmpty ? "" : ": " + shown.joined(separator: "; ")) + more)
        }
        return parts.joined(separator: "; ")
    }

    /// The summary as JSON.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "OrchestratorName": .string(name),
            "Status": .string(statusText),
            "Total": .integer(Int64(total)),
            "Succeeded": .integer(Int64(succeeded)),
            "Failed": .integer(Int64(failed)),
            "Errors": .array(errors.map { ["Item": .string($0.item), "Error": .string($0.message)] }),
            "Results": .array(results),
        ]
        if notRun > 0 { object["NotRun"] = .integer(Int64(notRun)) }
        if let orchestrationError { object["OrchestrationError"] = .string(orchestrationError) }
        return .object(object)
    }

    /// The counts without the results, for the status row's `LastResult`.
    public var countsJSON: JSONValue {
        var copy = self
        copy.results = []
        guard case .object(var object) = copy.json else { return copy.json }
        object["Results"] = nil
        return .object(object)
    }

    /// Reads an orchestration output; `nil` when it is not a summary.
    public init?(json: JSONValue) {
        guard let total = json["Total"]?.intValue, let succeeded = json["Succeeded"]?.intValue,
            let failed = json["Failed"]?.intValue
        else { return nil }
        name = json["OrchestratorName"]?.stringValue ?? ""
        self.total = total
        self.succeeded = succeeded
        self.failed = failed
        errors = (json["Errors"]?.arrayValue ?? []).map {
            ItemError(item: $0["Item"]?.stringValue ?? "", message: $0["Error"]?.stringValue ?? $0.jsonText)
        }
        results = json["Results"]?.arrayValue ?? []
        notRun = json["NotRun"]?.intValue ?? 0
        orchestrationError = json["OrchestrationError"]?.stringValue
    }
}
