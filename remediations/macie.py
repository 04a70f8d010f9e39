"""Macie on in every account and region, publishing findings at the chosen frequency."""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError

from remediations._aws import error_code
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

Frequency = Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"]


class MacieParams(Params):
    enabled: bool = True  # false: PAUSED (never DisableMacie, which deletes findings and jobs)
    finding_publishing_frequency: Frequency = "FIFTEEN_MINUTES"


class Macie(Remediation[MacieParams]):
    """Sensitive-data discovery is on: Macie enabled, findings published promptly."""

    name = "macie"
    scope = Scope.REGION
    risk = "medium"  # sensitive-data discovery is billed per bucket and object
    # C1.1: identify confidential information. P4.2/P4.3: personal information can only be kept to its
    # retention period and disposed of if one knows where it is; Macie finds it in S3.
    criteria = ("C1.1", "P4.2", "P4.3")
    prowler_checks = ("macie_is_enabled",)
    config_rules = ("macie-status-check",)
    securityhub_controls = ("Macie.1",)
    read_actions = ("macie2:GetMacieSession",)
    write_actions = (
        "macie2:EnableMacie",
        "macie2:UpdateMacieSession",
        "iam:CreateServiceLinkedRole",  # EnableMacie creates AWSServiceRoleForAmazonMacie
    )

    def read(self, ctx: TaskContext, params: MacieParams) -> dict[str, Any]:
        session = macie_session(ctx.client("macie2"))
        if session is None:
            return {"macie": None}
        return {
            "macie": {
                "enabled": session["status"] == "ENABLED",
                "finding_publishing_frequency": session["findingPublishingFrequency"],
            }
        }

    def desired(self, ctx: TaskContext, params: MacieParams, observed: Any) -> dict[str, Any]:
        if observed["macie"] is None and not params.enabled:
            return {"macie": None}  # "paused" asked for and Macie is off altogether: nothing to turn on
        return {"macie": params.model_dump()}

    def apply(self, ctx: TaskContext, change: PlannedChange[MacieParams]) -> None:
        params, observed = change.params, change.observed
        settings = {
            "status": "ENABLED" if params.enabled else "PAUSED",
            "findingPublishingFrequency": params.finding_publishing_frequency,
        }
        macie = ctx.client("macie2")
        if observed["macie"] is None:
            macie.enable_macie(**settings)
        else:
            macie.update_macie_session(**settings)


def macie_session(client: Any) -> dict[str, Any] | None:
    """The session, or None when Macie is off. AWS says "off" with AccessDeniedException ("Macie is not
    enabled."), the same code as an IAM denial, so only that message means absent; any other denial raises."""
    try:
        return client.get_macie_session()
    except ClientError as exc:
        code, message = error_code(exc), exc.response.get("Error", {}).get("Message", "")
        if code == "ResourceNotFoundException":
            return None
        if code == "AccessDeniedException" and "not enabled" in message.lower():
            return None
        raise
