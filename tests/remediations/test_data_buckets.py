"""The bucket controls' shared reading: every page of ListBuckets, and each bucket read only by the task of
its own region; access logging's detect mode and log buckets."""

from remediations import _data
from soc2ctl_sandbox.seed import SeedClients
from tests.helpers import ModuleRun


def make_buckets(run: ModuleRun, account: str, region: str, names: list[str]) -> None:
    s3 = SeedClients(None).client(account, "s3", region)
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    for name in names:
        s3.create_bucket(Bucket=name, **where)


def test_every_page_and_only_the_tasks_region(org, monkeypatch):
    monkeypatch.setattr(_data, "BUCKET_PAGE", 2)
    home = ModuleRun("s3-bucket-versioning", {}, org["alpha"])
    make_buckets(home, org["alpha"], "us-east-1", [f"home-{i}" for i in range(5)])
    make_buckets(home, org["alpha"], "eu-west-1", ["away-0"])
    observed = home.plan().observed
    assert sorted(observed) == [f"arn:aws:s3:::home-{i}" for i in range(5)]  # 3 pages, no eu-west-1 bucket
    away = ModuleRun("s3-bucket-versioning", {}, org["alpha"], region="eu-west-1").plan()
    assert list(away.observed) == ["arn:aws:s3:::away-0"]
    assert len(away.changes) == 1


def test_access_logging_detects_without_a_target_and_spares_log_buckets(org):
    run = ModuleRun("s3-bucket-access-logging", {}, org["beta"])
    make_buckets(run, org["beta"], "us-east-1", ["logs-here", "logged", "silent"])
    s3 = SeedClients(None).client(org["beta"], "s3", "us-east-1")
    s3.put_bucket_policy(
        Bucket="logs-here",
        Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
        '"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::logs-here/*"}]}',
    )
    s3.put_bucket_logging(
        Bucket="logged",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "logs-here", "TargetPrefix": "logged/"}},
    )
    planned = run.plan()
    assert planned.action == "detect"
    assert [c.path for c in planned.changes] == ["[arn:aws:s3:::silent].logging"]
    fixed = ModuleRun("s3-bucket-access-logging", {"target_bucket": "logs-here"}, org["beta"])
    applied = fixed.apply()
    assert applied.status == "changed", applied.error
    assert s3.get_bucket_logging(Bucket="silent")["LoggingEnabled"] == {
        "TargetBucket": "logs-here",
        "TargetPrefix": "silent/",
    }
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket="logs-here")
