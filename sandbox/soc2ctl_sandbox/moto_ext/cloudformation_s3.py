"""CloudFormation: moto's AWS::S3::Bucket ignores VersioningConfiguration, PublicAccessBlockConfiguration and
OwnershipControls, and AWS::S3::BucketPolicy is not supported at all (the stack completes without it).

Without this, the deploy template's log buckets (deploy/soc2ctl-roles.yaml) would come out of a moto stack
unversioned, without Block Public Access and without their bucket policies: central-log-buckets would find
them out of state, and a test could not show that a template deployed as generated is what the module wants.
"""

from __future__ import annotations

import json
from typing import Any


def apply() -> None:
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    def backend(account_id: str, region_name: str) -> Any:
        return s3_backends[account_id][get_partition(region_name)]

    original = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_bucket(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        bucket = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties, s3 = cloudformation_json.get("Properties", {}), backend(account_id, region_name)
        if status := (properties.get("VersioningConfiguration") or {}).get("Status"):
            s3.put_bucket_versioning(bucket.name, status)
        if block := properties.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(bucket.name, block)
        for rule in (properties.get("OwnershipControls") or {}).get("Rules", []):
            s3.put_bucket_ownership_controls(bucket.name, rule["ObjectOwnership"])
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create_bucket)  # type: ignore[method-assign,assignment]

    class FakeBucketPolicy(CloudFormationModel):
        """AWS::S3::BucketPolicy: the policy is put on the bucket (`Ref` of the bucket is its name)."""

        def __init__(self, bucket: str) -> None:
            self.bucket = bucket

        @property
        def physical_resource_id(self) -> str:
            return self.bucket

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> FakeBucketPolicy:
            properties = cloudformation_json["Properties"]
            policy = json.dumps(properties["PolicyDocument"]).encode()
            backend(account_id, region_name).put_bucket_policy(properties["Bucket"], policy)
            return cls(properties["Bucket"])

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()  # the new model is found on the next stack operation
