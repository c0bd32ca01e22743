import LinkTomeCore

/// What a business command returns: the status, a sentence for operators, and its counters, in the
/// shape of the original payloads (`{Status, Message, ProcessedCount, ErrorCount, …}`).
public struct BusinessJobResult: Sendable, Equatable {
    /// How the run ended.
    public enum Status: String, Sendable, Hashable {
        /// Everything was done (possibly nothing was due).
        case success = "Success"
        /// The command did not run because it is not configured (for example no Stripe key).
        case skipped = "Skipped"
        /// The run finished but some rows or work items failed; they are counted in `ErrorCount`
        /// and retried by the next run.
        case partialFailure = "PartialFailure"
        /// The run could not do its work.
        case failed = "Failed"
    }

    public var status: Status
    public var message: String
    /// The counters and other fields, by their payload names.
    public var fields: [String: JSONValue]

    public init(status: Status, message: String, fields: [String: JSONValue] = [:]) {
        self.status = status
        self.message = message
        self.fields = fields
    }

    /// A result whose status follows the counters: `PartialFailure` when `ErrorCount` is above zero.
    public init(message: String, counters: BusinessCounters, extra: [String: JSONValue] = [:]) {
        var fields = counters.json
        for (key, value) in extra { fields[key] = value }
        self.init(status: counters["ErrorCount"] > 0 ? .partialFailure : .success, message: message, fields: fields)
    }

    /// The payload: `Status`, `Message` and every field.
    public var json: JSONValue {
        var object = fields
        object["Status"] = .string(status.rawValue)
        object["Message"] = .string(message)
        return .object(object)
    }

    /// The integer field `name`, or 0.
    public subscript(name: String) -> Int {
        fields[name]?.intValue ?? 0
    }
}

/// Named counters that add up across work items (users, partitions, tables).
public struct BusinessCounters: Sendable, Equatable {
    public private(set) var values: [String: Int]

    /// Counters starting at the given values; listed names appear in the payload even when zero.
    public init(_ values: [String: Int] = [:]) {
        self.values = values
    }

    public subscript(name: String) -> Int {
        get { values[name] ?? 0 }
        set { values[name] = newValue }
    }

    /// Adds `amount` to `name`.
    public mutating func add(_ name: String, _ amount: Int = 1) {
        values[name, default: 0] += amount
    }

    /// Adds every counter of `other`.
    public mutating func merge(_ other: BusinessCounters) {
        for (name, value) in other.values { values[name, default: 0] += value }
    }

    /// The counters as JSON integers.
    public var json: [String: JSONValue] {
        values.mapValues { .integer(Int64($0)) }
    }

    /// Counters read back from a work item's JSON output (non-integers are ignored).
    public init(json: JSONValue) {
        var values: [String: Int] = [:]
        for (key, value) in json.objectValue ?? [:] {
            if let number = value.intValue { values[key] = number }
        }
        self.values = values
    }
}
