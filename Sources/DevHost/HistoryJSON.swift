import Durable
import LinkTomeCore

/// History events as the status API's `historyEvents` lists them (with `showHistory=true`).
enum HistoryJSON {
    static func event(_ event: HistoryEvent, withOutput: Bool) -> String? {
        var members: [(String, JSONValue)] = [("EventType", .string(pascal(event.kind.typeName)))]
        if event.eventId >= 0 { members.append(("EventId", .integer(Int64(event.eventId)))) }
        if let timestamp = event.timestamp { members.append(("Timestamp", .string(timestamp.iso8601Trimmed))) }
        switch event.kind {
        case .orchestratorStarted, .orchestratorCompleted:
            return nil
        case .executionStarted(let started):
            members.append(("FunctionName", .string(started.name)))
            if withOutput { members.append(("Input", OrderedJSON.value(started.input))) }
        case .executionCompleted(let completed):
            members.append(("OrchestrationStatus", .string(RuntimeState(completed.orchestrationStatus).rawValue)))
            if withOutput { members.append(("Result", OrderedJSON.value(completed.result))) }
            if let failure = completed.failureDetails {
                members.append(("FailureDetails", .string(failure.chainDescription)))
            }
        case .taskScheduled(let task):
            members.append(("Name", .string(task.name)))
        case .taskCompleted(let task):
            members.append(("TaskScheduledId", .integer(Int64(task.taskScheduledId))))
            if withOutput { members.append(("Result", OrderedJSON.value(task.result))) }
        case .taskFailed(let task):
            members.append(("TaskScheduledId", .integer(Int64(task.taskScheduledId))))
            members.append(("FailureDetails", .string(task.failureDetails?.chainDescription ?? "")))
        case .subOrchestrationInstanceCreated(let sub):
            members.append(("Name", .string(sub.name)))
            members.append(("InstanceId", .string(sub.instanceId)))
        case .timerCreated(let timer):
            members.append(("FireAt", .string(timer.fireAt?.iso8601Trimmed ?? "")))
        case .timerFired(let timer):
            members.append(("TimerId", .integer(Int64(timer.timerId))))
            members.append(("FireAt", .string(timer.fireAt?.iso8601Trimmed ?? "")))
        case .eventRaised(let raised):
            members.append(("Name", .string(raised.name)))
            if withOutput { members.append(("Input", OrderedJSON.value(raised.input))) }
        case .eventSent(let sent):
            members.append(("Name", .string(sent.name)))
            members.append(("InstanceId", .string(sent.instanceId)))
        default:
            break
        }
        return OrderedJSON.object(members)
    }

    private static func pascal(_ name: String) -> String {
        name.prefix(1).uppercased() + name.dropFirst()
    }
}
