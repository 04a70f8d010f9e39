"""S3: ListBuckets cuts at MaxBuckets but returns no ContinuationToken (and ignores one), so a paginating
client stops at page one; entries lack BucketRegion. Paging and BucketRegion as AWS documents them."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.s3.responses import S3Response

    def all_buckets(self: Any) -> Any:
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        prefix = self._get_param("prefix")
        region = self._get_param("bucket-region")
        limit = int(self._get_param("max-buckets") or 10000)
        token = self._get_param("continuation-token")
        found = sorted(
            self.backend.list_buckets(prefix=prefix, bucket_region=region, max_buckets=None),
            key=lambda b: b.name,
        )
        if token:
            found = [b for b in found if b.name > token]
        page = found[:limit]
        result: dict[str, Any] = {
            "Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
            "Buckets": [
                {"Name": b.name, "CreationDate": b.creation_date_ISO8601, "BucketRegion": b.region_name}
                for b in page
            ],
        }
        if len(found) > limit:
            result["ContinuationToken"] = page[-1].name
        if prefix:
            result["Prefix"] = prefix
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    S3Response.all_buckets = all_buckets
