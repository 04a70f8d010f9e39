import json

from tests.helpers import ModuleRun, deny, member_client, write_calls

MODULE = "org-cloudtrail"
MANAGEMENT = "123456789012"
BUCKET = f"soc2ctl-cloudtrail-{MANAGEMENT}"
TRAIL = "soc2ctl-organization-trail"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/{TRAIL}"


def client(service: str, region: str = "us-east-1"):
    return member_client(service, MANAGEMENT, region)


def org_id() -> str:
    return client("organizations").describe_organization()["Organization"]["Id"]


def aws_style_policy() -> str:
    """The policy as someone would write it by hand: other Sids, other order, lists and strings mixed."""
    write = {"StringEquals": {"aws:SourceArn": [TRAIL_ARN], "s3:x-amz-acl": "bucket-owner-full-control"}}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TLS",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["s3:*"],
                    "Resource": [f"arn:aws:s3:::{BUCKET}/*", f"arn:aws:s3:::{BUCKET}"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["cloudtrail.amazonaws.com"]},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/AWSLogs/{org_id()}/*",
                    "Condition": write,
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/AWSLogs/{MANAGEMENT}/*",
                    "Condition": write,
                },
                {
                    "Sid": "Acl",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": f"arn:aws:s3:::{BUCKET}",
                    "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}},
                },
            ],
        }
    )


def compliant_setup(validation: bool = True) -> str:
    """A hand-built compliant organization trail; returns the key ARN."""
    client("organizations").enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/soc2ctl-cloudtrail", TargetKeyId=key["KeyId"])
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=aws_style_policy())
    s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    ct = client("cloudtrail")
    ct.create_trail(
        Name=TRAIL,
        S3BucketName=BUCKET,
        IsOrganizationTrail=True,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=validation,
        KmsKeyId=key["Arn"],
    )
    ct.start_logging(Name=TRAIL)
    return key["Arn"]


def test_compliant_is_noop_with_a_policy_written_differently(org):
    compliant_setup()
    result = ModuleRun(MODULE, {}).plan()
    assert result.action == "no-op", result.changes
    assert result.observed["trail"]["logging"] is True


def test_absent_creates_key_bucket_trail_and_starts_logging(org):
    run = ModuleRun(MODULE, {})
    planned = run.plan()
    assert planned.action == "update"  # trusted access false -> true; bucket and trail created
    assert {(c.path, c.action) for c in planned.changes} == {
        ("trusted_access", "update"),
        ("bucket", "create"),
        ("trail", "create"),
    }
    applied = run.apply()
    assert applied.status == "changed", applied.error
    assert write_calls(applied) == [
        "organizations:EnableAWSServiceAccess",
        "kms:CreateKey",
        "kms:EnableKeyRotation",
        "kms:CreateAlias",
        "s3:CreateBucket",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "cloudtrail:CreateTrail",
        "cloudtrail:StartLogging",
    ]
    ct = client("cloudtrail")
    trail = ct.describe_trails(trailNameList=[TRAIL])["trailList"][0]
    key = client("kms").describe_key(KeyId="alias/soc2ctl-cloudtrail")["KeyMetadata"]
    assert trail["IsOrganizationTrail"] and trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trail["IncludeGlobalServiceEvents"] and trail["KmsKeyId"] == key["Arn"]
    assert ct.get_trail_status(Name=TRAIL)["IsLogging"] is True
    assert client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    key_policy = json.loads(client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert any(s["Principal"] == {"Service": "cloudtrail.amazonaws.com"} for s in key_policy["Statement"])
    policy = json.loads(client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])
    principals = {json.dumps(s["Principal"]) for s in policy["Statement"] if s["Effect"] == "Allow"}
    assert principals == {json.dumps({"Service": ["cloudtrail.amazonaws.com"]})}
    assert all(
        s["Condition"]["StringEquals"]["aws:SourceArn"] == [TRAIL_ARN]
        for s in policy["Statement"]
        if s["Effect"] == "Allow"
    )
    block = client("s3").get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    trusted = client("organizations").list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    assert "cloudtrail.amazonaws.com" in {s["ServicePrincipal"] for s in trusted}
    assert write_calls(run.apply()) == []


def test_drifted_trail_without_validation_stopped_and_open_policy(org):
    compliant_setup(validation=False)
    client("cloudtrail").stop_logging(Name=TRAIL)
    extra = json.loads(aws_style_policy())
    extra["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    )
    client("s3").put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(extra))
    run = ModuleRun(MODULE, {})
    planned = run.plan()
    assert [(c.path, c.before, c.after) for c in planned.changes if c.path.startswith("trail")] == [
        ("trail.log_file_validation_enabled", False, True),
        ("trail.logging", False, True),
    ]
    assert [c.path for c in planned.changes] == [
        "bucket.policy.Statement",
        "trail.log_file_validation_enabled",
        "trail.logging",
    ]
    assert write_calls(run.apply()) == [
        "s3:PutBucketPolicy",
        "cloudtrail:UpdateTrail",
        "cloudtrail:StartLogging",
    ]
    trail = client("cloudtrail").describe_trails(trailNameList=[TRAIL])["trailList"][0]
    assert trail["LogFileValidationEnabled"] is True
    policy = client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"]
    assert "999999999999" not in policy
    assert write_calls(run.apply()) == []


def test_alias_and_arn_of_the_same_key_are_no_difference(org):
    key = compliant_setup()
    assert ModuleRun(MODULE, {"kms_key_id": key}).plan().action == "no-op"


def test_missing_key_without_create_is_refused(org):
    result = ModuleRun(MODULE, {"create_kms_key": False}).plan()
    assert (
        result.action == "error" and "refused" in result.error and "alias/soc2ctl-cloudtrail" in result.error
    )


def test_access_denied_on_apply(org):
    run = ModuleRun(MODULE, {})
    deny(run.sessions, "s3.PutBucketPolicy")
    result = run.apply()
    assert result.status == "failed" and "PutBucketPolicy" in result.error and MANAGEMENT in result.error
