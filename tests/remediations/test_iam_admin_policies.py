"""iam-admin-policies reports exactly the policies in use that grant `*:*` or a guarded service's `*`."""

import json

from tests.helpers import ModuleRun, member_client

MODULE = "iam-admin-policies"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*") -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_findings_name_each_policy_with_its_verdict(org):
    account = org["alpha"]
    iam = member_client("iam", account)
    iam.create_user(UserName="ops")
    arns = {
        name: iam.create_policy(PolicyName=name, PolicyDocument=body)["Policy"]["Arn"]
        for name, body in {
            "admin": doc(allow(["s3:GetObject", "*"])),
            "kms-all": doc(allow("kms:*")),
            "kms-all-but-delete": doc(
                allow("kms:*"), {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}
            ),
            "star-on-one-bucket": doc(allow("*", "arn:aws:s3:::one")),
            "unattached-admin": doc(allow("*")),
        }.items()
    }
    for name in ("admin", "kms-all", "kms-all-but-delete", "star-on-one-bucket"):
        iam.attach_user_policy(UserName="ops", PolicyArn=arns[name])
    iam.put_user_policy(UserName="ops", PolicyName="trail", PolicyDocument=doc(allow("CloudTrail:*")))
    planned = ModuleRun(MODULE, {}, account).plan()
    assert planned.action == "detect"
    user = iam.get_user(UserName="ops")["User"]["Arn"]
    assert {(c.keys, json.dumps(c.before)) for c in planned.changes} == {
        ((arns["admin"], "grants_admin"), "true"),
        ((arns["kms-all"], "full_access"), '["kms"]'),
        ((f"{user}/inline-policy/trail", "full_access"), '["cloudtrail"]'),
    }
    assert planned.observed[arns["admin"]]["attached_to"] == ["user/ops"]
    assert arns["unattached-admin"] not in planned.observed  # grants nothing while unattached
