"""Partitions: soc2ctl works in GovCloud (and China), and never writes the commercial partition out.

An ARN names its partition; `arn:aws:...` does not exist in `us-gov-west-1`. The partition comes from the
caller identity or the region (botocore's own data), every ARN is built for it, and a test fails on any
literal `arn:aws:` in product code. The GovCloud flow runs the sandbox organization's seeds and the
shipped baseline in `us-gov-west-1` (in-process moto): plan, apply, plan again, and every ARN in the plan
and in the evidence must be `arn:aws-us-gov:`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.aws import partitions
from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.cli.main import app
from soc2ctl_sandbox.seed import SandboxAccount, SeedClients, create_organization, seed_settings
from tests.helpers import OPT_IN_VARS

ROOT = Path(__file__).resolve().parents[1]
# The product, its sandbox distribution and what ships with it (playbooks write `arn:{{ partition }}:`).
PRODUCT = [
    ROOT / d
    for d in ("soc2ctl", "remediations", "sandbox/soc2ctl_sandbox", "playbooks", "inventories", "deploy")
]
COMMERCIAL = "arn:" + "aws:"  # spelled in two parts so this file is not its own finding
ARN = re.compile(r"arn:[a-z0-9-]+:[a-z0-9-]+:[^\s\"'\]]*")
GOV = "us-gov-west-1"
runner = CliRunner()


def literal_arns(paths: list[Path]) -> list[str]:
    found = []
    for top in paths:
        for path in sorted(top.rglob("*")):
            if path.is_file() and path.suffix in {".py", ".yml", ".yaml", ".json", ".j2", ".md", ".txt"}:
                for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
                    if COMMERCIAL in line:
                        found.append(f"{path.relative_to(top.parent)}:{n}: {line.strip()}")
    return found


def test_product_code_never_writes_the_commercial_partition():
    """Build ARNs with `ctx.arn(...)`, `soc2ctl.aws.partitions`, or use the ARNs AWS returns."""
    assert literal_arns(PRODUCT) == []


def test_the_literal_check_finds_one(tmp_path):
    (tmp_path / "m.py").write_text(f'ROLE = "{COMMERCIAL}iam::1:role/x"\n')
    assert len(literal_arns([tmp_path])) == 1


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "aws-us-gov"),
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("eu-west-1", "aws"),
        (None, "aws"),
    ],
)
def test_partition_of_a_region_from_botocore(region, partition):
    assert partitions.for_region(region) == partition


def test_global_services_sign_in_the_partitions_global_region():
    assert [partitions.global_region(p) for p in ("aws", "aws-us-gov", "aws-cn")] == [
        "us-east-1",
        "us-gov-west-1",
        "cn-north-1",
    ]


def test_sessions_take_the_partition_from_the_caller_identity(aws, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", GOV)
    sessions = AwsSessions(run_id="t")
    assert sessions.caller_identity()["Arn"].startswith("arn:aws-us-gov:")
    assert sessions.partition == "aws-us-gov"
    assert (
        sessions.role_arn("111111111111")
        == "arn:aws-us-gov:iam::111111111111:role/OrganizationAccountAccessRole"
    )


def test_flow_logs_accept_a_bucket_in_any_partition_and_only_s3_arns():
    from soc2ctl import registry

    params = registry.get("vpc-flow-logs").Params
    assert params(s3_bucket_arn="arn:aws-us-gov:s3:::soc2ctl-vpc-flow-logs-1/p").s3_bucket_arn
    assert params(s3_bucket_arn="arn:aws-cn:s3:::b").s3_bucket_arn
    for bad in ("arn:aws-us-gov:iam::1:role/x", "arn:nowhere:s3:::b", "soc2ctl-bucket"):
        with pytest.raises(ValueError, match="s3_bucket_arn"):
            params(s3_bucket_arn=bad)


# ---------------------------------------------------------------- the GovCloud flow

LAYOUT = (
    SandboxAccount("audit", "Security", {"env": "prod"}, "compliant"),
    SandboxAccount("log-archive", "Security", {"env": "prod"}, "compliant"),
    SandboxAccount("payments-prod", "Workloads/Prod", {"env": "prod"}, "drifted"),
    SandboxAccount("sbx-alice", "Sandbox", {"env": "sandbox"}, "fresh"),
)
INVENTORY = f"""\
organization:
  discover: true
  role_name: OrganizationAccountAccessRole
  security_tooling_account: audit
  log_archive_account: log-archive
regions: [{GOV}]
home_region: {GOV}
vars: {OPT_IN_VARS}
"""


def arns_in(value: object) -> set[str]:
    return set(ARN.findall(json.dumps(value)))


def plan_json(inventory: Path, *extra: str) -> dict:
    result = runner.invoke(app, ["plan", "soc2-baseline", "-i", str(inventory), "--format", "json", *extra])
    assert result.exit_code in (0, 2), result.output
    return json.loads(result.stdout)


def test_govcloud_sandbox_flow_plans_applies_and_converges_in_aws_us_gov(aws, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DEFAULT_REGION", GOV)
    # botocore's endpoint data (which moto builds its region lists from) lists no Macie in GovCloud
    monkeypatch.setenv("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    clients = SeedClients(None, GOV)
    ids = create_organization(None, LAYOUT, clients=clients)
    seed_settings(None, ids, LAYOUT, regions=(GOV,), clients=clients)
    inventory = tmp_path / "gov.yml"
    inventory.write_text(INVENTORY)

    first = plan_json(inventory)
    errors = [(t["control"], t["error"]) for t in first["tasks"] if t["action"] == "error"]
    assert errors == []
    assert {t["action"] for t in first["tasks"]} & {"create", "update"}, "the seeded drift plans changes"
    first_arns = arns_in(first)
    assert first_arns and all(a.startswith("arn:aws-us-gov:") for a in first_arns), sorted(
        a for a in first_arns if not a.startswith("arn:aws-us-gov:")
    )[:10]

    flow_bucket = f"arn:aws-us-gov:s3:::soc2ctl-vpc-flow-logs-{ids['log-archive']}"
    assert flow_bucket in first_arns  # the baseline's flow-logs destination, built for the partition

    applied = runner.invoke(app, ["apply", "soc2-baseline", "-i", str(inventory), "--auto-approve"])
    assert applied.exit_code == 0, applied.output

    again = plan_json(inventory)
    pending = [(t["control"], t["account"]) for t in again["tasks"] if t["action"] in ("create", "update")]
    assert pending == []
    assert all(a.startswith("arn:aws-us-gov:") for a in arns_in(again))

    evidence = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert evidence
    evidence_arns = set().union(*(set(ARN.findall(p.read_text(errors="replace"))) for p in evidence))
    assert {":iam::", ":cloudtrail:", ":s3:::"} <= {
        k for a in evidence_arns for k in (":iam::", ":cloudtrail:", ":s3:::") if k in a
    }
    assert all(a.startswith("arn:aws-us-gov:") for a in evidence_arns), sorted(
        a for a in evidence_arns if not a.startswith("arn:aws-us-gov:")
    )[:10]
