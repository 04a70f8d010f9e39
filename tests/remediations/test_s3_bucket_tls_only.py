"""The TLS deny is merged into a bucket policy: the bucket's other statements survive, an equivalent deny
under another Sid counts, and a stale soc2ctl statement is replaced rather than duplicated."""

import json

from soc2ctl_sandbox.seed import SeedClients
from tests.helpers import ModuleRun, write_calls

MODULE = "s3-bucket-tls-only"


def statement(sid: str, **fields) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", **fields}


def test_other_statements_survive_the_merge(org):
    run = ModuleRun(MODULE, {}, org["alpha"])
    s3 = SeedClients(None).client(org["alpha"], "s3", "us-east-1")
    s3.create_bucket(Bucket="shared-data")
    reader = statement(
        "PartnerReads",
        Principal={"AWS": f"arn:aws:iam::{org['beta']}:root"},
        Resource="arn:aws:s3:::shared-data/*",
    )
    stale = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
             "Resource": "arn:aws:s3:::shared-data/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip
    s3.put_bucket_policy(
        Bucket="shared-data", Policy=json.dumps({"Version": "2012-10-17", "Statement": [reader, stale]})
    )
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes] == [
        ("[arn:aws:s3:::shared-data].tls_only", False, True)
    ]
    applied = run.apply()
    assert applied.status == "changed" and write_calls(applied) == ["s3:PutBucketPolicy"]
    after = json.loads(s3.get_bucket_policy(Bucket="shared-data")["Policy"])["Statement"]
    assert after[0] == reader  # kept exactly
    assert [s["Sid"] for s in after] == ["PartnerReads", "DenyInsecureTransport"]  # stale one replaced
    assert after[1]["Action"] == "s3:*" and after[1]["Resource"] == [
        "arn:aws:s3:::shared-data",
        "arn:aws:s3:::shared-data/*",
    ]
    assert run.plan().action == "no-op"


def test_an_equivalent_deny_under_another_sid_counts(org):
    run = ModuleRun(MODULE, {}, org["gamma"])
    s3 = SeedClients(None).client(org["gamma"], "s3", "us-east-1")
    s3.create_bucket(Bucket="tls-already")
    deny = {"Sid": "HttpsOnly", "Effect": "Deny", "Principal": {"AWS": ["*"]}, "Action": ["s3:*"], "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:securetransport": ["false"]}}}  # fmt: skip
    s3.put_bucket_policy(
        Bucket="tls-already", Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    s3.create_bucket(Bucket="no-policy")
    planned = run.plan()
    assert planned.observed["arn:aws:s3:::tls-already"]["tls_only"] is True
    assert [c.path for c in planned.changes] == ["[arn:aws:s3:::no-policy].tls_only"]
    run.apply()
    created = json.loads(s3.get_bucket_policy(Bucket="no-policy")["Policy"])
    assert [s["Sid"] for s in created["Statement"]] == ["DenyInsecureTransport"]
