"""Per-resource changes read counts first: a task changing 25 buckets shows `25 resources to update` and the
count of each kind of change before the details, lists only the first resources, and the JSON keeps all."""

from __future__ import annotations

import io
import json

from rich.console import Console

from soc2ctl.engine.plan import plan_document
from soc2ctl.remediation import Scope
from soc2ctl.render import review
from soc2ctl.render.markdown import render_markdown
from soc2ctl.render.text import render_plan
from tests.test_render import result

ACCOUNT = ("111122223333", "data-prod")


def bucket_plan(buckets: int, *, risk: str = "medium") -> dict:
    changes = [(f"[arn:aws:s3:::bucket-{n:03d}].sse_algorithm", None, "AES256") for n in range(buckets)]
    changes += [("[arn:aws:s3:::bucket-000].versioning", "Suspended", "Enabled")]
    task = result("s3-bucket-encryption", ACCOUNT, Scope.REGION, "update", changes, risk=risk)
    return plan_document(
        {task.task.key: task},
        run_id="resources",
        playbook={"path": "p.yml", "sha256": "a" * 64},
        inventory={"path": "i.yml", "sha256": "b" * 64},
    )


def text_of(doc: dict) -> str:
    out = io.StringIO()
    render_plan(doc, Console(file=out, width=200, color_system=None))
    return out.getvalue()


def test_text_counts_first_then_the_first_resources_only():
    doc = bucket_plan(25)
    out = text_of(doc)
    assert "25 resources to update:" in out
    assert "25 x sse_algorithm: (none) -> AES256" in out and "1 x versioning: Suspended -> Enabled" in out
    assert out.index("25 resources to update:") < out.index("bucket-000")
    shown = {f"bucket-{n:03d}" for n in range(25) if f"bucket-{n:03d}]" in out}
    assert shown == {f"bucket-{n:03d}" for n in range(review.RESOURCES_SHOWN)}
    assert "... and 15 more resource(s)" in out
    assert len(json.loads(json.dumps(doc))["tasks"][0]["changes"]) == 26  # the JSON keeps every change


def test_markdown_counts_first_and_caps_the_diff():
    markdown = render_markdown(bucket_plan(25))
    assert "**25 resources to update:**" in markdown
    assert "- 25 x sse\\_algorithm: (none) -\\> AES256" in markdown
    assert markdown.index("25 resources to update") < markdown.index("bucket-000")
    assert "bucket-009" in markdown and "bucket-010" not in markdown
    assert "15 more resource(s)" in markdown


def test_few_resources_and_high_risk_are_shown_whole():
    assert "resources to update" not in text_of(bucket_plan(1))  # one resource: as before
    out = text_of(bucket_plan(25, risk="high"))
    assert "resources to update" not in out and "bucket-024" in out  # a high-risk change is read in full
