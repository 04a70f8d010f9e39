"""IAM Access Analyzer watches for resources shared outside the zone of trust.

Analyzers are regional and come in two zones of trust: ACCOUNT (one per account and region) or ORGANIZATION
(one for the whole organization, per region). The module is account-scoped either way:
- `type: ACCOUNT`: every targeted account gets its own analyzer.
- `type: ORGANIZATION`: AWS only lets the management account or the Access Analyzer delegated administrator
  create it, and one covers every member; so the control is evaluated in `admin_account_id` only (null: the
  management account) and is a no-op elsewhere, with no call made. The admin account must be a target of
  the run (the management account is one only with `include_management`), and must be registered as the
  delegated administrator first (control `delegated-admins`).
Any ACTIVE or CREATING analyzer of the wanted zone of trust counts, whatever its name (AWS allows only one
account analyzer per account and region, so a second one could not be created anyway); an ORGANIZATION
analyzer also satisfies `type: ACCOUNT` in the account that owns it, its zone of trust being wider.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from remediations._aws import client_token, paginate
from soc2ctl.remediation import AccountId, Params, PlannedChange, Remediation, Scope, TaskContext

_LIVE = ("ACTIVE", "CREATING")
_SATISFIES = {"ACCOUNT": ("ACCOUNT", "ORGANIZATION"), "ORGANIZATION": ("ORGANIZATION",)}


class AccessAnalyzerParams(Params):
    type: Literal["ACCOUNT", "ORGANIZATION"] = "ACCOUNT"
    analyzer_name: str = Field(default="soc2ctl-access-analyzer", pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,254}$")
    admin_account_id: AccountId | None = Field(
        default=None,
        description="ORGANIZATION only: the account that owns the analyzer (delegated admin); null: management.",
    )
    regions: list[str] | None = Field(default=None, description="Regions to analyze; null: the home region.")


class AccessAnalyzer(Remediation[AccessAnalyzerParams]):
    """An IAM Access Analyzer (organization or per-account) finds resources shared outside the trust zone."""

    name = "access-analyzer"
    scope = Scope.ACCOUNT
    risk = "low"  # only reports resources shared outside the organization
    criteria = ("CC6.1", "CC6.3")
    prowler_checks = ("accessanalyzer_enabled",)
    securityhub_controls = ("IAM.28",)
    read_actions = ("access-analyzer:ListAnalyzers",)
    write_actions = ("access-analyzer:CreateAnalyzer", "iam:CreateServiceLinkedRole")

    def read(self, ctx: TaskContext, params: AccessAnalyzerParams) -> dict[str, Any]:
        if not _evaluated_here(ctx, params):
            return {"organization_analyzer_account": _admin(ctx, params)}
        return {region: _analyzer(ctx, params, region) for region in _regions(ctx, params)}

    def desired(self, ctx: TaskContext, params: AccessAnalyzerParams, observed: Any) -> dict[str, Any]:
        """One analyzer per region: an existing one (any name) is kept as it is; a missing one shows as
        the analyzer that apply creates."""
        if not _evaluated_here(ctx, params):
            return {}
        return {
            region: {"type": found["type"]} if found else {"name": params.analyzer_name, "type": params.type}
            for region, found in observed.items()
        }

    def apply(self, ctx: TaskContext, change: PlannedChange[AccessAnalyzerParams]) -> None:
        params, observed = change.params, change.observed
        for region, found in observed.items():
            if found is None:
                ctx.client("accessanalyzer", region=region).create_analyzer(
                    analyzerName=params.analyzer_name,
                    type=params.type,
                    clientToken=client_token(ctx, "analyzer", region, params.analyzer_name),
                )


def _admin(ctx: TaskContext, params: AccessAnalyzerParams) -> str:
    return params.admin_account_id or ctx.management_account_id


def _evaluated_here(ctx: TaskContext, params: AccessAnalyzerParams) -> bool:
    return params.type == "ACCOUNT" or ctx.account_id == _admin(ctx, params)


def _regions(ctx: TaskContext, params: AccessAnalyzerParams) -> list[str]:
    return sorted(set(params.regions or [ctx.home_region]))


def _analyzer(ctx: TaskContext, params: AccessAnalyzerParams, region: str) -> dict[str, Any] | None:
    """The analyzer that satisfies the control in this region (ours by name first), or None."""
    client = ctx.client("accessanalyzer", region=region)
    live = [
        a
        for a in paginate(client, "list_analyzers", "analyzers")
        if a["status"] in _LIVE and a["type"] in _SATISFIES[params.type]
    ]
    live.sort(key=lambda a: (a["name"] != params.analyzer_name, a["type"] != params.type, a["name"]))
    return {"name": live[0]["name"], "type": live[0]["type"]} if live else None
