"""No open (unarchived) high or critical severity GuardDuty finding in any account and region."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, Remediation, Scope, TaskContext


class GuardDutyHighFindingsParams(Params):
    min_severity: float = Field(default=7.0, ge=1.0, le=10.0, description="7: high and critical.")


class GuardDutyHighFindings(Remediation[GuardDutyHighFindingsParams]):
    """Open GuardDuty findings of high or critical severity are reported for investigation (detect only).

    Each finding is keyed by its ARN, with its type, severity and title. A region without a detector has
    no findings to list (guardduty-detector makes the detector). Archiving a finding unread is no fix:
    a person investigates, remediates and then archives it (or suppresses it with a filter)."""

    name = "guardduty-high-findings"
    scope = Scope.REGION
    risk = "medium"  # detect only; nothing is written
    detect_only = True
    criteria = ("CC7.3", "CC7.4")
    prowler_checks = ("guardduty_no_high_severity_findings",)
    read_actions = ("guardduty:ListDetectors", "guardduty:ListFindings", "guardduty:GetFindings")
    human_step = (
        "Investigate each listed finding under the incident response procedure, remediate what it found, "
        "then archive it (or add a suppression rule for an accepted pattern)."
    )

    def read(self, ctx: TaskContext, params: GuardDutyHighFindingsParams) -> dict[str, Any]:
        guardduty = ctx.client("guardduty")
        criteria = {
            "Criterion": {
                "severity": {"GreaterThanOrEqual": int(params.min_severity)},
                "service.archived": {"Equals": ["false"]},
            }
        }
        found: dict[str, Any] = {}
        for detector in paginate(guardduty, "list_detectors", "DetectorIds"):
            ids = paginate(
                guardduty, "list_findings", "FindingIds", DetectorId=detector, FindingCriteria=criteria
            )
            for start in range(0, len(ids), 50):  # GetFindings takes at most 50 ids
                batch = guardduty.get_findings(DetectorId=detector, FindingIds=ids[start : start + 50])
                for finding in batch["Findings"]:
                    if finding["Severity"] >= params.min_severity:  # integer criterion: 6.9 passed gte 6
                        found[finding["Arn"]] = {
                            "type": finding["Type"],
                            "severity": finding["Severity"],
                            "title": finding.get("Title"),
                            "open": True,
                        }
        return found

    def desired(self, ctx: TaskContext, params: GuardDutyHighFindingsParams, observed: Any) -> dict[str, Any]:
        return {arn: {"open": False} for arn in observed}
