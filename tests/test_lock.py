"""Two concurrent applies on one organization: the second waits or refuses."""

from __future__ import annotations

import threading
import time

import boto3
import pytest

from soc2ctl.errors import UserError
from soc2ctl.run.lock import LockBusy, apply_lock, holder_info, machine_lock_dir
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
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
        _org_id(),
        holder_info("run-first", "arn:aws:iam::1:user/a"),
        0,
        directory=machine_lock_dir(),
    ):
        refused = CliRunner().invoke(app, args)
        assert refused.exit_code == 1
        assert "run run-first" in refused.output and "holds the apply lock" in refused.output
        ec2 = member_client("ec2", org["alpha"])
        assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    applied = CliRunner().invoke(app, args)
    assert applied.exit_code == 0, applied.output
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True


def _org_id() -> str:
    return member_client("organizations", MANAGEMENT_ACCOUNT).describe_organization()["Organization"]["Id"]


def _files(tmp_path):
    (tmp_path / "pb.yml").write_text(
        "name: t\ncontrols:\n  - {id: ebs-default-encryption, remediation: ebs-default-encryption,"
        " auto_remediate: true}\n"
    )
    (tmp_path / "inv.yml").write_text("organization: {discover: true}\nregions: [us-east-1]\n")
    return str(tmp_path / "pb.yml"), str(tmp_path / "inv.yml")


def test_lock_is_per_organization_whatever_the_home(org, tmp_path, monkeypatch):
    """Another SOC2CTL_HOME is no way around the lock: it lives in one machine-wide place, keyed by the
    organization id."""
    from typer.testing import CliRunner

    from soc2ctl.cli.main import app

    pb, inv = _files(tmp_path)
    monkeypatch.setenv("SOC2CTL_HOME", str(tmp_path / "home-one"))
    with apply_lock("local", _org_id(), holder_info("run-home-one", "a"), 0, directory=machine_lock_dir()):
        monkeypatch.setenv("SOC2CTL_HOME", str(tmp_path / "home-two"))
        refused = CliRunner().invoke(app, ["apply", pb, "-i", inv, "--auto-approve"])
        assert refused.exit_code == 1 and "run run-home-one" in refused.output, refused.output
        assert _org_id() in refused.output
    assert not str(machine_lock_dir()).startswith(str(tmp_path / "home-two"))


def test_drift_remediate_takes_the_apply_lock(org, tmp_path):
    from typer.testing import CliRunner

    from soc2ctl.cli.main import app

    pb, inv = _files(tmp_path)
    args = ["drift", pb, "-i", inv, "--remediate", "--max-changes", "10"]
    ec2 = member_client("ec2", org["alpha"])
    with apply_lock("local", _org_id(), holder_info("run-apply", "a"), 0, directory=machine_lock_dir()):
        refused = CliRunner().invoke(app, args)
        assert refused.exit_code == 1 and "run run-apply" in refused.output, refused.output
        assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    done = CliRunner().invoke(app, args)
    assert done.exit_code in (0, 2), done.output
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    plain = CliRunner().invoke(app, ["drift", pb, "-i", inv])  # detect-only drift takes no lock
    with apply_lock("local", _org_id(), holder_info("run-apply", "a"), 0, directory=machine_lock_dir()):
        assert CliRunner().invoke(app, ["drift", pb, "-i", inv]).exit_code == plain.exit_code


# ---------------------------------------------------------------- shards (apply PLAN --shard I/N)


def _shard_lock_semantics(take):
    """Shards of one organization run together; a shard twice, or a whole apply beside any shard, is
    refused; another organization is not touched. `take(key, run_id, shard)` is one lock backend."""
    with take("org1", "shard-0", "shard-0-of-3"), take("org1", "shard-1", "shard-1-of-3"):
        with pytest.raises(LockBusy) as twice:
            with take("org1", "shard-0-again", "shard-0-of-3"):
                pass
        assert "run shard-0" in str(twice.value) and "org1-shard-0-of-3" in str(twice.value)
        with pytest.raises(LockBusy, match="org1"):
            with take("org1", "whole", None):  # an unsharded apply conflicts with any shard
                pass
        with take("org2", "other-org", None):
            pass
    with take("org1", "whole", None):
        with pytest.raises(LockBusy) as err:
            with take("org1", "shard-2", "shard-2-of-3"):  # and any shard with a whole apply
                pass
        assert "run whole" in str(err.value)
    with take("org1", "shard-2", "shard-2-of-3"):  # all released
        pass


def test_local_shard_locks(tmp_path):
    def take(key, run_id, shard):
        return apply_lock("local", key, holder_info(run_id, "a"), 0, directory=tmp_path, shard=shard)

    _shard_lock_semantics(take)
    assert (tmp_path / "apply-org1-shard-0-of-3.lock").exists()  # shard I/N locks X-shard-I-of-N


def test_dynamodb_shard_locks(aws, tmp_path):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "lock_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "lock_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def take(key, run_id, shard):
        holder = holder_info(run_id, "a")
        return apply_lock("dynamodb:locks", key, holder, 0, dynamodb=ddb, directory=tmp_path, shard=shard)

    _shard_lock_semantics(take)
    assert "Item" not in ddb.get_item(TableName="locks", Key={"lock_id": {"S": "soc2ctl-apply-org1"}})


def test_dynamodb_lock_rereads_when_another_run_writes_first(aws, tmp_path):
    """The read-then-conditional-write race: a run that wrote the item between our read and our write
    makes our write fail its condition; we read again and see it (never both holding)."""
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "lock_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "lock_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    original = ddb.get_item
    raced = []

    def racing_get_item(**kwargs):
        found = original(**kwargs)
        if not raced:  # between our read and our write, a whole apply takes the lock
            raced.append(True)
            holder = holder_info("racer", "b")
            ctx = apply_lock("dynamodb:locks", "org1", holder, 0, dynamodb=ddb, directory=tmp_path)
            ctx.__enter__()
            raced.append(ctx)
        return found

    ddb.get_item = racing_get_item
    with pytest.raises(LockBusy, match="run racer"):
        with apply_lock(
            "dynamodb:locks",
            "org1",
            holder_info("mine", "a"),
            0,
            dynamodb=ddb,
            directory=tmp_path,
            shard="shard-0-of-2",
        ):
            pass
    raced[1].__exit__(None, None, None)
