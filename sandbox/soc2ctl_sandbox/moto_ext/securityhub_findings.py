"""Security Hub findings: BatchUpdateFindings, GetFindings filters, and import semantics (moto 5.2 gaps).

- `BatchUpdateFindings` is missing: added for Workflow, Note, Severity, VerificationState, Confidence,
  Criticality, Types and UserDefinedFields, keyed by FindingIdentifiers (Id + ProductArn).
- `GetFindings` ignores `Filters`: string filters (EQUALS, NOT_EQUALS, PREFIX, PREFIX_NOT_EQUALS) are applied
  to top-level string fields and to the nested ones soc2ctl uses (WorkflowStatus, ComplianceStatus,
  SeverityLabel). Within one field values are OR-ed (negations AND-ed); fields are AND-ed, as in AWS.
- `BatchImportFindings` overwrote `Workflow` on re-import and set no defaults: AWS ignores a provider's
  Workflow on update and starts new findings as Workflow NEW, RecordState ACTIVE.
"""

from __future__ import annotations

import json
from typing import Any

_NESTED = {
    "WorkflowStatus": ("Workflow", "Status"),
    "ComplianceStatus": ("Compliance", "Status"),
    "SeverityLabel": ("Severity", "Label"),
}
_UPDATABLE = (
    "Workflow",
    "Note",
    "Severity",
    "VerificationState",
    "Confidence",
    "Criticality",
    "Types",
    "UserDefinedFields",
)


def _field(finding: dict[str, Any], name: str) -> Any:
    if name in _NESTED:
        outer, inner = _NESTED[name]
        return (finding.get(outer) or {}).get(inner)
    return finding.get(name)


def _one(value: Any, cond: dict[str, str]) -> bool:
    text, want, comparison = str(value or ""), cond.get("Value", ""), cond.get("Comparison", "EQUALS")
    return {
        "EQUALS": text == want,
        "NOT_EQUALS": text != want,
        "PREFIX": text.startswith(want),
        "PREFIX_NOT_EQUALS": not text.startswith(want),
    }.get(comparison, True)


def matches(finding: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    for name, conditions in (filters or {}).items():
        if not isinstance(conditions, list) or not conditions or "Value" not in conditions[0]:
            continue  # date, number, map filters: not emulated
        value = _field(finding, name)
        positive = [c for c in conditions if not c.get("Comparison", "EQUALS").endswith("NOT_EQUALS")]
        negative = [c for c in conditions if c not in positive]
        if positive and not any(_one(value, c) for c in positive):
            return False
        if not all(_one(value, c) for c in negative):
            return False
    return True


def _patch_backend() -> None:
    from moto.securityhub.models import Finding, SecurityHubBackend

    original_import = SecurityHubBackend.batch_import_findings

    def batch_import_findings(self: Any, findings: list[dict[str, Any]]) -> Any:
        existing = {f.id: f for f in self.findings}
        kept = {}
        for data in findings:
            old = existing.get(data.get("Id"))
            if old is not None:
                kept[old.id] = old.data.get("Workflow")
            else:
                data.setdefault("Workflow", {"Status": "NEW"})
                data.setdefault("WorkflowState", "NEW")
                data.setdefault("RecordState", "ACTIVE")
        result = original_import(self, findings)
        for finding in self.findings:
            if finding.id in kept and kept[finding.id] is not None:
                finding.data["Workflow"] = kept[finding.id]
        return result

    def batch_update_findings(self: Any, identifiers: list[dict[str, str]], updates: dict[str, Any]) -> Any:
        by_id: dict[tuple[str, str], Finding] = {(f.id, f.data.get("ProductArn")): f for f in self.findings}
        processed, unprocessed = [], []
        for ident in identifiers:
            finding = by_id.get((ident.get("Id"), ident.get("ProductArn")))
            if finding is None:
                unprocessed.append(
                    {"FindingIdentifier": ident, "ErrorCode": "FindingNotFound", "ErrorMessage": "not found"}
                )
                continue
            for key, value in updates.items():
                finding.data[key] = value
            if "Workflow" in updates:
                finding.data["WorkflowState"] = updates["Workflow"].get("Status", "NEW")
            processed.append(ident)
        return processed, unprocessed

    SecurityHubBackend.batch_import_findings = batch_import_findings
    SecurityHubBackend.batch_update_findings = batch_update_findings


def _patch_responses() -> None:
    from moto.securityhub.responses import SecurityHubResponse

    original_get = SecurityHubResponse.get_findings

    def get_findings(self: Any) -> str:
        filters = self._get_param("Filters")
        doc = json.loads(original_get(self))
        doc["Findings"] = [f for f in doc["Findings"] if matches(f, filters)]
        return json.dumps(doc)

    def batch_update_findings(self: Any) -> str:
        params = json.loads(self.body) if self.body else {}
        updates = {k: params[k] for k in _UPDATABLE if k in params}
        processed, unprocessed = self.securityhub_backend.batch_update_findings(
            params.get("FindingIdentifiers") or [], updates
        )
        return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})

    SecurityHubResponse.get_findings = get_findings
    SecurityHubResponse.batch_update_findings = batch_update_findings


def _patch_urls() -> None:
    from moto.securityhub import urls
    from moto.securityhub.responses import SecurityHubResponse

    urls.url_paths.setdefault("{0}/findings/batchupdate$", SecurityHubResponse.dispatch)


def apply() -> None:
    _patch_backend()
    _patch_responses()
    _patch_urls()
