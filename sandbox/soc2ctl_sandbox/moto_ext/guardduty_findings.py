"""GuardDuty findings: moto 5.2 has no `ListFindings` or `GetFindings` (and no way to make a finding).

Findings are kept per detector on the account+region backend. `add_finding(account, region, detector, ...)`
puts one there (AWS makes findings from what it observes; seeds and tests call this in moto's process).
`ListFindings` honours the criterion keys soc2ctl uses (`severity` with gte/gt/lte/lt/greaterThanOrEqual...,
`service.archived` and `type` with eq/equals/neq/notEquals), pages by `maxResults`/`nextToken` (50 by
default); `GetFindings` returns the findings named, in AWS's field names.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

_NUMERIC = {
    "gt": lambda a, b: a > b,
    "greaterThan": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "greaterThanOrEqual": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lessThan": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "lessThanOrEqual": lambda a, b: a <= b,
}


def _findings(backend: Any, detector_id: str) -> list[dict[str, Any]]:
    return backend.__dict__.setdefault("soc2ctl_findings", {}).setdefault(detector_id, [])


def add_finding(
    account_id: str,
    region: str,
    detector_id: str,
    *,
    severity: float,
    finding_type: str = "UnauthorizedAccess:EC2/SSHBruteForce",
    archived: bool = False,
) -> str:
    """A finding on the detector; returns its id."""
    from moto.guardduty.models import guardduty_backends

    backend = guardduty_backends[account_id][region]
    finding_id = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    from soc2ctl_sandbox.seed import partition as partition_of

    partition = partition_of(region)
    _findings(backend, detector_id).append(
        {
            "accountId": account_id,
            "arn": f"arn:{partition}:guardduty:{region}:{account_id}:detector/{detector_id}/finding/{finding_id}",
            "id": finding_id,
            "region": region,
            "partition": partition,
            "schemaVersion": "2.0",
            "type": finding_type,
            "severity": severity,
            "title": f"{finding_type} (sandbox)",
            "createdAt": now,
            "updatedAt": now,
            "resource": {"resourceType": "Instance"},
            "service": {
                "serviceName": "guardduty",
                "detectorId": detector_id,
                "archived": archived,
                "count": 1,
            },
        }
    )
    return finding_id


def _value(finding: dict[str, Any], key: str) -> Any:
    if key == "service.archived":
        return str(finding["service"]["archived"]).lower()
    return finding.get(key)


def _matches(finding: dict[str, Any], criterion: dict[str, Any]) -> bool:
    for key, condition in criterion.items():
        value = _value(finding, key)
        for op, expected in condition.items():
            if op in _NUMERIC and not _NUMERIC[op](float(value), float(expected)):
                return False
            if op in ("eq", "equals") and str(value) not in [str(e) for e in expected]:
                return False
            if op in ("neq", "notEquals") and str(value) in [str(e) for e in expected]:
                return False
    return True


def apply() -> None:
    from moto.guardduty import urls
    from moto.guardduty.responses import GuardDutyResponse

    def list_findings(self: Any) -> str:
        detector_id = self.path.split("/")[-2]
        self.guardduty_backend.get_detector(detector_id)  # BadRequest for an unknown detector, as AWS
        criterion = (self._get_param("findingCriteria") or {}).get("criterion", {})
        ids = [f["id"] for f in _findings(self.guardduty_backend, detector_id) if _matches(f, criterion)]
        start = int(self._get_param("nextToken") or 0)
        size = int(self._get_param("maxResults") or 50)
        page: dict[str, Any] = {"findingIds": ids[start : start + size]}
        if start + size < len(ids):
            page["nextToken"] = str(start + size)
        return json.dumps(page)

    def get_findings(self: Any) -> str:
        detector_id = self.path.split("/")[-3]
        wanted = set(self._get_param("findingIds") or [])
        found = [f for f in _findings(self.guardduty_backend, detector_id) if f["id"] in wanted]
        return json.dumps({"findings": found})

    GuardDutyResponse.list_findings = list_findings
    GuardDutyResponse.get_findings = get_findings
    urls.url_paths.setdefault("{0}/detector/(?P<detector_id>[^/]+)/findings$", GuardDutyResponse.dispatch)
    urls.url_paths.setdefault("{0}/detector/(?P<detector_id>[^/]+)/findings/get$", GuardDutyResponse.dispatch)
