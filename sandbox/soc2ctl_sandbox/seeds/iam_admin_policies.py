"""Administrator policies: compliant accounts have a read-only customer policy attached to a role; drifted
ones also a `*:*` customer policy attached to a user, a `*:*` inline policy on a role and a
`cloudtrail:*` policy attached to it. fresh: none."""

import json

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def _policy(action: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
    )


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    iam = ctx.client("iam")
    iam.create_role(RoleName="app-reader", AssumeRolePolicyDocument=json.dumps(TRUST))
    reader = iam.create_policy(PolicyName="app-read", PolicyDocument=_policy("s3:GetObject"))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="app-reader", PolicyArn=reader)
    if ctx.posture == "drifted":
        iam.create_user(UserName="contractor")
        admin = iam.create_policy(PolicyName="everything", PolicyDocument=_policy("*"))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="contractor", PolicyArn=admin)
        iam.put_role_policy(RoleName="app-reader", PolicyName="debug-all", PolicyDocument=_policy("*"))
        trail = iam.create_policy(PolicyName="trail-admin", PolicyDocument=_policy("cloudtrail:*"))["Policy"][
            "Arn"
        ]
        iam.attach_role_policy(RoleName="app-reader", PolicyArn=trail)
