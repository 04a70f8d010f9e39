"""S3 data events on a trail (object-level reads and writes in every bucket), read from and written as
CloudTrail event selectors, basic or advanced. The trail's other selectors are kept.

State is the sorted list of what is logged for all buckets: `[]`, `["read"]`, `["write"]` or
`["read", "write"]`. Narrower selectors (some buckets, some event names) do not count as logging all buckets.
"""

from __future__ import annotations

from typing import Any, Literal

S3Events = Literal["read", "write", "all"]
S3_OBJECT = "AWS::S3::Object"
SELECTOR_NAME = "soc2ctl: S3 data events"
_BASIC = {"All": {"read", "write"}, "ReadOnly": {"read"}, "WriteOnly": {"write"}}


def _fields(selector: dict[str, Any]) -> dict[str, list[str]]:
    return {f["Field"]: f.get("Equals", []) for f in selector.get("FieldSelectors", [])}


def _advanced_s3(selector: dict[str, Any]) -> set[str]:
    """What an advanced selector logs for every bucket's objects (an empty set: not that)."""
    fields = _fields(selector)
    if fields.get("eventCategory") != ["Data"] or fields.get("resources.type") != [S3_OBJECT]:
        return set()
    if set(fields) - {"eventCategory", "resources.type", "readOnly"} or any(
        set(f) - {"Field", "Equals"} for f in selector["FieldSelectors"]
    ):
        return set()  # narrowed to some buckets or events
    return (
        {"read"}
        if fields.get("readOnly") == ["true"]
        else {"write"}
        if fields.get("readOnly")
        else {"read", "write"}
    )


def _basic_s3(selector: dict[str, Any]) -> set[str]:
    for resource in selector.get("DataResources", []):
        every_bucket = any(v.rstrip(":").endswith(":s3") for v in resource.get("Values", []))
        if resource.get("Type") == S3_OBJECT and every_bucket:
            return _BASIC.get(selector.get("ReadWriteType", "All"), set())
    return set()


def read_s3(cloudtrail: Any, trail_arn: str) -> list[str]:
    found = cloudtrail.get_event_selectors(TrailName=trail_arn)
    logged: set[str] = set()
    for selector in found.get("AdvancedEventSelectors") or []:
        logged |= _advanced_s3(selector)
    for selector in found.get("EventSelectors") or []:
        logged |= _basic_s3(selector)
    return sorted(logged)


def wanted(observed: list[str] | None, events: S3Events) -> list[str]:
    """What to log: the parameter's events, never fewer than are logged already."""
    want = {"read", "write"} if events == "all" else {events}
    return sorted(want | set(observed or []))


def _from_basic(selector: dict[str, Any]) -> list[dict[str, Any]]:
    """A basic selector as advanced ones: its management events, and its data resources (S3 aside)."""
    read_only = {"ReadOnly": ["true"], "WriteOnly": ["false"]}.get(selector.get("ReadWriteType", "All"))
    extra = [{"Field": "readOnly", "Equals": read_only}] if read_only else []
    out = []
    if selector.get("IncludeManagementEvents", True):
        management = [{"Field": "eventCategory", "Equals": ["Management"]}, *extra]
        out.append({"Name": "Management events", "FieldSelectors": management})
    for resource in selector.get("DataResources", []):
        if resource.get("Type") == S3_OBJECT:
            continue
        fields = [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": [resource["Type"]]},
        ]
        values = [v for v in resource.get("Values", []) if v.count(":") > 2]  # specific resources only
        if values:
            fields.append({"Field": "resources.ARN", "StartsWith": values})
        out.append({"Name": f"{resource['Type']} data events", "FieldSelectors": fields + extra})
    return out


def put_s3(cloudtrail: Any, trail_arn: str, events: list[str]) -> None:
    """Advanced selectors: the trail's own (basic ones converted, AWS's default when it has none) minus
    those logging S3 objects in every bucket, plus one selector for `events`."""
    found = cloudtrail.get_event_selectors(TrailName=trail_arn)
    kept = [s for s in found.get("AdvancedEventSelectors") or [] if not _advanced_s3(s)]
    if not kept:
        basic = found.get("EventSelectors") or [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
        kept = [converted for selector in basic for converted in _from_basic(selector)]
    fields = [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": [S3_OBJECT]},
    ]
    if len(events) == 1:
        fields.append({"Field": "readOnly", "Equals": ["true" if events == ["read"] else "false"]})
    selectors = [*kept, {"Name": SELECTOR_NAME, "FieldSelectors": fields}]
    cloudtrail.put_event_selectors(TrailName=trail_arn, AdvancedEventSelectors=selectors)
