"""GuardDuty findings: compliant accounts have a detector (us-east-1) with a low-severity finding and an
archived high one; drifted ones also an open high-severity finding. fresh: no detector."""

from soc2ctl_sandbox.moto_ext.guardduty_findings import add_finding
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != "us-east-1":
        return
    guardduty = ctx.client("guardduty")
    detectors = guardduty.list_detectors()["DetectorIds"]
    detector = detectors[0] if detectors else guardduty.create_detector(Enable=True)["DetectorId"]
    add_finding(
        ctx.account_id, ctx.region, detector, severity=2.0, finding_type="Recon:EC2/PortProbeUnprotectedPort"
    )
    add_finding(ctx.account_id, ctx.region, detector, severity=8.0, archived=True)
    if ctx.posture == "drifted":
        add_finding(
            ctx.account_id,
            ctx.region,
            detector,
            severity=8.0,
            finding_type="CryptoCurrency:EC2/BitcoinTool.B!DNS",
        )
