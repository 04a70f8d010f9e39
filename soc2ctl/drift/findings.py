"""Security Hub findings in ASFF: one per non-compliant task, updated in place, resolved when fixed.

Why these choices:
- Findings are imported into the caller's account and home region with the account's default product ARN:
  BatchImportFindings only accepts findings whose AwsAccountId is the calling account (for the default
  product), so the target account is named in `Resources` (`AWS::::Account:<id>`) and `ProductFields`.
  With Security Hub's cross-region aggregation and delegated admin this is where the security team looks.
- The Id is stable, `soc2ctl/<control>/<account>/<region or ->` (the task key): a re-run updates the same
  finding instead of adding one per run, so the finding count equals the number of open problems.
- A task back in state gets Compliance PASSED (by import, the provider's field) and Workflow RESOLVED (by
  BatchUpdateFindings: providers cannot set Workflow on import after creation). A finding that fails again
  after being resolved or suppressed is set back to NEW. An excepted task's finding is SUPPRESSED, with the
  exception's justification as the note. Tasks this run did not read (errors, --limit) are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from soc2ctl.aws import partitions
from soc2ctl.drift.classify import DriftItem

GENERATOR_PREFIX = "soc2ctl/"
BATCH = 100  # BatchImportFindings and BatchUpdateFindings take at most 100 findings
SEVERITY = {"low": "LOW", "medium": "MEDIUM", "high": "HIGH"}
TYPES = ["Software and Configuration Checks/Industry and Regulatory Standards/SOC 2"]


@dataclass
class FindingsResult:
    imported: int = 0
    resolved: int = 0
    reopened: int = 0
    suppressed: int = 0
    failed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "resolved": self.resolved,
            "reopened": self.reopened,
            "suppressed": self.suppressed,
            "failed": self.failed,
        }


def finding_id(task_key: str) -> str:
    return GENERATOR_PREFIX + task_key


def product_arn(account: str, region: str) -> str:
    """The account's own product (soc2ctl imports as the account), in the region's partition."""
    return partitions.arn(
        partitions.for_region(region), "securityhub", region, account, f"product/{account}/default"
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]


def asff(
    item: DriftItem, *, account: str, region: str, run_id: str, status: str, created: str | None
) -> dict[str, Any]:
    """The finding of one task (FAILED while out of state, PASSED once back in state)."""
    task, now = item.result.task, _now()
    where = f"{task.account.name} ({task.account.id})" + (f" {task.region}" if task.region else "")
    paths = ", ".join(c.path for c in item.result.changes) or "(see the plan)"
    criteria = list(task.control.criteria or task.module.criteria)
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id(task.key),
        "ProductArn": product_arn(account, region),
        "GeneratorId": GENERATOR_PREFIX + task.control.id,
        "AwsAccountId": account,
        "Types": TYPES,
        "CreatedAt": created or now,
        "UpdatedAt": now,
        "LastObservedAt": now,
        "Severity": {"Label": SEVERITY[task.risk] if status == "FAILED" else "INFORMATIONAL"},
        "Title": f"soc2ctl: {task.control.id} {item.classification} in {where}"[:256],
        "Description": (
            f"Control {task.control.id} ({task.module.name}) is out of its SOC 2 control state at {where}: "
            f"{paths}. Classification: {item.classification}"
            + (" (its exception expired)" if item.exception_expired else "")
            + f". Run {run_id}."
        )[:1024],
        "Compliance": {"Status": status, "RelatedRequirements": [f"SOC 2 {c}" for c in criteria][:32]},
        "Resources": [
            {
                "Type": "AwsAccount",
                "Id": f"AWS::::Account:{task.account.id}",
                "Partition": partitions.for_region(region),
                "Region": task.call_region,
            }
        ],
        "ProductFields": {
            "soc2ctl/control": task.control.id,
            "soc2ctl/account": task.account.id,
            "soc2ctl/region": task.region or "-",
            "soc2ctl/classification": item.classification,
            "soc2ctl/run": run_id,
        },
    }


def existing(client: Any, product: str) -> dict[str, dict[str, Any]]:
    """soc2ctl's active findings in this hub, by Id (filtered server-side, checked again here)."""
    filters = {
        "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": GENERATOR_PREFIX, "Comparison": "PREFIX"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_findings").paginate(Filters=filters, MaxResults=100):
        for f in page["Findings"]:
            if f.get("ProductArn") == product and str(f.get("Id", "")).startswith(GENERATOR_PREFIX):
                found[f["Id"]] = f
    return found


def _import(client: Any, findings: list[dict[str, Any]], result: FindingsResult) -> None:
    for chunk in _chunks(findings):
        resp = client.batch_import_findings(Findings=chunk)
        result.imported += resp.get("SuccessCount", 0)
        result.failed += [f"{f['Id']}: {f.get('ErrorMessage')}" for f in resp.get("FailedFindings", [])]


def _workflow(
    client: Any, ids: list[str], product: str, status: str, note: str, result: FindingsResult
) -> int:
    done = 0
    for chunk in _chunks(ids):
        resp = client.batch_update_findings(
            FindingIdentifiers=[{"Id": i, "ProductArn": product} for i in chunk],
            Workflow={"Status": status},
            Note={"Text": note[:512], "UpdatedBy": "soc2ctl"},
        )
        done += len(resp.get("ProcessedFindings", []))
        result.failed += [
            f"{u['FindingIdentifier']['Id']}: {u.get('ErrorMessage')}"
            for u in resp.get("UnprocessedFindings", [])
        ]
    return done


def _workflow_of(finding: dict[str, Any]) -> str:
    return (finding.get("Workflow") or {}).get("Status", "NEW")


def _open(known: dict[str, dict[str, Any]], key: str) -> bool:
    """A finding that still says FAILED, or is not yet RESOLVED."""
    finding = known.get(finding_id(key))
    if finding is None:
        return False
    return (finding.get("Compliance") or {}).get("Status") != "PASSED" or _workflow_of(finding) != "RESOLVED"


def sync(client: Any, items: list[DriftItem], *, account: str, region: str, run_id: str) -> FindingsResult:
    """Bring soc2ctl's findings in line with this run: FAILED for tasks still out, RESOLVED for fixed ones."""
    product, result = product_arn(account, region), FindingsResult()
    known = existing(client, product)
    out = [i for i in items if i.still_out]
    fixed = [i for i in items if _open(known, i.key) and (i.restored or i.classification == "in-state")]
    excepted = [i for i in items if finding_id(i.key) in known and i.classification == "excepted"]

    def doc(item: DriftItem, status: str) -> dict[str, Any]:
        created = known.get(finding_id(item.key), {}).get("CreatedAt")
        return asff(item, account=account, region=region, run_id=run_id, status=status, created=created)

    _import(client, [doc(i, "FAILED") for i in out] + [doc(i, "PASSED") for i in fixed], result)
    reopen = [
        finding_id(i.key)
        for i in out
        if _workflow_of(known.get(finding_id(i.key), {})) in ("RESOLVED", "SUPPRESSED")
    ]
    resolve = [finding_id(i.key) for i in fixed if _workflow_of(known[finding_id(i.key)]) != "RESOLVED"]
    suppress = [finding_id(i.key) for i in excepted if _workflow_of(known[finding_id(i.key)]) != "SUPPRESSED"]
    result.reopened = _workflow(client, reopen, product, "NEW", f"out of state again at run {run_id}", result)
    result.resolved = _workflow(
        client, resolve, product, "RESOLVED", f"back in state at run {run_id}", result
    )
    result.suppressed = _workflow(
        client, suppress, product, "SUPPRESSED", f"excepted in the playbook (run {run_id})", result
    )
    return result
