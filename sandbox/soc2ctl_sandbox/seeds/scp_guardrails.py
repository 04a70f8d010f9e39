"""Guardrail SCPs: an outdated soc2ctl-guardrails policy, as a previous soc2ctl version would have left it.

Seeded once, from the management account: SCPs are enabled and an older policy (two guardrails only, and
an exemption for a since-renamed executor role next to the current one) is attached to the root, so the
sandbox plan shows an update of the policy rather than a creation.
"""

import json

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "org"
SCP = "SERVICE_CONTROL_POLICY"
EXEMPT = {
    "ArnNotLike": {
        "aws:PrincipalArn": [
            "arn:*:iam::*:role/OrganizationAccountAccessRole",
            "arn:*:iam::*:role/soc2ctl-executor-v0",
        ]
    }
}
OUTDATED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyLeaveOrganization",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
            "Condition": EXEMPT,
        },
        {
            "Sid": "ProtectCloudTrail",
            "Effect": "Deny",
            "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
            "Resource": "*",
            "Condition": EXEMPT,
        },
    ],
}


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh":
        return
    org = ctx.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType=SCP)
    created = org.create_policy(
        Name="soc2ctl-guardrails",
        Description="SOC 2 guardrails, managed by soc2ctl",
        Type=SCP,
        Content=json.dumps(OUTDATED, indent=2),
    )
    org.attach_policy(PolicyId=created["Policy"]["PolicySummary"]["Id"], TargetId=root)
