"""Partitions: in-process moto takes GovCloud IAM calls for the `aws` partition.

moto reads a request's region from its URL; IAM's GovCloud endpoint is `iam.us-gov.amazonaws.com`, whose
"region" `us-gov` matches none of moto's partition prefixes (`us-gov-`), so in-process moto answers
GovCloud IAM calls from the `aws` partition's backend, with commercial-partition ARNs. (A moto server reads the region
from the signature, `us-gov-west-1`, and is right.) The prefix table gains `us-gov`.

Security Hub's backend reads the organization from the `aws` partition's Organizations backend whatever its
region: in GovCloud it saw no organization. It reads the backend of its own region's partition.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.utilities import utils

    utils.REGION_PREFIX_TO_PARTITION.setdefault("us-gov", "aws-us-gov")
    _securityhub_org_in_own_partition()


def _securityhub_org_in_own_partition() -> None:
    from moto.organizations.models import organizations_backends
    from moto.securityhub.models import SecurityHubBackend

    original = SecurityHubBackend.__init__

    def __init__(self: Any, region_name: str, account_id: str) -> None:
        original(self, region_name, account_id)
        self.org_backend = organizations_backends[account_id][utils_partition(region_name)]

    SecurityHubBackend.__init__ = __init__


def utils_partition(region: str) -> str:
    from moto.utilities.utils import get_partition

    return get_partition(region)
