"""The run's clients made while discovery waits (soc2ctl.run.prewarm): exactly the clients the plan uses,
made only while discovery's reads are in flight, and never an error of their own.

In-process moto, the real run builder and executor.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from soc2ctl.aws.iam_actions import botocore_services
from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.config.inventory import _while_waiting, read_inventory_file
from soc2ctl.config.playbook import load_playbooks
from soc2ctl.run import prewarm
from soc2ctl.run.builder import prepare_run
from tests.helpers import create_org

PLAYBOOK = """\
name: four settings
controls:
  - {id: password, remediation: iam-password-policy}
  - {id: pab, remediation: s3-account-public-access-block}
  - {id: ebs, remediation: ebs-default-encryption}
  - {id: guardduty, remediation: guardduty-detector}
"""
INVENTORY = "organization: {discover: true}\nregions: [us-east-1, eu-west-1]\n"
EXPECTED = [
    ("us-east-1", "sts"),  # the role assumptions come first
    ("us-east-1", "iam"),
    ("us-east-1", "s3control"),  # s3:GetAccountPublicAccessBlock is S3 Control's call
    ("us-east-1", "ec2"),
    ("eu-west-1", "ec2"),
    ("us-east-1", "guardduty"),
    ("eu-west-1", "guardduty"),
]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return tmp_path / "pb.yml", tmp_path / "inv.yml"


def test_the_clients_made_ahead_are_the_clients_the_plan_uses(tmp_path, aws):
    create_org(None, ["alpha", "beta"])
    playbook, inventory = _files(tmp_path)
    used: set[tuple[str, str]] = set()

    def record(sessions: AwsSessions) -> None:
        client = sessions.client

        def recording(account_id: str, region: str, service: str):
            used.add((region, service))
            return client(account_id, region, service)

        sessions.client = recording  # type: ignore[method-assign]

    run = prepare_run(playbook, inventory, parallelism=4, on_sessions=record)
    spec, _ = read_inventory_file(inventory)
    ahead = prewarm.clients(run.playbook, spec, run.sessions)
    results = run.executor.plan()
    assert not [r.error for r in results.values() if r.error]
    assert ahead == EXPECTED
    assert set(ahead) == used  # none made for nothing, none left to make on first use
    assert set(EXPECTED) <= set(run.sessions._shared)


def test_only_the_selected_controls_clients_are_made_ahead(tmp_path, aws):
    playbook, inventory = _files(tmp_path)
    spec, _ = read_inventory_file(inventory)
    sessions = AwsSessions(run_id="t")
    chosen = prewarm.clients(load_playbooks([playbook]), spec, sessions, ["ebs"])
    assert chosen == [("us-east-1", "sts"), ("us-east-1", "ec2"), ("eu-west-1", "ec2")]


def test_a_control_in_an_opt_in_region_also_gets_the_home_region_list_client(tmp_path, aws):
    """af-south-1 can be disabled: each account's region list is read first (EC2, home region); a run
    only in regions that are always enabled reads no list (soc2ctl.aws.regions)."""
    playbook, inventory = _files(tmp_path)
    chosen = {}
    for regions in ("[eu-west-1, af-south-1]", "[eu-west-1]"):
        inventory.write_text(
            f"organization: {{discover: true}}\nhome_region: us-east-1\nregions: {regions}\n"
        )
        spec, _ = read_inventory_file(inventory)
        chosen[regions] = prewarm.clients(load_playbooks([playbook]), spec, AwsSessions(run_id="t"), ["ebs"])
    sts = ("us-east-1", "sts")
    assert chosen["[eu-west-1, af-south-1]"] == [
        sts,
        ("us-east-1", "ec2"),
        ("eu-west-1", "ec2"),
        ("af-south-1", "ec2"),
    ]
    assert chosen["[eu-west-1]"] == [sts, ("eu-west-1", "ec2")]


def test_ahead_of_use_work_runs_only_while_the_reads_are_in_flight():
    read: Future[str] = Future()
    ran: list[int] = []

    def job(n: int):
        def run() -> None:
            ran.append(n)
            if n == 2:
                read.set_result("done")  # the reads answered during the second job

        return run

    _while_waiting([read], [job(1), job(2), job(3), job(4)])
    assert ran == [1, 2]
    _while_waiting([read], [job(5)])  # answered already: nothing more
    assert ran == [1, 2]


def test_a_client_that_cannot_be_made_ahead_is_left_to_the_task_that_uses_it(aws):
    sessions = AwsSessions(run_id="t")
    prewarm._warm(sessions, ("not a region!", "ec2"))  # botocore refuses the name: no error here
    prewarm._warm(sessions, ("us-east-1", "no-such-service"))
    assert sessions._shared == {}


def test_iam_actions_name_the_botocore_services_that_make_the_calls():
    assert botocore_services(["s3:GetAccountPublicAccessBlock"]) == ["s3control"]
    assert botocore_services(["s3:GetEncryptionConfiguration", "kms:DescribeKey"]) == ["s3", "kms"]
    assert botocore_services(["monitoring:DescribeAlarms", "access-analyzer:ListAnalyzers"]) == [
        "cloudwatch",
        "accessanalyzer",
    ]
    assert botocore_services(["elasticloadbalancing:DescribeLoadBalancers"]) == ["elbv2", "elb"]
