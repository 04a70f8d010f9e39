"""AWS partitions: which one a run is in, and ARNs built for it.

An ARN names its partition (`aws`, `aws-us-gov`, `aws-cn`, ...): a role ARN written for `aws` does not exist
in GovCloud, and a policy naming `aws` resources grants nothing there. So no code writes the partition out;
it comes from the caller identity's ARN (what AWS says), or, before any call, from the region, by botocore's
own endpoint data (`us-gov-*` -> `aws-us-gov`, `cn-*` -> `aws-cn`): no hand-kept table to fall behind.
Endpoints need nothing here: botocore resolves each client's endpoint from its region.

Service principals (`cloudtrail.amazonaws.com`, `config.amazonaws.com`, `delivery.logs.amazonaws.com`) are
the same names in every partition for the services soc2ctl uses, so they are not built per partition.
"""

from __future__ import annotations

import functools
import re
from typing import Any

DEFAULT = "aws"
_ARN = re.compile(r"^arn:(?P<partition>[a-z][a-z0-9-]*):")


@functools.cache
def _botocore() -> Any:
    """A botocore session for its endpoint data, made on first use (`soc2ctl controls` loads no AWS SDK),
    reading with the run's own loader, so `endpoints.json` is parsed once per process, not once here and
    once for the run's clients."""
    import botocore.session

    from soc2ctl.aws import model_loader

    session = botocore.session.Session()
    session.register_component(
        "data_loader", model_loader.create_loader(session.get_config_variable("data_path"))
    )
    return session


@functools.cache
def known_partitions() -> frozenset[str]:
    return frozenset(_botocore().get_available_partitions())


@functools.cache
def for_region(region: str | None) -> str:
    """The partition of a region by botocore's endpoint data; `aws` for an unknown or unset region."""
    if not region:
        return DEFAULT
    from botocore.exceptions import UnknownRegionError

    try:
        return _botocore().get_partition_for_region(region)
    except UnknownRegionError:
        return DEFAULT


@functools.cache
def global_region(partition: str) -> str:
    """Where the partition's global services (IAM, Organizations) are signed: `us-east-1` in `aws`,
    `us-gov-west-1` in `aws-us-gov`, `cn-north-1` in `aws-cn` (IAM's partition endpoint in botocore's data)."""
    data = _botocore().get_data("endpoints")
    for entry in data["partitions"]:
        if entry["partition"] == partition:
            iam = entry["services"].get("iam", {})
            scope = iam.get("endpoints", {}).get(iam.get("partitionEndpoint"), {}).get("credentialScope", {})
            return scope.get("region") or next(iter(entry["regions"]))
    return "us-east-1"


def of_arn(arn: str) -> str | None:
    """The partition an ARN names, or None when the text is not an ARN."""
    match = _ARN.match(arn)
    return match["partition"] if match else None


def arn(partition: str, service: str, region: str, account_id: str, resource: str) -> str:
    """`arn:<partition>:<service>:<region>:<account>:<resource>` (region and account may be empty or `*`)."""
    return f"arn:{partition}:{service}:{region}:{account_id}:{resource}"


def s3_arn(partition: str, bucket: str, key: str | None = None) -> str:
    """A bucket's ARN, or an object (pattern) in it when `key` is given."""
    return arn(partition, "s3", "", "", bucket if key is None else f"{bucket}/{key}")


def iam_arn(partition: str, account_id: str, resource: str) -> str:
    """An IAM ARN (`role/NAME`, `policy/NAME`, `root`, ...): IAM is global, so no region."""
    return arn(partition, "iam", "", account_id, resource)


def is_s3_arn(value: str) -> bool:
    """Whether `value` is an S3 bucket (or bucket/prefix) ARN in a partition AWS knows."""
    partition = of_arn(value)
    return partition in known_partitions() and value.startswith(f"arn:{partition}:s3:::")


def s3_bucket_of(value: str) -> str:
    """The bucket of an S3 ARN (`arn:<partition>:s3:::bucket/prefix` -> bucket)."""
    return value.split(":::", 1)[1].split("/", 1)[0]
