"""EC2: MaxResults/NextToken for DescribeVolumes and DescribeImages, which moto answers in one page.

Same approach as `ec2_pagination.py` (whose `_paged` wrapper this reuses): a request that sets MaxResults
gets pages of that size and a NextToken, as from AWS, so a module that stopped at page one would fail.
"""

from __future__ import annotations

import importlib

_PAGED = {
    ("moto.ec2.responses.elastic_block_store", "ElasticBlockStore", "describe_volumes"): "Volumes",
    ("moto.ec2.responses.amis", "AmisResponse", "describe_images"): "Images",
}


def apply() -> None:
    from soc2ctl_sandbox.moto_ext.ec2_pagination import _paged

    for (module_name, class_name, method_name), key in _PAGED.items():
        cls = getattr(importlib.import_module(module_name), class_name)
        setattr(cls, method_name, _paged(getattr(cls, method_name), key))
