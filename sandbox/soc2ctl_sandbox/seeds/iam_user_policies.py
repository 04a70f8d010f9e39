"""User policies: compliant accounts have a user whose permissions come from a group; drifted ones also a
user with a managed policy attached directly and an inline policy. fresh: no users."""

import json

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "account"
READ = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    iam = ctx.client("iam")
    policy = iam.create_policy(PolicyName="reports-read", PolicyDocument=READ)["Policy"]["Arn"]
    iam.create_group(GroupName="analysts")
    iam.attach_group_policy(GroupName="analysts", PolicyArn=policy)
    iam.create_user(UserName="analyst")
    iam.add_user_to_group(GroupName="analysts", UserName="analyst")
    if ctx.posture == "drifted":
        iam.create_user(UserName="direct-grant")
        iam.attach_user_policy(UserName="direct-grant", PolicyArn=policy)
        iam.put_user_policy(UserName="direct-grant", PolicyName="extra", PolicyDocument=READ)
