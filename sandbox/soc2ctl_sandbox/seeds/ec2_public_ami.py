"""An image of the account's instance: compliant shares it with one named account, drifted makes it public;
fresh: none."""

from soc2ctl_sandbox.compute_seeds import app_instance, seeded
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if not seeded(ctx):
        return
    ec2 = ctx.client("ec2")
    image = ec2.create_image(InstanceId=app_instance(ctx)["InstanceId"], Name="app-server-golden")["ImageId"]
    share = {"Group": "all"} if ctx.posture == "drifted" else {"UserId": "111122223333"}
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [share]})
