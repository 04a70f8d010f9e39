"""The sandbox organization: 12 member accounts in 4 OUs, tagged, with a realistic mix of states.

Each account has a posture: `compliant` (already in state), `drifted` (configured, but wrong in places) or
`fresh` (nothing configured, as after account creation). The settings of each control are seeded by a small
file in `soc2ctl/sandbox/seeds/`, one per remediation module, so adding a control adds one seed file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session

from soc2ctl.aws.sessions import strip_loopback_account_prefix

MANAGEMENT_ACCOUNT = "123456789012"  # moto's account for the `testing` credentials
REGIONS = ("us-east-1", "eu-west-1")


@dataclass(frozen=True)
class SandboxAccount:
    name: str
    ou: str
    tags: dict[str, str]
    posture: str  # compliant | drifted | fresh


LAYOUT: tuple[SandboxAccount, ...] = (
    SandboxAccount("audit", "Security", {"env": "prod", "team": "security"}, "compliant"),
    SandboxAccount("log-archive", "Security", {"env": "prod", "team": "security"}, "compliant"),
    SandboxAccount("network", "Infrastructure", {"env": "prod", "team": "platform"}, "compliant"),
    SandboxAccount("shared-services", "Infrastructure", {"env": "prod", "team": "platform"}, "drifted"),
    SandboxAccount("payments-prod", "Workloads/Prod", {"env": "prod", "team": "payments"}, "drifted"),
    SandboxAccount("web-prod", "Workloads/Prod", {"env": "prod", "team": "web"}, "compliant"),
    SandboxAccount("data-prod", "Workloads/Prod", {"env": "prod", "team": "data"}, "drifted"),
    SandboxAccount("payments-dev", "Workloads/Dev", {"env": "dev", "team": "payments"}, "fresh"),
    SandboxAccount("web-dev", "Workloads/Dev", {"env": "dev", "team": "web"}, "drifted"),
    SandboxAccount("data-dev", "Workloads/Dev", {"env": "dev", "team": "data"}, "compliant"),
    SandboxAccount("sbx-alice", "Sandbox", {"env": "sandbox", "team": "web"}, "fresh"),
    SandboxAccount("sbx-bob", "Sandbox", {"env": "sandbox", "team": "data", "legacy": "true"}, "drifted"),
)


@dataclass
class SeedContext:
    """One account (and region, for region seeds) being seeded."""

    endpoint: str
    account_id: str
    name: str
    posture: str
    region: str
    is_management: bool = False
    accounts: dict[str, str] = field(default_factory=dict)  # name -> id, for org-level seeds
    _session: boto3.Session | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        assert self._session is not None
        return self._session.client(service, region_name=region or self.region, endpoint_url=self.endpoint)


def _session(endpoint: str, account_id: str) -> boto3.Session:
    core = botocore.session.Session()
    core.register("before-sign.s3-control", strip_loopback_account_prefix)
    base = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        botocore_session=core,
        region_name="us-east-1",
    )
    if account_id == MANAGEMENT_ACCOUNT:
        return base
    creds = base.client("sts", endpoint_url=endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="sandbox-seed",
    )["Credentials"]
    member = botocore.session.Session()
    member.register("before-sign.s3-control", strip_loopback_account_prefix)
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        botocore_session=member,
        region_name="us-east-1",
    )


def create_organization(endpoint: str, layout: tuple[SandboxAccount, ...] = LAYOUT) -> dict[str, str]:
    """Organization, OUs (nested by path), accounts with tags; returns account name -> id."""
    org = _session(endpoint, MANAGEMENT_ACCOUNT).client("organizations", endpoint_url=endpoint)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou_ids: dict[str, str] = {"": root}

    def ou_id(path: str) -> str:
        if path not in ou_ids:
            parent, _, name = path.rpartition("/")
            ou_ids[path] = org.create_organizational_unit(ParentId=ou_id(parent), Name=name)[
                "OrganizationalUnit"
            ]["Id"]
        return ou_ids[path]

    ids = {}
    for account in layout:
        status = org.create_account(
            Email=f"{account.name}@example.com",
            AccountName=account.name,
            Tags=[{"Key": k, "Value": v} for k, v in account.tags.items()],
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou_id(account.ou))
        ids[account.name] = account_id
    return ids


def _seeders() -> list[tuple[str, Callable[[SeedContext], None]]]:
    from soc2ctl.sandbox import seeds

    found = []
    for info in sorted(pkgutil.iter_modules(seeds.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{seeds.__name__}.{info.name}")
        found.append((module.SCOPE, module.seed))
    return found


def seed_settings(
    endpoint: str,
    ids: dict[str, str],
    layout: tuple[SandboxAccount, ...] = LAYOUT,
    regions: tuple[str, ...] = REGIONS,
) -> None:
    postures = {a.name: a.posture for a in layout}
    targets = [("management", MANAGEMENT_ACCOUNT, "compliant", True)]
    targets += [(name, account_id, postures[name], False) for name, account_id in ids.items()]
    seeders = _seeders()
    for name, account_id, posture, is_management in targets:
        session = _session(endpoint, account_id)
        for scope, seed in seeders:
            if scope == "org" and not is_management:
                continue
            for region in regions if scope == "region" else regions[:1]:
                seed(SeedContext(endpoint, account_id, name, posture, region, is_management, ids, session))


def seed_organization(endpoint: str) -> dict[str, Any]:
    ids = create_organization(endpoint)
    seed_settings(endpoint, ids)
    return {"management_account": MANAGEMENT_ACCOUNT, "accounts": ids, "regions": list(REGIONS)}
