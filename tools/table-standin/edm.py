"""Edm values as the Table service stores them, and their JSON forms.

A value is a pair (edm_type, python_value):
  Edm.String str, Edm.Int32 int, Edm.Int64 int, Edm.Double float, Edm.Boolean bool,
  Edm.DateTime int (100 ns ticks since 1970-01-01T00:00:00Z), Edm.Guid str (lower case), Edm.Binary bytes.
"""

import base64
import calendar
import math
import re

STRING, INT32, INT64, DOUBLE, BOOLEAN = "Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Double", "Edm.Boolean"
DATETIME, GUID, BINARY = "Edm.DateTime", "Edm.Guid", "Edm.Binary"
TYPES = {STRING, INT32, INT64, DOUBLE, BOOLEAN, DATETIME, GUID, BINARY}

_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MIN_TICKS = -11644473600 * 10_000_000
MAX_TICKS = 253402300800 * 10_000_000 - 1


class EdmError(ValueError):
    """A value that does not fit its type."""


def parse_datetime(text):
    """ISO 8601 text to ticks; digits past the seventh are dropped, as the service does."""
    match = _DATETIME.match(text)
    if not match:
        raise EdmError("not an ISO 8601 date and time: %r" % text)
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60):
        raise EdmError("date or time out of range: %r" % text)
    fraction = (match.group(7) or "").ljust(7, "0")[:7]
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    offset = match.group(8) or "Z"
    if offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        seconds -= sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    ticks = seconds * 10_000_000 + int(fraction)
    if not MIN_TICKS <= ticks <= MAX_TICKS:
        raise EdmError("DateTime outside 1601-01-01..9999-12-31: %r" % text)
    return ticks


def format_datetime(ticks):
    """Ticks to ISO 8601 with 7 fraction digits, the service's form."""
    seconds, fraction = divmod(ticks, 10_000_000)
    days, rest = divmod(seconds, 86400)
    year, month, day = _civil_from_days(days)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%07dZ" % (year, month, day, rest // 3600, rest % 3600 // 60, rest % 60, fraction)


def _civil_from_days(days):
    shifted = days + 719468
    era = (shifted if shifted >= 0 else shifted - 146096) // 146097
    day_of_era = shifted - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 if month_index < 10 else month_index - 9
    return year_of_era + era * 400 + (1 if month <= 2 else 0), month, day


def canonical_guid(text):
    if not isinstance(text, str) or not _GUID.match(text):
        raise EdmError("not a GUID: %r" % (text,))
    return text.lower()


def from_json(value, annotation):
    """A JSON value and its optional @odata.type annotation to an Edm pair."""
    if annotation is not None and annotation not in TYPES:
        raise EdmError("unknown type %r" % annotation)
    if annotation is None:
        if isinstance(value, bool):
            return (BOOLEAN, value)
        if isinstance(value, int):
            if -2**31 <= value < 2**31:
                return (INT32, value)
            raise EdmError("integer %d does not fit Edm.Int32; annotate it as Edm.Int64" % value)
        if isinstance(value, float):
            return (DOUBLE, value)
        if isinstance(value, str):
            return (STRING, value)
        raise EdmError("unsupported JSON value %r" % (value,))
    if annotation == STRING and isinstance(value, str):
        return (STRING, value)
    if annotation == BOOLEAN and isinstance(value, bool):
        return (BOOLEAN, value)
    if annotation == INT32 and isinstance(value, int) and not isinstance(value, bool) and -2**31 <= value < 2**31:
        return (INT32, value)
    if annotation == INT64 and isinstance(value, (str, int)) and not isinstance(value, bool):
        number = int(value)
        if -2**63 <= number < 2**63:
            return (INT64, number)
    if annotation == DOUBLE:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (DOUBLE, float(value))
        if value in ("NaN", "Infinity", "-Infinity", "INF", "-INF"):
            return (DOUBLE, float(value.replace("INF", "inf").replace("Infinity", "inf")))
    if annotation == DATETIME and isinstance(value, str):
        return (DATETIME, parse_datetime(value))
    if annotation == GUID and isinstance(value, str):
        return (GUID, canonical_guid(value))
    if annotation == BINARY and isinstance(value, str):
        return (BINARY, base64.b64decode(value, validate=True))
    raise EdmError("value %r is not a valid %s" % (value, annotation))


def to_json(pair):
    """An Edm pair to (json_value, annotation or None) for minimal metadata."""
    edm, value = pair
    if edm == STRING or edm == BOOLEAN or edm == INT32:
        return value, None
    if edm == INT64:
        return str(value), INT64
    if edm == DOUBLE:
        if math.isnan(value):
            return "NaN", DOUBLE
        if math.isinf(value):
            return ("Infinity" if value > 0 else "-Infinity"), DOUBLE
        return value, DOUBLE
    if edm == DATETIME:
        return format_datetime(value), DATETIME
    if edm == GUID:
        return value, GUID
    if edm == BINARY:
        return base64.b64encode(value).decode("ascii"), BINARY
    raise EdmError("unknown type %r" % edm)


def size(pair):
    """The bytes the service charges for a value in its entity-size formula."""
    edm, value = pair
    return {STRING: lambda: 4 + len(value.encode("utf-16-le")), BINARY: lambda: 4 + len(value), INT32: lambda: 4,
            INT64: lambda: 8, DOUBLE: lambda: 8, DATETIME: lambda: 8, BOOLEAN: lambda: 1, GUID: lambda: 16}[edm]()


def compare(left, right):
    """-1/0/1 for two pairs of the same type; None when the types differ (no match) or a NaN is involved."""
    if left[0] != right[0]:
        return None
    a, b = left[1], right[1]
    if left[0] == STRING:
        a, b = a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    if left[0] == DOUBLE and (math.isnan(a) or math.isnan(b)):
        return None
    return (a > b) - (a < b)
