from typing import Any

from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, REGIONS, SeedContext

SCOPE = "region"

# The playbook's default delivery bucket (var `config_bucket`): one central bucket per organization.
BUCKET = f"soc2ctl-config-{MANAGEMENT_ACCOUNT}"


def seed(ctx: SeedContext) -> None:
    """The central bucket (management account, seeded first); compliant: recorder on for all types (global
    ones in the home region only), delivering to it; drifted: the same, but the recorder is stopped in
    us-east-1; fresh: nothing."""
    if ctx.is_management and ctx.region == REGIONS[0]:
        ctx.client("s3").create_bucket(Bucket=BUCKET)
    if ctx.posture == "fresh":
        return
    if ctx.region == REGIONS[0]:
        _service_linked_role(ctx)
    config = ctx.client("config")
    config.put_configuration_recorder(ConfigurationRecorder=_recorder(ctx))
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": BUCKET})
    if not (ctx.posture == "drifted" and ctx.region == "us-east-1"):
        config.start_configuration_recorder(ConfigurationRecorderName="default")


def _recorder(ctx: SeedContext) -> dict[str, Any]:
    role = ctx.arn("iam", "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", region="")
    return {
        "name": "default",
        "roleARN": role,
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": ctx.region == REGIONS[0]},
    }


def _service_linked_role(ctx: SeedContext) -> None:
    iam = ctx.client("iam")
    if not any(r["RoleName"] == "AWSServiceRoleForConfig" for r in iam.list_roles()["Roles"]):
        iam.create_service_linked_role(AWSServiceName="config.amazonaws.com")
