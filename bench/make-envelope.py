"""Writes the activity-style invocation body the benchmark sends: the body the Functions host
would POST to /LinkTomeEcho for one activity call of a LinkTome timer orchestration, with the
host's quoting applied (Data.Item and string metadata hold JSON text; Metadata.data is the object).
"""
import json
import sys

activity_input = {
    "TimerId": "LinkTomeStatistics",
    "Command": "Update-LinkTomeStatistics",
    "Occurrence": "2024-11-05T10:15:00.0000000Z",
    "Parameters": {"Days": 30, "Tenants": ["contoso", "fabrikam", "tailspin"], "DryRun": False},
    "Attempt": 1,
}
raw = json.dumps(activity_input, separators=(",", ":"), sort_keys=True)
instance = "7d5c1f0e2b3a4968a7b6c5d4e3f2a1b0"
metadata = {
    "instanceId": json.dumps(instance),
    "Item": json.dumps(raw),
    "data": activity_input,
    "sys": {"MethodName": "LinkTomeEcho", "UtcNow": "2024-11-05T10:15:00.8123456Z",
            "RandGuid": "2b4e6f80-1a3c-4d5e-8f90-a1b2c3d4e5f6"},
}
for key, value in activity_input.items():
    if isinstance(value, dict):
        metadata[key] = value
    elif not isinstance(value, list):
        metadata[key] = json.dumps(value if isinstance(value, str) else json.dumps(value))
body = {"Data": {"Item": json.dumps(raw)}, "Metadata": metadata}
sys.stdout.write(json.dumps(body, separators=(",", ":")))
