"""One entry per registered module: what the contract suite (test_contract.py) needs to drive it.

`seeds` names the sandbox seed files (sandbox/soc2ctl_sandbox/seeds/) that put the `compliant`, `drifted` and `fresh`
accounts in their posture; `params` is the module's parameter set (a function of the account ids when it
names accounts: `audit`, `c`, `d`, `f`, `management`, and `target`: the account the task runs in); `absent` and `drifted` are the planned actions on the
fresh account and the drifted one (organization-scope modules: the management account before and after
seeding); `prerequisites` are seeds the module needs in place before even the absent state means anything.
A module with no entry here, or in a file of tests/remediations/fixtures/ (one per group of modules, each
with its own `FIXTURES`), fails the suite.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT
from tests.helpers import ModuleRun, member_client

Ids = dict[str, str]
Setup = str | Callable[[str | None, Ids], None]  # a seed file name, or a function of (endpoint, account ids)


@dataclass(frozen=True)
class ContractFixture:
    params: dict[str, Any] | Callable[[Ids], dict[str, Any]] = field(default_factory=dict)
    seeds: tuple[Setup, ...] | None = None  # None: the seed file named like the module
    prerequisites: tuple[Setup, ...] = ()  # set up before the `absent` plan (e.g. a delegated administrator)
    region: str = "us-east-1"  # where the drifted posture is drifted
    absent: str = "create"
    drifted: str = "update"
    variables: dict[str, Any] = field(default_factory=dict)

    def params_for(self, ids: Ids) -> dict[str, Any]:
        return self.params(ids) if callable(self.params) else dict(self.params)


def designate_securityhub_admin(endpoint: str | None, ids: Ids) -> None:
    hub = member_client("securityhub", MANAGEMENT_ACCOUNT, endpoint=endpoint)
    hub.enable_organization_admin_account(AdminAccountId=ids["audit"])


def postures(service: str, call: str, compliant: dict[str, Any], drifted: dict[str, Any]) -> Setup:
    """A setup that makes one call in the compliant account and one in the drifted one (fresh stays as
    AWS leaves it): all a one-setting control needs instead of a sandbox seed file."""

    def set_up(endpoint: str | None, ids: Ids) -> None:
        for account, kwargs in (("c", compliant), ("d", drifted)):
            getattr(member_client(service, ids[account], endpoint=endpoint), call)(**kwargs)

    return set_up


def log_buckets(ids: Ids) -> dict[str, Any]:
    """One bucket of each kind, named after the account the task runs in (S3 bucket names are global)."""
    kinds = {
        "cloudtrail": "soc2ctl-cloudtrail",
        "config": "soc2ctl-config",
        "flow-logs": "soc2ctl-vpc-flow-logs",
    }
    buckets = [{"name": f"{name}-{ids['target']}", "kind": kind} for kind, name in kinds.items()]
    # soc2ctl creates the buckets and writes their policies here (the baseline leaves that to the template)
    return {"buckets": buckets, "manage_bucket_policies": True}


def central_log_buckets(endpoint: str | None, ids: Ids) -> None:
    """Compliant: the module's own buckets in place; drifted: the same, then versioning suspended on one."""
    for account in ("c", "d"):
        run = ModuleRun("central-log-buckets", log_buckets({**ids, "target": ids[account]}), ids[account])
        assert run.apply().status == "changed"
    # the run's own client: a boto3 S3 client after botocore's shared S3 class would inject its methods twice
    s3 = run.sessions.client(ids["d"], "us-east-1", "s3")
    s3.put_bucket_versioning(
        Bucket=f"soc2ctl-config-{ids['d']}", VersioningConfiguration={"Status": "Suspended"}
    )


def delivery_buckets(endpoint: str | None, ids: Ids) -> None:
    """The central Config and flow-log buckets (central-log-buckets provides them; a precondition)."""
    s3 = member_client("s3", MANAGEMENT_ACCOUNT, endpoint=endpoint)
    for name in (f"soc2ctl-config-{MANAGEMENT_ACCOUNT}", f"soc2ctl-vpc-flow-logs-{MANAGEMENT_ACCOUNT}"):
        s3.create_bucket(Bucket=name)


def backup_vaults(endpoint: str | None, ids: Ids) -> None:
    """The vault a backup plan copies into (backup-vault provides it; a precondition), in every account."""
    for account in ("c", "d", "f"):
        backup = member_client("backup", ids[account], endpoint=endpoint)
        backup.create_backup_vault(BackupVaultName="soc2-backup-vault")


def trails_to_log_group(endpoint: str | None, ids: Ids) -> None:
    """A trail of each account delivering to the alarms' log group: without one, alarms cannot fire."""
    s3 = member_client("s3", MANAGEMENT_ACCOUNT, endpoint=endpoint)
    for account in ("c", "d", "f"):
        bucket = f"trail-{ids[account]}"
        s3.create_bucket(Bucket=bucket)
        cloudtrail = member_client("cloudtrail", ids[account], endpoint=endpoint)
        cloudtrail.create_trail(
            Name="account-trail",
            S3BucketName=bucket,
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{ids[account]}:log-group:/soc2/cloudtrail:*",
            CloudWatchLogsRoleArn=f"arn:aws:iam::{ids[account]}:role/cloudtrail-to-logs",
        )
        cloudtrail.start_logging(Name="account-trail")


def _audit(extra: dict[str, Any] | None = None) -> Callable[[Ids], dict[str, Any]]:
    return lambda ids: {"admin_account_id": ids["audit"], **(extra or {})}


FIXTURES: dict[str, ContractFixture] = {
    "access-analyzer": ContractFixture(prerequisites=("delegated_admins",), drifted="create"),
    "backup-plan": ContractFixture(prerequisites=(backup_vaults,), seeds=("backup_plan",)),
    "backup-vault": ContractFixture(
        {"kms_key_id": "alias/soc2-backup", "create_kms_key": True, "min_retention_days": 7}
    ),
    "central-log-buckets": ContractFixture(log_buckets, seeds=(central_log_buckets,)),
    "config-recorder": ContractFixture(
        {"delivery_bucket": f"soc2ctl-config-{MANAGEMENT_ACCOUNT}"}, prerequisites=(delivery_buckets,)
    ),
    "default-security-group-closed": ContractFixture(absent="delete", drifted="delete"),
    "delegated-admins": ContractFixture(_audit(), absent="update"),
    "ebs-default-encryption": ContractFixture(absent="update", region="eu-west-1"),
    "ec2-imdsv2-default": ContractFixture(
        seeds=(
            postures(
                "ec2",
                "modify_instance_metadata_defaults",
                {"HttpTokens": "required"},
                {"HttpTokens": "optional"},
            ),
        ),
        absent="update",
    ),
    "ebs-snapshot-public-access": ContractFixture({"state": "block-all-sharing"}, absent="update"),
    "guardduty-detector": ContractFixture({"finding_publishing_frequency": "FIFTEEN_MINUTES"}),
    "guardduty-org-config": ContractFixture(
        _audit({"auto_enable_organization_members": "ALL"}),
        prerequisites=("delegated_admins", "guardduty_detector"),
        absent="update",
    ),
    "iam-access-keys": ContractFixture(absent="no-op", drifted="detect"),  # nothing to check without users
    "iam-password-policy": ContractFixture(),
    "iam-user-mfa": ContractFixture({"enforce_deny_without_mfa": True}, absent="no-op"),
    "inspector": ContractFixture(),
    "kms-key-rotation": ContractFixture(absent="no-op"),  # no customer keys, nothing to rotate
    "log-retention": ContractFixture({"min_retention_days": 365}, absent="no-op"),  # no log groups
    "macie": ContractFixture(),
    "org-cloudtrail": ContractFixture(
        {"kms_key_id": "alias/soc2ctl-cloudtrail", "create_kms_key": True}, absent="update"
    ),
    "root-mfa": ContractFixture(absent="detect", drifted="detect"),
    "s3-account-public-access-block": ContractFixture(),
    "scp-guardrails": ContractFixture(
        variables={"executor_role_name": "OrganizationAccountAccessRole"}, absent="create"
    ),
    "security-alarms": ContractFixture(
        {"log_group_name": "/soc2/cloudtrail"}, prerequisites=(trails_to_log_group,)
    ),
    "securityhub": ContractFixture(),
    "securityhub-org-config": ContractFixture(  # the seed is always compliant: drifted is absent here
        prerequisites=(designate_securityhub_admin,), seeds=(), absent="update"
    ),
    "vpc-flow-logs": ContractFixture(
        {"s3_bucket_arn": f"arn:aws:s3:::soc2ctl-vpc-flow-logs-{MANAGEMENT_ACCOUNT}"},
        prerequisites=(delivery_buckets,),
        drifted="create",
    ),
}


def _group_fixtures() -> dict[str, ContractFixture]:
    """The fixture files of tests/remediations/fixtures/; a module listed twice is an error."""
    from tests.remediations import fixtures

    found: dict[str, ContractFixture] = {}
    for info in pkgutil.iter_modules(fixtures.__path__):
        group = importlib.import_module(f"{fixtures.__name__}.{info.name}").FIXTURES
        twice = (set(found) | set(FIXTURES)) & set(group)
        assert not twice, f"contract fixtures listed twice: {sorted(twice)}"
        found.update(group)
    return found


FIXTURES.update(_group_fixtures())
