#!/usr/bin/env python3
"""Generates the Durable codec fixtures used by Tests/DurableTests.

Every message is built with the reference protobuf runtime from durable_subset.proto (written
from the protocol's field numbers), serialized deterministically (map keys sorted), and written
into a Swift source file as base64 together with:
  * the canonical re-encoding (differs only when the input holds fields the schema lacks), and
  * the proto3 JSON mapping of the decoded message, which the tests compare with the Swift
    decoder's view of the same bytes.

Usage (from the repository root):
  python3 -m venv /tmp/durable-pbenv && /tmp/durable-pbenv/bin/pip install protobuf grpcio-tools
  /tmp/durable-pbenv/bin/python tools/durable-fixtures/generate.py
  swift format format -i Tests/DurableTests/GeneratedFixtures.swift
"""

import base64
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUTPUT = os.path.join(ROOT, "Tests", "DurableTests", "GeneratedFixtures.swift")


def compile_schema():
    import grpc_tools
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="durable-proto-")
    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    status = protoc.main(["protoc", f"-I{HERE}", f"-I{include}", f"--python_out={out}", "durable_subset.proto"])
    if status != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, out)
    import durable_subset_pb2

    return durable_subset_pb2


pb = compile_schema()

from google.protobuf import json_format, struct_pb2  # noqa: E402


def ts(message, seconds, nanos=0):
    message.seconds = seconds
    message.nanos = nanos


BASE = 1_730_800_800  # 2024-11-05T10:00:00Z


def trace(message, suffix):
    message.traceParent = f"00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033{suffix}-01"
    message.spanID = f"b7ad6b71692033{suffix}"
    message.traceState.value = "congo=t61rcWkgMzE"


def failure(message, depth=2):
    message.errorType = "System.InvalidOperationException"
    message.errorMessage = "city not found: Atlantis"
    message.stackTrace.value = "   at SayHello()\n   at Invoke()"
    message.isNonRetriable = True
    message.properties["attempt"].number_value = 2.5
    message.properties["city"].string_value = "Atlantis"
    message.properties["flag"].bool_value = True
    message.properties["none"].null_value = struct_pb2.NULL_VALUE
    message.properties["list"].list_value.values.add().number_value = 1
    message.properties["nested"].struct_value.fields["k"].string_value = "v"
    if depth > 1:
        inner = message.innerFailure
        inner.errorType = "System.Net.Http.HttpRequestException"
        inner.errorMessage = "Response status code does not indicate success: 500 (Internal Server Error)."


def instance(message, suffix="0"):
    message.instanceId = "b8f2c6a7e4d94a0f9c1e2d3f4a5b6c7" + suffix
    message.executionId.value = "0f1e2d3c4b5a69788796a5b4c3d2e1f" + suffix


def event(field, event_id=-1, seconds=BASE, nanos=433_456_000):
    message = pb.HistoryEvent()
    message.eventId = event_id
    ts(message.timestamp, seconds, nanos)
    getattr(message, field).SetInParent()
    return message, getattr(message, field)


def orchestration_state(state):
    state.instanceId = "child-1"
    state.name = "Child"
    state.version.value = "2.0"
    state.orchestrationStatus = pb.ORCHESTRATION_STATUS_SUSPENDED
    ts(state.scheduledStartTimestamp, BASE + 60)
    ts(state.createdTimestamp, BASE, 100)
    ts(state.lastUpdatedTimestamp, BASE + 5, 123_000_000)
    state.input.value = "{\"a\":1}"
    state.output.value = ""
    state.customStatus.value = "\"working\""
    failure(state.failureDetails, depth=1)
    state.executionId.value = "e1"
    ts(state.completedTimestamp, BASE + 9, 999_999_999)
    state.parentInstanceId.value = "parent-1"
    state.tags["team"] = "links"
    state.tags["env"] = "prod"


def events():
    out = []

    message, body = event("executionStarted", nanos=123_456_000)
    body.name = "HelloCities"
    body.version.value = ""
    body.input.value = "[\"Tokyo\",\"London\"]"
    instance(body.orchestrationInstance)
    body.parentInstance.taskScheduledId = 7
    body.parentInstance.name.value = "Parent"
    body.parentInstance.version.value = "1.0"
    instance(body.parentInstance.orchestrationInstance, "1")
    ts(body.scheduledStartTimestamp, BASE - 30)
    trace(body.parentTraceContext, "10")
    body.orchestrationSpanID.value = "span-1"
    body.tags["owner"] = "timers"
    body.tags["kind"] = "orchestration"
    out.append(("event_executionStarted", message))

    message, body = event("executionCompleted")
    body.orchestrationStatus = pb.ORCHESTRATION_STATUS_FAILED
    body.result.value = "\"boom\""
    failure(body.failureDetails)
    out.append(("event_executionCompleted", message))

    message, body = event("executionTerminated")
    body.input.value = "\"stopped by operator\""
    body.recurse = True
    out.append(("event_executionTerminated", message))

    message, body = event("taskScheduled", event_id=2, nanos=473_456_000)
    body.name = "SayHello"
    body.version.value = "1"
    body.input.value = "\"Tokyo\""
    trace(body.parentTraceContext, "11")
    body.tags["retry"] = "3"
    out.append(("event_taskScheduled", message))

    message, body = event("taskCompleted")
    body.taskScheduledId = 2
    body.result.value = "\"Hello, Tokyo! \u00e9\u6771\u4eac\U0001F600\""
    out.append(("event_taskCompleted", message))

    message, body = event("taskFailed")
    failure(body.failureDetails)
    out.append(("event_taskFailed", message))

    message, body = event("subOrchestrationInstanceCreated", event_id=3)
    body.instanceId = "b8f2c6a7e4d94a0f9c1e2d3f4a5b6c7d:0003"
    body.name = "Child"
    body.version.value = "2.0"
    body.input.value = "{\"n\":1}"
    trace(body.parentTraceContext, "12")
    body.tags["a"] = ""
    body.tags["b"] = "value for b"
    out.append(("event_subOrchestrationInstanceCreated", message))

    message, body = event("subOrchestrationInstanceCompleted")
    body.taskScheduledId = 3
    body.result.value = "null"
    out.append(("event_subOrchestrationInstanceCompleted", message))

    message, body = event("subOrchestrationInstanceFailed")
    body.taskScheduledId = 3
    failure(body.failureDetails, depth=1)
    out.append(("event_subOrchestrationInstanceFailed", message))

    message, body = event("timerCreated", event_id=4)
    ts(body.fireAt, BASE + 3 * 86_400, 433_456_000)
    out.append(("event_timerCreated", message))

    message, body = event("timerCreated", event_id=-100)
    ts(body.fireAt, -86_400, 0)
    out.append(("event_timerCreated_split_before_1970", message))

    message, body = event("timerFired")
    ts(body.fireAt, BASE + 30, 433_456_000)
    body.timerId = 4
    out.append(("event_timerFired", message))

    message, _ = event("orchestratorStarted")
    out.append(("event_orchestratorStarted", message))

    message, _ = event("orchestratorCompleted", seconds=BASE + 1, nanos=0)
    out.append(("event_orchestratorCompleted", message))

    message, body = event("eventSent", event_id=5)
    body.instanceId = "other-instance"
    body.name = "Approval"
    body.input.value = "true"
    out.append(("event_eventSent", message))

    message, body = event("eventRaised")
    body.name = "Approval"
    body.input.value = ""
    out.append(("event_eventRaised", message))

    message, body = event("genericEvent")
    body.data.value = "generic data"
    out.append(("event_genericEvent", message))

    message, body = event("historyState")
    orchestration_state(body.orchestrationState)
    out.append(("event_historyState", message))

    message, body = event("continueAsNew")
    body.input.value = "{\"round\":2}"
    out.append(("event_continueAsNew", message))

    message, body = event("executionSuspended")
    body.input.value = "maintenance"
    out.append(("event_executionSuspended", message))

    message, body = event("executionResumed")
    body.input.value = "done"
    out.append(("event_executionResumed", message))

    for field in [
        "entityOperationSignaled",
        "entityOperationCalled",
        "entityOperationCompleted",
        "entityOperationFailed",
        "entityLockRequested",
        "entityLockGranted",
        "entityUnlockSent",
        "executionRewound",
    ]:
        message, body = event(field)
        body.payload = f"{field} payload"
        out.append((f"event_{field}", message))

    message = pb.HistoryEvent()
    out.append(("event_empty", message))

    return [(name, "HistoryEvent", message) for name, message in out]


def actions():
    out = []

    action = pb.OrchestratorAction()
    action.scheduleTask.name = "SayHello"
    action.scheduleTask.version.value = ""
    action.scheduleTask.input.value = "\"Tokyo\""
    action.scheduleTask.tags["z"] = "last"
    action.scheduleTask.tags["a"] = "first"
    trace(action.scheduleTask.parentTraceContext, "20")
    out.append(("action_scheduleTask", action))

    action = pb.OrchestratorAction(id=1)
    body = action.createSubOrchestration
    body.instanceId = "child-0001"
    body.name = "Child"
    body.version.value = "2"
    body.input.value = "[1,2,3]"
    trace(body.parentTraceContext, "21")
    body.tags["k"] = "v"
    out.append(("action_createSubOrchestration", action))

    action = pb.OrchestratorAction(id=300)
    ts(action.createTimer.fireAt, BASE + 4 * 86_400, 100)
    out.append(("action_createTimer", action))

    action = pb.OrchestratorAction(id=2_147_483_647)
    instance(action.sendEvent.instance)
    action.sendEvent.name = "Approval"
    action.sendEvent.data.value = "{\"ok\":true}"
    out.append(("action_sendEvent", action))

    action = pb.OrchestratorAction(id=-2_147_483_648)
    body = action.completeOrchestration
    body.orchestrationStatus = pb.ORCHESTRATION_STATUS_CONTINUED_AS_NEW
    body.result.value = "{\"round\":3}"
    body.details.value = "details"
    body.newVersion.value = "3.0"
    for index, name in enumerate(["Approval", "Cancel"]):
        carried = body.carryoverEvents.add()
        carried.eventId = -1
        ts(carried.timestamp, BASE + index, 0)
        carried.eventRaised.name = name
        carried.eventRaised.input.value = str(index)
    failure(body.failureDetails)
    body.tags["reason"] = "rollover"
    out.append(("action_completeOrchestration", action))

    action = pb.OrchestratorAction(id=6)
    action.terminateOrchestration.instanceId = "victim"
    action.terminateOrchestration.reason.value = "\"enough\""
    action.terminateOrchestration.recurse = True
    out.append(("action_terminateOrchestration", action))

    action = pb.OrchestratorAction(id=7)
    action.sendEntityMessage.payload = "entity message"
    out.append(("action_sendEntityMessage", action))

    action = pb.OrchestratorAction(id=8)
    first = action.rewindOrchestration.newHistory.add()
    first.eventId = -1
    first.orchestratorStarted.SetInParent()
    second = action.rewindOrchestration.newHistory.add()
    second.eventId = 0
    second.taskScheduled.name = "Again"
    out.append(("action_rewindOrchestration", action))

    action = pb.OrchestratorAction(id=9)
    out.append(("action_empty", action))

    return [(name, "OrchestratorAction", message) for name, message in out]


def messages():
    out = []

    request = pb.OrchestratorRequest()
    request.instanceId = "b8f2c6a7e4d94a0f9c1e2d3f4a5b6c7d"
    request.executionId.value = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    for name, _, message in events()[:6]:
        request.pastEvents.add().CopyFrom(message)
    for name, _, message in events()[6:12]:
        request.newEvents.add().CopyFrom(message)
    request.entityParameters.entityMessageReorderWindow.seconds = 1
    request.entityParameters.entityMessageReorderWindow.nanos = 500_000_000
    request.requiresHistoryStreaming = True
    request.properties["defaultVersion"].string_value = "1.0"
    request.properties["weight"].number_value = -0.25
    request.orchestrationTraceContext.spanID.value = "root-span"
    ts(request.orchestrationTraceContext.spanStartTime, BASE, 7)
    out.append(("request_all_fields", "OrchestratorRequest", request))

    response = pb.OrchestratorResponse()
    response.instanceId = "b8f2c6a7e4d94a0f9c1e2d3f4a5b6c7d"
    for _, _, action in actions()[:6]:
        response.actions.add().CopyFrom(action)
    response.customStatus.value = "{\"progress\":0.5}"
    response.completionToken = "token"
    response.numEventsProcessed.value = 0
    response.orchestrationTraceContext.spanID.value = "span"
    response.requiresHistory = True
    response.isPartial = True
    response.chunkIndex.value = -1
    out.append(("response_all_fields", "OrchestratorResponse", response))

    response = pb.OrchestratorResponse()
    response.instanceId = "i"
    response.customStatus.value = ""
    out.append(("response_empty_custom_status", "OrchestratorResponse", response))

    return out


def future():
    """A HistoryEvent written by a later schema revision: the extra fields must be skipped."""
    message = pb.FutureHistoryEvent()
    message.eventId = -1
    ts(message.timestamp, BASE, 5)
    message.taskCompleted.taskScheduledId = 9
    message.taskCompleted.result.value = "42"
    message.futureFixed64 = 0xFFFF_FFFF_FFFF_FFFF
    message.futureFixed32 = 0xDEAD_BEEF
    message.futureVarint = -123_456_789
    message.futureText = "from the future"
    orchestration_state(message.futureMessage)
    message.futureDouble = 3.25
    message.futurePacked.extend([1, -1, 300])
    raw = message.SerializeToString(deterministic=True)
    parsed = pb.HistoryEvent()
    parsed.ParseFromString(raw)
    parsed.DiscardUnknownFields()
    return ("event_with_unknown_fields", "HistoryEvent", raw, parsed)


def json_of(message):
    value = json_format.MessageToDict(message, preserving_proto_field_name=False)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def swift_chunks(text, indent):
    pieces = [text[i : i + 88] for i in range(0, len(text), 88)] or [""]
    lines = [f'{indent}    "{piece}",' for piece in pieces]
    # Map keys in these fixtures never prefix one another: the reference runtime (upb) orders a
    # key after its extensions, other runtimes and this codec order it before.
    return "[\n" + "\n".join(lines) + f"\n{indent}].joined()"


def fixture_entry(name, kind, raw, parsed):
    canonical = parsed.SerializeToString(deterministic=True)
    document = base64.b64encode(json_of(parsed).encode("utf-8")).decode("ascii")
    indent = "            "
    return (
        "        GeneratedFixture(\n"
        f'            name: "{name}",\n'
        f'            message: "{kind}",\n'
        f"            bytes: {swift_chunks(base64.b64encode(raw).decode('ascii'), indent)},\n"
        f"            canonical: {swift_chunks(base64.b64encode(canonical).decode('ascii'), indent)},\n"
        f"            json: {swift_chunks(document, indent)}\n"
        "        ),"
    )


def main():
    entries = []
    for name, kind, message in events() + actions() + messages():
        raw = message.SerializeToString(deterministic=True)
        parsed = type(message)()
        parsed.ParseFromString(raw)
        assert parsed == message
        entries.append(fixture_entry(name, kind, raw, parsed))
    entries.append(fixture_entry(*future()))

    header = (
        "// Generated by tools/durable-fixtures/generate.py from tools/durable-fixtures/durable_subset.proto.\n"
        "// Do not edit: change the generator and run it again.\n\n"
        "/// One message serialized by the reference protobuf runtime.\n"
        "struct GeneratedFixture {\n"
        "    /// What the message exercises.\n"
        "    var name: String\n"
        "    /// `HistoryEvent`, `OrchestratorAction`, `OrchestratorRequest` or `OrchestratorResponse`.\n"
        "    var message: String\n"
        "    /// The wire bytes, base64.\n"
        "    var bytes: String\n"
        "    /// The reference runtime's re-encoding of the decoded message, base64.\n"
        "    var canonical: String\n"
        "    /// The proto3 JSON mapping of the decoded message (UTF-8, base64).\n"
        "    var json: String\n"
        "}\n\n"
        "enum GeneratedFixtures {\n"
        "    static let all: [GeneratedFixture] = [\n"
    )
    with open(OUTPUT, "w", encoding="utf-8") as handle:
        handle.write(header + "\n".join(entries) + "\n    ]\n}\n")
    print(f"wrote {len(entries)} fixtures to {os.path.relpath(OUTPUT, ROOT)}")


if __name__ == "__main__":
    main()
