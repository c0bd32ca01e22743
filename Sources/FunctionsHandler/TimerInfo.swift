import LinkTomeCore

/// The value of a `timerTrigger` input: WebJobs' `TimerInfo`, which the host sends as a JSON object.
///
/// ```json
/// {"Schedule": {"AdjustForDST": true},
///  "ScheduleStatus": {"Last": "2024-11-05T09:55:00.0153279+00:00", "Next": "2024-11-05T10:00:00+00:00",
///                     "LastUpdated": "2024-11-05T09:55:00.0153279+00:00"},
///  "IsPastDue": false}
/// ```
public struct TimerInfo: Sendable, Equatable {
    /// What the host's schedule monitor recorded; absent when monitoring is off (`useMonitor: false`).
    public struct ScheduleStatus: Sendable, Equatable {
        /// The previous occurrence; `nil` before the first run (the host writes `0001-01-01T00:00:00`).
        public var last: Timestamp?
        /// The occurrence this invocation is for.
        public var next: Timestamp?
        /// When the monitor record was last written; `nil` when never.
        public var lastUpdated: Timestamp?

        public init(last: Timestamp?, next: Timestamp?, lastUpdated: Timestamp?) {
            self.last = last
            self.next = next
            self.lastUpdated = lastUpdated
        }
    }

    /// `nil` when the host sent `"ScheduleStatus": null` or left it out.
    public var scheduleStatus: ScheduleStatus?
    /// Whether this invocation is for an occurrence that was missed (for example after downtime).
    public var isPastDue: Bool

    public init(scheduleStatus: ScheduleStatus?, isPastDue: Bool) {
        self.scheduleStatus = scheduleStatus
        self.isPastDue = isPastDue
    }

    /// Decodes the trigger value, tolerating a host that quoted it and any case of the member names.
    ///
    /// - Throws: ``FunctionsHandlerError/invalidTriggerValue(_:)`` when the value is not an object,
    ///   ``FunctionsHandlerError/invalidDate(field:value:)`` when a date does not parse.
    public init(_ value: JSONValue) throws(FunctionsHandlerError) {
        let decoded = value.hostDecoded(times: 2)
        guard decoded.objectValue != nil else {
            throw .invalidTriggerValue("a timer value must be an object, found \(decoded.kindName)")
        }
        isPastDue = try TimerInfo.bool(decoded.member(caseInsensitive: "IsPastDue"), field: "IsPastDue")

        switch decoded.member(caseInsensitive: "ScheduleStatus")?.hostDecoded() {
        case nil, .null?:
            scheduleStatus = nil
        case .object(let status)?:
            let object = JSONValue.object(status)
            scheduleStatus = ScheduleStatus(
                last: try TimerInfo.date(object.member(caseInsensitive: "Last"), field: "ScheduleStatus.Last"),
                next: try TimerInfo.date(object.member(caseInsensitive: "Next"), field: "ScheduleStatus.Next"),
                lastUpdated: try TimerInfo.date(
                    object.member(caseInsensitive: "LastUpdated"),
                    field: "ScheduleStatus.LastUpdated"
                )
            )
        case let other?:
            throw .invalidTriggerValue("ScheduleStatus must be an object or null, found \(other.kindName)")
        }
    }

    private static func date(_ value: JSONValue?, field: String) throws(FunctionsHandlerError) -> Timestamp? {
        switch value?.hostDecoded() {
        case nil, .null?: return nil
        case .string(let text)?: return try HostDate.parse(text, field: field)
        case let other?: throw .invalidDate(field: field, value: other.jsonText)
        }
    }

    private static func bool(_ value: JSONValue?, field: String) throws(FunctionsHandlerError) -> Bool {
        switch value?.hostDecoded() {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case let other?: throw .invalidTriggerValue("\(field) must be true or false, found \(other.jsonText)")
        }
    }
}
