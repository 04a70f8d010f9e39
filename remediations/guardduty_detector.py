"""A GuardDuty detector in every account and region, with the chosen features and finding frequency."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from remediations._aws import client_token
from remediations._preconditions import detector_resource
from soc2ctl.remediation import Params, PlannedChange, Remediation, Resource, Scope, Target, TaskContext

Frequency = Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"]


class GuardDutyDetectorParams(Params):
    enabled: bool = True
    finding_publishing_frequency: Frequency = "FIFTEEN_MINUTES"
    features: dict[str, bool] = Field(
        default_factory=dict,
        description="Protection plans by GuardDuty feature name, e.g. S3_DATA_EVENTS: true. Unlisted: unmanaged.",
    )


class GuardDutyDetector(Remediation[GuardDutyDetectorParams]):
    """Threat detection is on everywhere: the member-detector part of guardduty-org."""

    name = "guardduty-detector"
    scope = Scope.REGION
    risk = "low"  # adds detection; cost grows with usage
    criteria = ("CC7.1", "CC7.2")
    prowler_checks = ("guardduty_is_enabled",)
    config_rules = ("guardduty-enabled-centralized",)
    securityhub_controls = ("GuardDuty.1",)
    read_actions = ("guardduty:ListDetectors", "guardduty:GetDetector")
    write_actions = ("guardduty:CreateDetector", "guardduty:UpdateDetector", "iam:CreateServiceLinkedRole")

    def provides(self, target: Target, params: GuardDutyDetectorParams) -> list[Resource]:
        return [detector_resource(target.account_id, target.region)] if params.enabled else []

    def read(self, ctx: TaskContext, params: GuardDutyDetectorParams) -> dict[str, Any]:
        gd = ctx.client("guardduty")
        ids = [i for page in gd.get_paginator("list_detectors").paginate() for i in page["DetectorIds"]]
        if not ids:
            return {"detector": None}
        found = gd.get_detector(DetectorId=ids[0])
        return {
            "detector_id": ids[0],
            "detector": {
                "enabled": found["Status"] == "ENABLED",
                "finding_publishing_frequency": found.get("FindingPublishingFrequency"),
                "features": {f["Name"]: f["Status"] == "ENABLED" for f in found.get("Features", [])},
            },
        }

    def desired(self, ctx: TaskContext, params: GuardDutyDetectorParams, observed: Any) -> dict[str, Any]:
        return {"detector": params.model_dump()}

    def apply(self, ctx: TaskContext, change: PlannedChange[GuardDutyDetectorParams]) -> None:
        params, observed = change.params, change.observed
        gd = ctx.client("guardduty")
        current = (observed.get("detector") or {}).get("features", {})
        features = [
            {"Name": name, "Status": "ENABLED" if on else "DISABLED"}
            for name, on in {**current, **params.features}.items()
        ]
        settings: dict[str, Any] = {
            "Enable": params.enabled,
            "FindingPublishingFrequency": params.finding_publishing_frequency,
        }
        if features:
            settings["Features"] = features
        if observed.get("detector") is None:
            gd.create_detector(ClientToken=client_token(ctx, "detector"), **settings)
        else:
            gd.update_detector(DetectorId=observed["detector_id"], **settings)
