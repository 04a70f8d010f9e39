"""compliant: the account's instance (app-server) is registered with Systems Manager; drifted: it runs
without the agent; fresh: no instance. Registration is the agent's doing in AWS, so it is set on moto's SSM
backend (soc2ctl_sandbox.moto_ext.ssm_instance_information), in the server's process."""

from soc2ctl_sandbox.compute_seeds import app_instance, seeded
from soc2ctl_sandbox.moto_ext.ssm_instance_information import register_managed_instance
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if not seeded(ctx):
        return
    instance = app_instance(ctx)
    if ctx.posture == "compliant":
        register_managed_instance(ctx.account_id, ctx.region, instance["InstanceId"])
