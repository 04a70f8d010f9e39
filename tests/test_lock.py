"""Two concurrent applies on one organization: the second waits or refuses."""

from __future__ import annotations

import threading
import time

import boto3
import pytest

from soc2ctl.errors import UserError
from soc2ctl.run.lock import LockBusy, apply_lock, holder_info
from tests.helpers import member_client


def test_local_lock_refuses_a_second_holder_and_names_the_first(tmp_path):
    first = holder_info("run-1", "arn:aws:iam::1:user/a")
    with apply_lock("local", "123456789012", first, 0, directory=tmp_path):
        with pytest.raises(LockBusy) as err:
            with apply_lock("local", "123456789012", holder_info("run-2", "b"), 0, directory=tmp_path):
                pass
        assert "run run-1" in str(err.value) and "123456789012" in str(err.value)
        # a different organization is not blocked
        with apply_lock("local", "999999999999", holder_info("run-3", "c"), 0, directory=tmp_path):
            pass
    with apply_lock("local", "123456789012", holder_info("run-4", "d"), 0, directory=tmp_path):
        pass


def test_local_lock_waits_up_to_timeout(tmp_path):
    released = threading.Event()

    def hold():
        with apply_lock("local", "k", holder_info("run-1", "a"), 0, directory=tmp_path):
            time.sleep(0.6)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with apply_lock("local", "k", holder_info("run-2", "b"), 5, directory=tmp_path):
        assert released.is_set()
    assert time.monotonic() - started >= 0.4
    holder.join()


def test_dynamodb_lock_with_conditional_write(aws, tmp_path):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "lock_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "lock_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with apply_lock("dynamodb:locks", "org1", holder_info("run-1", "a"), 0, dynamodb=ddb, directory=tmp_path):
        with (
            pytest.raises(LockBusy) as err,
            apply_lock(
                "dynamodb:locks", "org1", holder_info("run-2", "b"), 0, dynamodb=ddb, directory=tmp_path
            ),
        ):
            pass
        assert "run run-1" in str(err.value) and "dynamodb table locks" in str(err.value)
    assert "Item" not in ddb.get_item(TableName="locks", Key={"lock_id": {"S": "soc2ctl-apply-org1"}})
    with apply_lock("dynamodb:locks", "org1", holder_info("run-3", "c"), 0, dynamodb=ddb, directory=tmp_path):
        pass


def test_bad_lock_spec(tmp_path):
    with pytest.raises(UserError):
        apply_lock("redis:x", "k", holder_info("r", "c"), 0, directory=tmp_path)


def test_second_concurrent_apply_refuses(org, tmp_path, soc2ctl_home):
    from typer.testing import CliRunner

    from soc2ctl.cli.main import app

    (tmp_path / "pb.yml").write_text(
        "name: t\ncontrols:\n  - {id: ebs-default-encryption, remediation: ebs-default-encryption}\n"
    )
    (tmp_path / "inv.yml").write_text("organization: {discover: true}\nregions: [us-east-1]\n")
    args = ["apply", str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml"), "--auto-approve"]
    with apply_lock(
        "local",
        "123456789012",
        holder_info("run-first", "arn:aws:iam::1:user/a"),
        0,
        directory=soc2ctl_home / "locks",
    ):
        refused = CliRunner().invoke(app, args)
        assert refused.exit_code == 1
        assert "run run-first" in refused.output and "holds the apply lock" in refused.output
        ec2 = member_client("ec2", org["alpha"])
        assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    applied = CliRunner().invoke(app, args)
    assert applied.exit_code == 0, applied.output
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
