"""AWS Control Tower: how its landing zone and the resources it manages are recognised, and what soc2ctl
asks of them.

Control Tower owns an organization trail, a Config recorder and delivery channel in every enrolled account
and governed region, its roles, its guardrail SCPs and the StackSets that deploy them; it reverts (or
reports as drift) any change made behind its back. So soc2ctl never writes to them: `org-cloudtrail` and
`config-recorder` accept Control Tower's trail and recorder as satisfying their control when they meet the
SOC 2 settings, and report a gap as a detect finding whose human step says how to fix it in Control Tower.
Nothing here writes; every function reads or decides from what was read.

A resource is Control Tower's by its name (`aws-controltower-*`, `AWSControlTower*`, `aws-guardrails-*`), by
Control Tower's tag `aws-control-tower: managed-by-control-tower`, or by the StackSet marker CloudFormation
puts on what a stack instance created (`aws:cloudformation:stack-name: StackSet-AWSControlTower...`).
"""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import ManagedElsewhere, TaskContext

OWNER = "AWS Control Tower"
SERVICE = "controltower.amazonaws.com"
TRAIL = "aws-controltower-BaselineCloudTrail"
RECORDER = "aws-controltower-BaselineConfigRecorder"
CHANNEL = "aws-controltower-BaselineConfigDeliveryChannel"
LOG_GROUP = "aws-controltower/CloudTrailLogs"  # where its organization trail delivers (management account)
NAME_PREFIXES = ("aws-controltower-", "AWSControlTower")  # roles, trail, recorder, stack sets
SCP_PREFIX = "aws-guardrails-"
STACK_SET_PREFIX = "AWSControlTowerBP-"
TAG = ("aws-control-tower", "managed-by-control-tower")
STACK_TAG = "aws:cloudformation:stack-name"
STACK_MARK = "StackSet-AWSControlTower"

TRAIL_STEP = (
    "This trail belongs to AWS Control Tower: change it only there (Control Tower > Landing zone settings: "
    "CloudTrail and KMS encryption, then Update or Repair the landing zone); a change made elsewhere is drift "
    "Control Tower reverts. If only the log group differs, point the playbook's cloudtrail_log_group at the "
    f"trail's group ({LOG_GROUP}) so the security alarms watch it."
)
RECORDER_STEP = (
    "This recorder belongs to AWS Control Tower: repair it there (re-register the account's OU, or Update or "
    "Repair the landing zone, with this region governed), never by hand: its guardrail SCPs deny the change "
    "to everyone but AWSControlTowerExecution."
)


def marker(name: str | None, tags: dict[str, str] | None = None) -> str | None:
    """How a resource shows it is Control Tower's (`by name`, `by tag …`, `by StackSet marker …`), or None."""
    if (name or "").startswith((*NAME_PREFIXES, SCP_PREFIX)):
        return "by name"
    tags = tags or {}
    if tags.get(TAG[0]) == TAG[1]:
        return f"by tag {TAG[0]}={TAG[1]}"
    if str(tags.get(STACK_TAG, "")).startswith(STACK_MARK):
        return f"by StackSet marker {STACK_TAG}={tags[STACK_TAG]}"
    return None


def owns(name: str | None, tags: dict[str, str] | None = None) -> bool:
    """Whether soc2ctl must leave this SCP, role, stack set, trail or recorder alone."""
    return marker(name, tags) is not None


# ---------------------------------------------------------------- the organization trail


def read_trail(ctx: TaskContext, trusted: list[str]) -> dict[str, Any] | None:
    """Control Tower's organization trail as the SOC 2 settings see it, or None when there is none.

    Only organization trails are candidates: the one Control Tower made, recognised by name or tags."""
    cloudtrail = ctx.client("cloudtrail")
    for trail in cloudtrail.describe_trails(includeShadowTrails=True)["trailList"]:
        if not trail.get("IsOrganizationTrail"):
            continue
        found = marker(trail["Name"]) or marker(None, _trail_tags(ctx, trail))
        if found is None:
            continue
        status = cloudtrail.get_trail_status(Name=trail["TrailARN"])
        group = trail.get("CloudWatchLogsLogGroupArn") or ""
        return {
            "name": trail["Name"],
            "markers": [f"trail {trail['Name']} ({found})", *landing_zone_markers(ctx, trusted)],
            "is_organization_trail": True,
            "is_multi_region_trail": bool(trail.get("IsMultiRegionTrail")),
            "include_global_service_events": bool(trail.get("IncludeGlobalServiceEvents")),
            "log_file_validation_enabled": bool(trail.get("LogFileValidationEnabled")),
            "kms_encrypted": bool(trail.get("KmsKeyId")),
            "logging": bool(status.get("IsLogging")),
            "cloudwatch_logs_log_group": group.split(":log-group:", 1)[-1].removesuffix(":*") or None,
        }
    return None


def _trail_tags(ctx: TaskContext, trail: dict[str, Any]) -> dict[str, str]:
    """A trail's tags, asked of its home region (CloudTrail answers there only)."""
    client = ctx.client("cloudtrail", region=trail.get("HomeRegion") or ctx.region)
    found = client.list_tags(ResourceIdList=[trail["TrailARN"]])["ResourceTagList"]
    return {t["Key"]: t["Value"] for r in found for t in r.get("TagsList", [])}


def landing_zone_markers(ctx: TaskContext, trusted: list[str]) -> list[str]:
    """Evidence of a landing zone beyond the trail: trusted access for Control Tower, its StackSets."""
    found = [f"trusted access {SERVICE}"] if SERVICE in trusted else []
    sets = paginate(ctx.client("cloudformation"), "list_stack_sets", "Summaries", Status="ACTIVE")
    found += sorted(
        f"stack set {s['StackSetName']}" for s in sets if s["StackSetName"].startswith(STACK_SET_PREFIX)
    )
    return found


def desired_trail(log_group: str | None) -> dict[str, Any]:
    """The SOC 2 settings a Control Tower trail must have: its bucket, key and names are Control Tower's."""
    want: dict[str, Any] = {
        "is_organization_trail": True,
        "is_multi_region_trail": True,
        "include_global_service_events": True,
        "log_file_validation_enabled": True,
        "kms_encrypted": True,
        "logging": True,
    }
    if log_group:
        want["cloudwatch_logs_log_group"] = log_group
    return want


def trail_managed(observed: dict[str, Any]) -> ManagedElsewhere | None:
    trail = observed.get("control_tower_trail")
    return ManagedElsewhere(OWNER, tuple(trail["markers"]), TRAIL_STEP) if trail else None


# ---------------------------------------------------------------- the Config recorder


def recorder_managed(observed: dict[str, Any]) -> ManagedElsewhere | None:
    """Control Tower's recorder (or channel) in this account and region, recognised by name."""
    names = {"recorder": observed.get("recorder_name"), "channel": observed.get("delivery_channel_name")}
    found = [f"{kind} {name} (by name)" for kind, name in names.items() if owns(name)]
    return ManagedElsewhere(OWNER, tuple(found), RECORDER_STEP) if found else None


def desired_recorder(observed: dict[str, Any], home: bool) -> dict[str, Any]:
    """What a Control Tower recorder must do for SOC 2: record every supported type (global ones at least
    in the home region), deliver somewhere, be on. Its role and bucket are Control Tower's choice."""
    recorder: dict[str, Any] = {"all_supported": True}
    if home:
        recorder["include_global_resource_types"] = True
    return {
        "recorder": recorder,
        "delivery_channel_name": observed.get("delivery_channel_name") or CHANNEL,
        "recording": True,
    }
