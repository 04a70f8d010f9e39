"""One apply at a time per organization.

Two concurrent applies on the same organization could interleave writes to the same settings and leave
evidence that no longer describes what happened. The second run waits (up to `--lock-timeout`) or refuses.
A local file lock (`flock`) serves one machine; a DynamoDB item written with a conditional put serves a
team or a scheduler running on several machines. The lock is keyed by the organization id (`o-...`), and the
local lock lives in one machine-wide directory (`$SOC2CTL_LOCK_DIR`, default `<system temp>/soc2ctl-locks`),
never under `SOC2CTL_HOME`: two runs with different homes must still exclude each other. `apply` and
`drift --remediate` take the same lock. The DynamoDB lock expires (`expires_at`) so a killed
run cannot block the organization for ever.

Shards (`apply PLAN --shard I/N`): shard I of N of organization X holds `X-shard-I-of-N` alone, so the
shares of one plan run at the same time while a share run twice excludes itself; every shard also holds X
shared, so a whole (unsharded) apply, which holds X exclusively, conflicts with any shard and any shard
with it. Locally: `flock` shared and exclusive on X's file, exclusive on the shard's. On DynamoDB: one item
per organization lists its live holders (`all` or `shard-I-of-N`, each with its expiry), rewritten only
with a conditional write on the version read, so two machines never both see the lock free.
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
from dataclasses import dataclass
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
def local_lock(
    key: str, holder: dict[str, Any], timeout: float, directory: Path, shard: str | None = None
) -> Iterator[None]:
    """The organization's file exclusively; a shard: that file shared and the shard's own exclusively."""
    if shard is None:
        with _flock(key, holder, timeout, directory, exclusive=True):
            yield
        return
    deadline = time.monotonic() + timeout
    with _flock(key, None, timeout, directory, exclusive=False):
        remaining = max(0.0, deadline - time.monotonic())
        with _flock(f"{key}-{shard}", holder, remaining, directory, exclusive=True):
            yield


@contextlib.contextmanager
def _flock(
    key: str, holder: dict[str, Any] | None, timeout: float, directory: Path, *, exclusive: bool
) -> Iterator[None]:
    """An exclusive holder writes who it is into the file (and clears it when done); shared holders,
    the shards, write nothing there (their own shard file names them)."""
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
                fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
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
        if holder is not None:
            _rewrite(handle, json.dumps(holder))
        yield
        if holder is not None:
            _rewrite(handle, "")  # no stale name for whoever finds the file held by shards next
    finally:
        handle.close()  # closing releases the flock


def _rewrite(handle: TextIO, text: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(text)
    handle.flush()


@contextlib.contextmanager
def dynamodb_lock(
    dynamodb: Any,
    table: str,
    key: str,
    holder: dict[str, Any],
    timeout: float,
    ttl_seconds: int = 6 * 3600,
    shard: str | None = None,
) -> Iterator[None]:
    """Take the slot `all` (a whole apply) or `shard-I-of-N` in the organization's item: read it, and
    write it back with this holder only if nobody rewrote it since (its version), else read again."""
    deadline = time.monotonic() + timeout
    lock_id, slot = f"soc2ctl-apply-{key}", shard or "all"
    while True:
        item = _read_item(dynamodb, table, lock_id)
        now = int(time.time())
        holders = {s: h for s, h in item.holders.items() if h.get("expires_at", 0) >= now}
        blocker = _blocker(holders, slot)
        if blocker is None:
            holders[slot] = {"holder": holder, "expires_at": now + ttl_seconds}
            if _write_item(dynamodb, table, lock_id, item, holders):
                break
            continue  # another run wrote the item first: read it again
        if time.monotonic() >= deadline:
            name = key if blocker == "all" else f"{key}-{blocker}"
            raise _busy(name, holders[blocker].get("holder"), f"dynamodb table {table}")
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        _release(dynamodb, table, lock_id, slot, holder["run_id"])


@dataclass
class _Item:
    exists: bool
    version: int | None  # None: absent, or written by a version of soc2ctl without shard slots
    holders: dict[str, dict[str, Any]]
    expires_at: str | None = None  # the old single-holder form's expiry (its write condition)


def _read_item(dynamodb: Any, table: str, lock_id: str) -> _Item:
    try:
        found = dynamodb.get_item(TableName=table, Key={"lock_id": {"S": lock_id}}, ConsistentRead=True)
    except ClientError as exc:
        raise UserError(f"apply lock table {table}: {exc}") from None
    raw = found.get("Item")
    if raw is None:
        return _Item(False, None, {})
    try:
        if "version" in raw:
            return _Item(True, int(raw["version"]["N"]), json.loads(raw["holders"]["S"]))
        old = {"holder": json.loads(raw["holder"]["S"]), "expires_at": int(raw["expires_at"]["N"])}
        return _Item(True, None, {"all": old}, raw["expires_at"]["N"])
    except (KeyError, ValueError, TypeError):
        raise UserError(f"apply lock table {table}: item {lock_id} is not a soc2ctl lock") from None


def _blocker(holders: dict[str, dict[str, Any]], slot: str) -> str | None:
    """The slot in the way: a whole apply waits for everyone; a shard for a whole apply and itself."""
    if slot == "all":
        return next(iter(sorted(holders)), None)
    return next((s for s in ("all", slot) if s in holders), None)


def _write_item(
    dynamodb: Any, table: str, lock_id: str, item: _Item, holders: dict[str, dict[str, Any]]
) -> bool:
    """Write (or delete, when nobody holds it) the item if it is still the one read; False if not."""
    values: dict[str, Any] = {}
    if not item.exists:
        condition = "attribute_not_exists(lock_id)"
    elif item.version is None:
        condition, values = (
            "attribute_not_exists(version) AND expires_at = :e",
            {":e": {"N": item.expires_at}},
        )
    else:
        condition, values = "version = :v", {":v": {"N": str(item.version)}}
    conditional = {
        "ConditionExpression": condition,
        **({"ExpressionAttributeValues": values} if values else {}),
    }
    try:
        if not holders:
            dynamodb.delete_item(TableName=table, Key={"lock_id": {"S": lock_id}}, **conditional)
            return True
        version = (item.version or 0) + 1
        dynamodb.put_item(
            TableName=table,
            Item={
                "lock_id": {"S": lock_id},
                "version": {"N": str(version)},
                "holders": {"S": json.dumps(holders, sort_keys=True)},
                "expires_at": {"N": str(max(h["expires_at"] for h in holders.values()))},
            },
            **conditional,
        )
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise UserError(f"apply lock table {table}: {exc}") from None


def _release(dynamodb: Any, table: str, lock_id: str, slot: str, run_id: str) -> None:
    """Remove this run's slot (only if it still holds it); a lock it cannot release expires."""
    with contextlib.suppress(ClientError, UserError):
        for _ in range(20):
            item = _read_item(dynamodb, table, lock_id)
            mine = item.holders.get(slot, {}).get("holder", {})
            if mine.get("run_id") != run_id:
                return
            now = int(time.time())
            rest = {s: h for s, h in item.holders.items() if s != slot and h.get("expires_at", 0) >= now}
            if _write_item(dynamodb, table, lock_id, item, rest):
                return


def holder_info(run_id: str, caller: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "pid": os.getpid(),
        "caller": caller,
        "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def apply_lock(
    spec: str,
    key: str,
    holder: dict[str, Any],
    timeout: float,
    *,
    dynamodb: Any = None,
    directory: Path,
    shard: str | None = None,
) -> contextlib.AbstractContextManager[None]:
    """`local` (default) or `dynamodb:TABLE` (a table with string hash key `lock_id`). `shard`
    (`shard-I-of-N`): hold only that share of the organization (see the module's docstring)."""
    if spec == "local":
        return local_lock(key, holder, timeout, directory, shard)
    if spec.startswith("dynamodb:") and dynamodb is not None:
        return dynamodb_lock(dynamodb, spec.split(":", 1)[1], key, holder, timeout, shard=shard)
    raise UserError(f"--lock {spec!r}: use 'local' or 'dynamodb:TABLE'")


def organization_key(sessions: Any, region: str, fallback: str) -> str:
    """The organization id (`o-...`) the run's credentials belong to; the management account id when
    Organizations cannot be read (a static inventory without that permission)."""
    try:
        org = sessions.client(sessions.caller_account, region, "organizations")
        return str(org.describe_organization()["Organization"]["Id"])
    except (ClientError, BotoCoreError, AccountAccessError, KeyError):
        return fallback


def shard_slot(shard: Any) -> str | None:
    """`shard-I-of-N` for a soc2ctl.run.shard.Shard (None: the whole organization)."""
    return f"shard-{shard.index}-of-{shard.count}" if shard is not None else None


def run_lock(
    run: Any, spec: str, timeout: float, shard: Any = None
) -> contextlib.AbstractContextManager[None]:
    """The lock for one writing run (`apply`, `drift --remediate`), keyed by its organization; an apply
    of one share (`shard`, a soc2ctl.run.shard.Shard) holds `<org>-shard-I-of-N`."""
    dynamodb = None
    if spec.startswith("dynamodb:"):
        dynamodb = run.sessions.client(run.sessions.caller_account, run.inventory.home_region, "dynamodb")
    holder = holder_info(run.run_id, run.sessions.caller_identity()["Arn"])
    key = organization_key(run.sessions, run.inventory.home_region, run.inventory.management_account_id)
    return apply_lock(
        spec, key, holder, timeout, dynamodb=dynamodb, directory=machine_lock_dir(), shard=shard_slot(shard)
    )
