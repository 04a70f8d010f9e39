"""No AMI the account owns is public (launchable by every AWS account)."""

from __future__ import annotations

from typing import Any

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class Ec2PublicAmiParams(Params):
    """No parameters: an image is public or it is not."""


class Ec2PublicAmi(Remediation[Ec2PublicAmiParams]):
    """AMIs owned by the account are not public: the `all` launch permission is removed (shares with named
    accounts, organizations and OUs are kept)."""

    name = "ec2-public-ami"
    scope = Scope.REGION
    risk = "medium"  # accounts outside the shares that launch from the image can no longer
    criteria = ("CC6.1", "CC6.6", "C1.1")
    prowler_checks = ("ec2_ami_public",)
    read_actions = ("ec2:DescribeImages",)
    write_actions = ("ec2:ModifyImageAttribute",)

    def read(self, ctx: TaskContext, params: Ec2PublicAmiParams) -> dict[str, Any]:
        images = paginate(ctx.client("ec2"), "describe_images", "Images", Owners=["self"])
        return {ctx.arn("ec2", f"image/{i['ImageId']}"): {"public": bool(i.get("Public"))} for i in images}

    def desired(self, ctx: TaskContext, params: Ec2PublicAmiParams, observed: Any) -> dict[str, Any]:
        return {arn: {"public": False} for arn in observed}

    def apply(self, ctx: TaskContext, change: PlannedChange[Ec2PublicAmiParams]) -> None:
        ec2 = ctx.client("ec2")
        for arn in change.changed_keys():
            ec2.modify_image_attribute(
                ImageId=arn.rsplit("/", 1)[1], LaunchPermission={"Remove": [{"Group": "all"}]}
            )
