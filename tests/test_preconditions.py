"""Preconditions order providers first; server faults are the service's, and bounded in attempts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse

from soc2ctl.engine.plan import plan_document
from soc2ctl.render.text import render_plan
from soc2ctl.run.builder import prepare_run
from tests.helpers import create_org

PLAYBOOK = """\
name: preconditions
controls:
  - id: config-recorder
    remediation: config-recorder
    desired: {delivery_bucket: "central-config-{{ log_archive_account_id }}"}
  - id: buckets
    remediation: central-log-buckets
    account: log_archive
    desired:
      buckets: [{name: "central-config-{{ log_archive_account_id }}", kind: config}]
      manage_bucket_policies: true
"""
INVENTORY = "organization: {discover: true}\nregions: [us-east-1]\n"


class _Body:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def files(tmp_path: Path, playbook: str = PLAYBOOK) -> tuple[Path, Path]:
    (tmp_path / "pb.yml").write_text(playbook)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    return tmp_path / "pb.yml", tmp_path / "inv.yml"


def test_a_provider_in_the_playbook_runs_first_and_the_plan_says_so(aws, tmp_path):
    create_org(None, ["alpha", "beta"])
    run = prepare_run(*files(tmp_path), parallelism=2)
    graph = run.executor.graph
    provider = next(k for k in graph if k.startswith("buckets/"))
    consumers = [k for k in graph if k.startswith("config-recorder/")]
    assert len(consumers) == 2 and all(graph.has_edge(provider, c) for c in consumers)
    doc = plan_document(run.executor.plan(), run_id=run.run_id, **run.sources())
    recorder = next(t for t in doc["tasks"] if t["control"] == "config-recorder")
    assert recorder["action"] == "create"  # the bucket does not exist yet, and will: not an error
    assert recorder["requires"] == [
        {"resource": "s3-bucket central-config-123456789012", "satisfied_by": "buckets"}
    ]
    from rich.console import Console

    console = Console(record=True, width=200)
    render_plan(doc, console)
    assert "needs s3-bucket central-config-123456789012: from buckets" in console.export_text()

    applied = prepare_run(*files(tmp_path), parallelism=2).executor.apply()
    assert {r.status for r in applied.values()} == {"changed"}


def test_without_the_provider_a_missing_bucket_is_a_precondition_error(aws, tmp_path):
    create_org(None, ["alpha"])
    only_config = PLAYBOOK.split("  - id: buckets")[0]
    run = prepare_run(*files(tmp_path, only_config), parallelism=2)
    (result,) = run.executor.plan().values()
    assert result.action == "error"
    assert (
        "precondition not met: s3-bucket central-config-123456789012: the bucket does not exist"
        in result.error
    )
    assert "no control of this playbook provides it" in result.error


def config_call(request: Any) -> bool:
    return "StarlingDoveService" in str(request.headers.get("X-Amz-Target", ""))


def test_http_500_is_sent_a_bounded_number_of_times(server, tmp_path):
    """Counted at the HTTP edge (before-send, over a moto server), where botocore's own retries show."""
    create_org(server.endpoint, ["alpha"])
    run = prepare_run(*files(tmp_path), parallelism=1)
    policy = run.sessions.retry_policy
    policy.base_wait = policy.max_wait = 0.001
    sent: list[str] = []

    def fail(request: Any, **_: Any) -> AWSResponse | None:
        if config_call(request):
            sent.append(request.url)
            return AWSResponse(request.url, 500, {}, _Body(b""))
        return None

    run.sessions.register("before-send", fail)
    results = run.executor.plan()
    failed = [r for r in results.values() if r.task.control.id == "config-recorder"]
    assert failed[0].action == "error" and "(calling DescribeConfigurationRecorders)" in failed[0].error
    assert len(sent) == policy.transient_attempts == 3  # was 32: botocore's 4 attempts x tenacity's 8


def test_an_unparseable_answer_is_the_services_fault_naming_the_operation(server, tmp_path):
    """An XML answer botocore cannot parse (ResponseParserError) names the service and the operation."""
    create_org(server.endpoint, ["alpha"])
    playbook = "name: x\ncontrols:\n  - {id: pw, remediation: iam-password-policy}\n"
    run = prepare_run(*files(tmp_path, playbook), parallelism=1)

    def garbage(request: Any, **_: Any) -> AWSResponse | None:
        if "GetAccountPasswordPolicy" in str(request.body or ""):
            return AWSResponse(request.url, 200, {}, _Body(b"<GetAccountPasswordPolicyResponse><unclosed"))
        return None

    run.sessions.register("before-send", garbage)
    (result,) = run.executor.plan().values()
    assert "iam answered GetAccountPasswordPolicy with a response that cannot be parsed" in result.error
    assert "internal error" not in result.error
