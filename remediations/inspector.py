"""Inspector v2 scanning on in every account and region for the chosen resource types."""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import Field

from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

ScanType = Literal["EC2", "ECR", "LAMBDA", "LAMBDA_CODE", "CODE_REPOSITORY"]
# The API's scan types, as the keys of BatchGetAccountStatus's resourceState.
_STATE_KEYS: dict[str, str] = {
    "EC2": "ec2",
    "ECR": "ecr",
    "LAMBDA": "lambda",
    "LAMBDA_CODE": "lambdaCode",
    "CODE_REPOSITORY": "codeRepository",
}
# ENABLING counts as on: AWS takes a while to reach ENABLED, and verification right after apply must pass.
_ON = frozenset({"ENABLING", "ENABLED"})


class InspectorParams(Params):
    scans: dict[ScanType, bool] = Field(
        default_factory=lambda: {"EC2": True, "ECR": True, "LAMBDA": True},
        description="Scan types by name, true to enable, false to disable. Unlisted: unmanaged.",
    )


class Inspector(Remediation[InspectorParams]):
    """Vulnerability scanning is on: Inspector v2 for EC2 instances, ECR images and Lambda functions."""

    name = "inspector"
    scope = Scope.REGION
    risk = "medium"  # scanning is billed per resource
    criteria = ("CC7.1",)
    prowler_checks = ("inspector2_is_enabled",)
    securityhub_controls = ("Inspector.1", "Inspector.2", "Inspector.3")
    read_actions = ("inspector2:BatchGetAccountStatus",)
    write_actions = (
        "inspector2:Enable",
        "inspector2:Disable",
        "iam:CreateServiceLinkedRole",  # Enable creates AWSServiceRoleForAmazonInspector2
    )

    def read(self, ctx: TaskContext, params: InspectorParams) -> dict[str, Any]:
        found = ctx.client("inspector2").batch_get_account_status(accountIds=[ctx.account_id])
        check(found, "BatchGetAccountStatus")
        state = next((a for a in found.get("accounts", []) if a["accountId"] == ctx.account_id), None)
        if state is None or state["state"]["status"] not in _ON:
            return {"scans": None}  # Inspector not activated here: creating it is one change
        resources = state.get("resourceState", {})
        return {
            "scans": {
                scan: resources.get(key, {}).get("status") in _ON
                for scan, key in _STATE_KEYS.items()
                if key in resources
            }
        }

    def desired(self, ctx: TaskContext, params: InspectorParams, observed: Any) -> dict[str, Any]:
        if observed["scans"] is None and not any(params.scans.values()):
            return {"scans": None}  # only "off" asked for, and Inspector is off altogether: nothing to do
        return {"scans": dict(params.scans)}

    def apply(self, ctx: TaskContext, change: PlannedChange[InspectorParams]) -> None:
        params, observed = change.params, change.observed
        inspector = ctx.client("inspector2")
        have = observed["scans"] or {}
        enable = [s for s, on in params.scans.items() if on and not have.get(s)]
        disable = [s for s, on in params.scans.items() if not on and have.get(s)]
        if enable:
            check(inspector.enable(accountIds=[ctx.account_id], resourceTypes=enable), "Enable")
        if disable:
            check(inspector.disable(accountIds=[ctx.account_id], resourceTypes=disable), "Disable")


def check(response: dict[str, Any], operation: str) -> None:
    """Inspector answers per-account failures (e.g. ACCESS_DENIED) with HTTP 200 and `failedAccounts`."""
    failed = response.get("failedAccounts") or []
    if failed:
        raise account_error(failed[0], operation)


def account_error(failure: dict[str, Any], operation: str) -> ClientError:
    """A per-account failure as the API error it is, so the task error names code and operation as usual."""
    error = {"Code": failure.get("errorCode", "Unknown"), "Message": failure.get("errorMessage", "")}
    return ClientError({"Error": error}, operation)
