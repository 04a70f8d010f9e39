"""One apply at a time per organization.

Two concurrent applies on the same organization could interleave writes to the same settings and leave
evidence that no longer describes what happened. The second run waits (up to `--lock-timeout`) or refuses.
A local file lock (`flock`) serves one machine; a DynamoDB item written with a conditional put serves a
team or a scheduler running on several machines. The lock is keyed by the organization id (`o-...`), and the
local lock lives in one machine-wide directory (`$SOC2CTL_LOCK_DIR`, default `<system temp>/soc2ctl-locks`),
never under `SOC2CTL_HOME`: two runs with different homes must still exclude each other. `apply` and
`drift --remediate` take the same lock. The DynamoDB lock expires (`expires_at`) so a killed
run cannot block the organization for ever.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl.aws.sessions import AccountAccessError
from soc2ctl.errors import UserError

POLL_SECONDS = 0.5


class LockBusy(UserError):
    pass


def _busy(key: str, holder: dict[str, Any] | None, where: str) -> LockBusy:
    who = (
        f"run {holder.get('run_id')} (pid {holder.get('pid')}, by {holder.get('caller')}, since {holder.get('since')})"
        if holder
        else "another run"
    )
    return LockBusy(
        f"{who} holds the apply lock for organization {key} ({where}); wait for it to finish, "
        "or pass --lock-timeout SECONDS to wait"
    )


def machine_lock_dir() -> Path:
    """One directory per machine, shared by every user and every SOC2CTL_HOME (sticky and world-writable,
    like /tmp itself, so one user's lock file does not stop another from taking the lock later)."""
    directory = Path(os.environ.get("SOC2CTL_LOCK_DIR") or Path(tempfile.gettempdir()) / "soc2ctl-locks")
    if not directory.is_dir():
        directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            directory.chmod(0o1777)
    return directory


def _open_lock_file(path: Path) -> TextIO:
    """Open without following a symlink someone planted in the shared directory."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with contextlib.suppress(OSError):
        os.fchmod(fd, 0o666)
    handle = os.fdopen(fd, "r+")
    handle.seek(0, os.SEEK_END)
    return handle


@contextlib.contextmanager
def local_lock(key: str, holder: dict[str, Any], timeout: float, directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"apply-{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.lock"
    try:
        handle = _open_lock_file(path)
    except OSError as exc:
        raise UserError(f"apply lock {path}: {exc.strerror or exc}") from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    try:
                        current = json.loads(handle.read() or "null")
                    except ValueError:
                        current = None
                    raise _busy(key, current, str(path)) from None
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock


@contextlib.contextmanager
def dynamodb_lock(
    dynamodb: Any, table: str, key: str, holder: dict[str, Any], timeout: float, ttl_seconds: int = 6 * 3600
) -> Iterator[None]:
    deadline = time.monotonic() + timeout
    lock_id = f"soc2ctl-apply-{key}"
    while True:
        now = int(time.time())
        item = {
            "lock_id": {"S": lock_id},
            "owner": {"S": holder["run_id"]},
            "holder": {"S": json.dumps(holder)},
            "expires_at": {"N": str(now + ttl_seconds)},
        }
        try:
            dynamodb.put_item(
                TableName=table,
                Item=item,
                ConditionExpression="attribute_not_exists(lock_id) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
            break
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise UserError(f"apply lock table {table}: {exc}") from None
            if time.monotonic() >= deadline:
                current = dynamodb.get_item(
                    TableName=table, Key={"lock_id": {"S": lock_id}}, ConsistentRead=True
                )
                raw = current.get("Item", {}).get("holder", {}).get("S")
                raise _busy(key, json.loads(raw) if raw else None, f"dynamodb table {table}") from None
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with contextlib.suppress(ClientError):
            dynamodb.delete_item(
                TableName=table,
                Key={"lock_id": {"S": lock_id}},
                ConditionExpression="#o = :me",
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={":me": {"S": holder["run_id"]}},
            )


def holder_info(run_id: str, caller: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "pid": os.getpid(),
        "caller": caller,
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def apply_lock(
    spec: str, key: str, holder: dict[str, Any], timeout: float, *, dynamodb: Any = None, directory: Path
) -> contextlib.AbstractContextManager[None]:
    """`local` (default) or `dynamodb:TABLE` (a table with string hash key `lock_id`)."""
    if spec == "local":
        return local_lock(key, holder, timeout, directory)
    if spec.startswith("dynamodb:") and dynamodb is not None:
        return dynamodb_lock(dynamodb, spec.split(":", 1)[1], key, holder, timeout)
    raise UserError(f"--lock {spec!r}: use 'local' or 'dynamodb:TABLE'")


def organization_key(sessions: Any, region: str, fallback: str) -> str:
    """The organization id (`o-...`) the run's credentials belong to; the management account id when
    Organizations cannot be read (a static inventory without that permission)."""
    try:
        org = sessions.client(sessions.caller_account, region, "organizations")
        return str(org.describe_organization()["Organization"]["Id"])
    except (ClientError, BotoCoreError, AccountAccessError, KeyError):
        return fallback


def run_lock(run: Any, spec: str, timeout: float) -> contextlib.AbstractContextManager[None]:
    """The lock for one writing run (`apply`, `drift --remediate`), keyed by its organization."""
    dynamodb = None
    if spec.startswith("dynamodb:"):
        dynamodb = run.sessions.client(run.sessions.caller_account, run.inventory.home_region, "dynamodb")
    holder = holder_info(run.run_id, run.sessions.caller_identity()["Arn"])
    key = organization_key(run.sessions, run.inventory.home_region, run.inventory.management_account_id)
    return apply_lock(spec, key, holder, timeout, dynamodb=dynamodb, directory=machine_lock_dir())
