"""Where evidence is stored: a local directory, or an S3 bucket with Object Lock in compliance mode.

Both sinks are append-only: `put` refuses to replace an existing object, and `put_new` is the one atomic
"create if absent" the hash chain needs to give each sealed run a unique sequence number even when two runs
seal at the same moment (a local hard link, an S3 conditional write with If-None-Match). Readers (verify,
report) use `list` and `get` on the same layout, whichever sink wrote it.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from soc2ctl.errors import UserError

DEFAULT_RETENTION_DAYS = 365


class SinkError(Exception):
    """The sink could not store a piece of evidence: the run must not go on changing things."""


class AlreadyExists(SinkError):
    """`put_new` lost a race (or the key was taken): the caller picks another key."""


class Sink(Protocol):
    location: str

    def put(self, key: str, data: bytes) -> None: ...

    def put_new(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def list(self, prefix: str = "") -> list[str]: ...


# ---------------------------------------------------------------- local directory


class LocalSink:
    """A directory. Files are written once (a temporary file hard-linked into place, so readers never see
    half a record and an existing file is never replaced) and made read-only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)
        self._dirs: set[Path] = set()

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        self.put_new(key, data)

    def put_deferred(self, key: str, data: bytes) -> None:
        """A record that only needs to be durable once its run is sealed (a plan's task records): one
        exclusive create, no temporary file, no fsync. `flush` makes them durable before the seal. A
        reader may see such a file half-written, but only in a run that is not sealed yet."""
        target = self._path(key)
        try:
            if target.parent not in self._dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._dirs.add(target.parent)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except FileExistsError:
            raise AlreadyExists(f"{target} already exists") from None
        except OSError as exc:
            raise SinkError(f"cannot write {target}: {exc.strerror or exc}") from None

    def flush(self) -> None:
        """Everything written so far reaches the disk (one sync instead of one fsync per record)."""
        os.sync()

    def put_new(self, key: str, data: bytes) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, 0o444)
                os.link(tmp, target)
            finally:
                os.unlink(tmp)
        except FileExistsError:
            raise AlreadyExists(f"{target} already exists") from None
        except OSError as exc:
            raise SinkError(f"cannot write {target}: {exc.strerror or exc}") from None

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise SinkError(f"cannot read {self._path(key)}: {exc.strerror or exc}") from None

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix) and not Path(k).name.startswith(".tmp-"))


# ---------------------------------------------------------------- S3 with Object Lock


class S3Sink:
    """An S3 prefix in a bucket with Object Lock. Every object is written with its own COMPLIANCE-mode
    retention, so not even the account root can delete or overwrite it before the date passes; a bucket
    without Object Lock is refused, because evidence there could be silently rewritten."""

    def __init__(self, client: Any, bucket: str, prefix: str, retention_days: int) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.retention_days = retention_days
        self.location = f"s3://{bucket}/{self.prefix}"

    def check_object_lock(self) -> None:
        """Refuse a bucket whose objects could be rewritten: Object Lock must be enabled."""
        try:
            conf = self.client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ObjectLockConfigurationNotFoundError":
                raise UserError(
                    f"evidence bucket {self.bucket}: Object Lock is not enabled; evidence must be "
                    "immutable (create the bucket with --object-lock-enabled-for-bucket)"
                ) from None
            raise UserError(f"evidence bucket {self.bucket}: {code}: {_message(exc)}") from None
        except BotoCoreError as exc:
            raise UserError(f"evidence bucket {self.bucket}: {exc}") from None
        if conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise UserError(f"evidence bucket {self.bucket}: Object Lock is not enabled; refusing to write")

    def retain_until(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=self.retention_days)

    def _put(self, key: str, data: bytes, **extra: Any) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + key,
                Body=data,
                ContentType="application/json",
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=self.retain_until(),
                ChecksumAlgorithm="SHA256",
                **extra,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in (
                "PreconditionFailed",
                "ConditionalRequestConflict",
            ):
                raise AlreadyExists(f"{self.location}{key} already exists") from None
            raise SinkError(f"cannot write {self.location}{key}: {_message(exc)}") from None
        except BotoCoreError as exc:
            raise SinkError(f"cannot write {self.location}{key}: {exc}") from None

    def put(self, key: str, data: bytes) -> None:
        self._put(key, data, IfNoneMatch="*")

    def put_new(self, key: str, data: bytes) -> None:
        self._put(key, data, IfNoneMatch="*")

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise SinkError(f"cannot read {self.location}{key}: {exc}") from None

    def list(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                keys += [o["Key"][len(self.prefix) :] for o in page.get("Contents", [])]
        except (ClientError, BotoCoreError) as exc:
            raise SinkError(f"cannot list {self.location}{prefix}: {exc}") from None
        return sorted(keys)

    def version_problems(self) -> list[str]:
        """Every key under the prefix written more than once, or hidden by a delete marker. soc2ctl writes
        each key exactly once (If-None-Match), and Object Lock keeps every version, so a second version is
        an overwrite and a delete marker hides an object from readers of current versions."""
        versions: dict[str, list[dict[str, Any]]] = {}
        markers: list[dict[str, Any]] = []
        try:
            pages = self.client.get_paginator("list_object_versions").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for v in page.get("Versions", []):
                    versions.setdefault(v["Key"][len(self.prefix) :], []).append(v)
                markers += page.get("DeleteMarkers", [])
        except (ClientError, BotoCoreError) as exc:
            return [f"cannot list the versions of {self.location}: {exc}"]
        problems = []
        for key, found in sorted(versions.items()):
            if len(found) > 1:
                ordered = sorted(found, key=lambda v: v["LastModified"])
                listed = ", ".join(
                    f"{v['VersionId']} ({v['LastModified']:%Y-%m-%dT%H:%M:%SZ})" for v in ordered
                )
                problems.append(
                    f"{key}: overwritten: {len(found)} versions ({listed}); only {ordered[0]['VersionId']} "
                    "was written by soc2ctl"
                )
        for m in sorted(markers, key=lambda m: m["Key"]):
            problems.append(
                f"{m['Key'][len(self.prefix) :]}: hidden by delete marker {m['VersionId']} "
                f"({m['LastModified']:%Y-%m-%dT%H:%M:%SZ}) (deleted)"
            )
        return problems


def _message(exc: ClientError) -> str:
    err = exc.response.get("Error", {})
    return f"{err.get('Code')}: {err.get('Message')}"


# ---------------------------------------------------------------- choosing a sink


def parse_s3(location: str) -> tuple[str, str] | None:
    """`s3://bucket/prefix` -> (bucket, prefix); anything else is a local path."""
    if not location.startswith("s3://"):
        return None
    bucket, _, prefix = location[5:].partition("/")
    if not bucket:
        raise UserError(f"--evidence {location!r}: expected s3://bucket/prefix")
    return bucket, prefix


def open_sink(
    location: str, *, s3_client: Any = None, retention_days: int = DEFAULT_RETENTION_DAYS, writing: bool
) -> Sink:
    """The sink for a location. For S3 the caller passes the client (the run's own credentials); a sink
    that will be written to must prove Object Lock first, before the run touches anything."""
    parsed = parse_s3(location)
    if parsed is None:
        return LocalSink(Path(location))
    if retention_days < 1:
        raise UserError("--evidence-retention-days must be at least 1")
    sink = S3Sink(s3_client, parsed[0], parsed[1], retention_days)
    if writing:
        sink.check_object_lock()
    return sink
