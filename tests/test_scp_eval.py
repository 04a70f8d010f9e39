"""The SCP Deny evaluator behind lockout guards: never says "allowed" when AWS could deny."""

from __future__ import annotations

import pytest

from soc2ctl.engine.diff import same
from soc2ctl.policy.scp_eval import arn_like, denials, glob_covers, glob_intersects, normalise_policy

EXECUTOR = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
OTHER = "arn:aws:iam::111111111111:role/Developer"
ROOT = "arn:aws:iam::111111111111:root"
EXEMPT = {"ArnNotLike": {"aws:PrincipalArn": "arn:*:iam::*:role/OrganizationAccountAccessRole"}}


def deny(action: object = "*", condition: dict | None = None, **extra: object) -> dict:
    statement = {"Sid": "S", "Effect": "Deny", "Action": action, "Resource": "*", **extra}
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def hits(policy: dict, principal: str = EXECUTOR, actions=("sts:AssumeRole",), region: str = "us-east-1"):
    return denials(policy, [principal], actions, [region])


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("s3:*", "s3:GetObject", True),
        ("s3:Get*", "s3:*Object", True),
        ("s3:Put*", "s3:Get*", False),
        ("*", "organizations:List*", True),
        ("ORGANIZATIONS:list*", "organizations:ListRoots", True),
        ("ec2:Describe?pcs", "ec2:DescribeVpcs", True),
        ("ec2:Describe?pcs", "ec2:DescribeVpc", False),
    ],
)
def test_glob_intersection(a, b, expected):
    assert glob_intersects(a, b) is expected
    assert glob_intersects(b, a) is expected


@pytest.mark.parametrize(
    ("pattern", "wanted", "expected"),
    [
        ("organizations:*", "organizations:List*", True),
        ("organizations:List*", "organizations:List*", True),
        ("organizations:ListRoots", "organizations:List*", False),
        ("organizations:List?", "organizations:List*", False),  # ? is one character, * any number
        ("*", "sts:AssumeRole", True),
        ("sts:*", "iam:PassRole", False),
    ],
)
def test_glob_covers_is_sound(pattern, wanted, expected):
    assert glob_covers(pattern, wanted) is expected


def test_arn_like_matches_component_by_component():
    assert arn_like(EXECUTOR, "arn:*:iam::*:role/OrganizationAccountAccessRole")
    assert not arn_like(EXECUTOR, "arn:aws:iam::*")  # five components never match a six-component ARN
    assert not arn_like(EXECUTOR, "arn:aws:iam::222222222222:role/*")
    assert arn_like(ROOT, "arn:aws:iam::*:root")


def test_deny_all_without_exemption_denies_everyone():
    found = hits(deny("*"), actions=["sts:AssumeRole", "organizations:List*"])
    assert {(d.statement, d.action, d.certain) for d in found} == {
        ("S", "sts:AssumeRole", True),
        ("S", "organizations:List*", True),
    }


def test_arn_not_like_exempts_the_executor_only():
    policy = deny("*", EXEMPT)
    assert hits(policy) == []
    assert [d.principal_arn for d in hits(policy, OTHER)] == [OTHER]


def test_action_lists_and_wildcard_needs():
    policy = deny(["organizations:DescribeOrganization", "cloudtrail:StopLogging"])
    assert [d.action for d in hits(policy, actions=["organizations:Describe*", "organizations:List*"])] == [
        "organizations:Describe*"
    ]


def test_not_action_denies_what_it_does_not_cover():
    policy = deny(condition=None)
    policy["Statement"][0].pop("Action")
    policy["Statement"][0]["NotAction"] = ["organizations:*", "sts:*"]
    assert hits(policy, actions=["organizations:List*", "sts:AssumeRole"]) == []
    assert [d.action for d in hits(policy, actions=["guardduty:GetDetector"])] == ["guardduty:GetDetector"]
    policy["Statement"][0]["NotAction"] = "organizations:ListRoots"
    assert [d.action for d in hits(policy, actions=["organizations:List*"])] == ["organizations:List*"]


def test_root_user_statement_does_not_touch_roles():
    policy = deny("*", {"ArnLike": {"aws:PrincipalArn": "arn:*:iam::*:root"}})
    assert hits(policy) == []
    assert len(hits(policy, ROOT)) == 1


def test_region_allow_list():
    policy = deny("*", {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}})
    assert hits(policy, region="eu-west-1") == []
    assert [d.region for d in hits(policy, region="us-east-1")] == ["us-east-1"]
    exempted = deny("*", {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}, **EXEMPT})
    assert hits(exempted, region="us-east-1") == []


def test_positive_string_operators():
    assert len(hits(deny("*", {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}))) == 1
    assert hits(deny("*", {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})) == []
    assert len(hits(deny("*", {"StringLike": {"aws:PrincipalArn": "*:role/Org*"}}))) == 1
    assert len(hits(deny("*", {"StringEqualsIgnoreCase": {"aws:RequestedRegion": "US-EAST-1"}}))) == 1
    assert hits(deny("*", {"StringEquals": {"aws:PrincipalAccount": "222222222222"}})) == []


def test_if_exists_and_null_on_modelled_keys():
    assert hits(deny("*", {"ArnNotLikeIfExists": {"aws:PrincipalArn": EXECUTOR}})) == []
    assert hits(deny("*", {"Null": {"aws:PrincipalArn": "true"}})) == []
    assert len(hits(deny("*", {"Null": {"aws:PrincipalArn": "false"}}))) == 1


@pytest.mark.parametrize(
    "condition",
    [
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},  # unknown operator
        {"StringEquals": {"aws:PrincipalTag/team": "platform"}},  # unknown key
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/X"}},  # variable
        {"ForAnyValue:StringEquals": {"aws:RequestedRegion": "eu-west-1"}},  # set operator, not modelled
        {"Null": {"aws:MultiFactorAuthPresent": "true"}},  # unmodelled key: presence unknown
    ],
)
def test_what_is_not_modelled_may_deny(condition):
    found = hits(deny("*", condition))
    assert len(found) == 1 and not found[0].certain


def test_a_known_false_condition_wins_over_an_unknown_one():
    condition = {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}, **EXEMPT}
    assert hits(deny("*", condition)) == []


def test_specific_resources_may_deny():
    found = hits(deny("*", Resource="arn:aws:s3:::logs/*"))
    assert len(found) == 1 and not found[0].certain
    policy = deny("*")
    del policy["Statement"][0]["Resource"]
    policy["Statement"][0]["NotResource"] = "arn:aws:s3:::logs/*"
    assert not hits(policy)[0].certain


def test_allow_statements_are_ignored_and_labels_fall_back_to_position():
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sts:*", "Resource": "*"},
        ]
    }
    assert [d.statement for d in hits(policy)] == ["#1"]
    assert (
        hits({"Statement": {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}})[0].statement
        == "#0"
    )


def test_normalised_policies_ignore_key_order_single_values_and_statement_order():
    a = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "B", "Effect": "Deny", "Action": ["s3:PutAccountPublicAccessBlock"], "Resource": ["*"]},
            {
                "Sid": "A",
                "Effect": "Deny",
                "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
                "Resource": "*",
                "Condition": {
                    "ArnNotLike": {"aws:PrincipalArn": ["y", "x"]},
                    "Bool": {"aws:ViaAWSService": False},
                },
            },
        ],
    }
    b = {
        "Statement": [
            {
                "Condition": {
                    "Bool": {"aws:ViaAWSService": "false"},
                    "ArnNotLike": {"aws:PrincipalArn": ["x", "y"]},
                },
                "Resource": "*",
                "Action": ["cloudtrail:DeleteTrail", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail"],
                "Effect": "Deny",
                "Sid": "A",
            },
            {"Resource": "*", "Action": "s3:PutAccountPublicAccessBlock", "Effect": "Deny", "Sid": "B"},
        ],
        "Version": "2012-10-17",
    }
    assert same(normalise_policy(a), normalise_policy(b))
    assert normalise_policy({"Statement": b["Statement"][1]})["Statement"][0]["Action"] == [
        "s3:PutAccountPublicAccessBlock"
    ]
    changed = {**b, "Statement": [b["Statement"][0]]}
    assert not same(normalise_policy(a), normalise_policy(changed))
