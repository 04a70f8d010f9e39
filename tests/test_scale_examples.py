"""The scale-out recipes in docs/examples/ (AWS Batch array job, Kubernetes Indexed Job, Step Functions
distributed map) parse, and their commands are what the real CLI accepts: each copy plans its own shard
(`--shard auto/N` with N = the orchestrator's copies, or the map item's index), writes its own part, and the
merge step joins exactly the N parts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from soc2ctl.cli.main import app
from soc2ctl.run.shard import Shard, out_path, parse_shard

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"
COMMANDS = typer.main.get_command(app)


def accepted(args: list[str]) -> dict[str, Any]:
    """The CLI's own parser takes the arguments (unknown options, bad values fail here)."""
    command = COMMANDS.commands[args[0]]  # type: ignore[attr-defined]
    with command.make_context(args[0], list(args[1:]), resilient_parsing=False) as ctx:
        return dict(ctx.params)


def check_shards(plan: list[str], merge: list[str], copies: int) -> None:
    params = accepted(plan)
    assert params["shard_spec"] == f"auto/{copies}" or re.fullmatch(rf"\d+/{copies}", params["shard_spec"])
    parts = [str(out_path(Path(params["out"]), Shard(i, copies))) for i in range(copies)]
    assert len(set(parts)) == copies  # every copy writes its own part
    merged = accepted(merge)
    assert [str(p) for p in merged["parts"]] == parts


def test_aws_batch_array_job():
    doc = json.loads((EXAMPLES / "aws-batch-array-plan.json").read_text())
    size = doc["planJob"]["arrayProperties"]["size"]
    check_shards(
        doc["planJob"]["containerOverrides"]["command"],
        doc["mergeJob"]["containerOverrides"]["command"],
        size,
    )
    assert doc["mergeJob"]["dependsOn"]
    for index in range(size):
        assert parse_shard(f"auto/{size}", {"AWS_BATCH_JOB_ARRAY_INDEX": str(index)}) == Shard(index, size)
    apply = accepted(doc["applyJob"]["containerOverrides"]["command"])
    assert apply["shard_spec"] == f"auto/{doc['applyJob']['arrayProperties']['size']}"


def test_kubernetes_indexed_job():
    items = yaml.safe_load((EXAMPLES / "k8s-indexed-job-plan.yaml").read_text())["items"]
    plan, merge = (
        next(i for i in items if i["metadata"]["name"] == n) for n in ("soc2ctl-plan", "soc2ctl-merge")
    )
    assert plan["spec"]["completionMode"] == "Indexed"
    copies = plan["spec"]["completions"]
    container = plan["spec"]["template"]["spec"]["containers"][0]
    check_shards(container["args"], merge["spec"]["template"]["spec"]["containers"][0]["args"], copies)
    assert parse_shard(f"auto/{copies}", {"JOB_COMPLETION_INDEX": str(copies - 1)}) == Shard(
        copies - 1, copies
    )


def test_step_functions_distributed_map():
    doc = json.loads((EXAMPLES / "stepfunctions-distributed-map-plan.json").read_text())
    assert doc["States"][doc["StartAt"]]["Type"] == "Map"
    fan = doc["States"]["PlanShards"]
    assert fan["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert fan["Next"] == "Merge" and doc["States"]["Merge"]["End"] is True
    shards = json.loads(re.search(r"\{\\\"shards\\\": (\[[^\]]*\])\}", json.dumps(doc["Comment"])).group(1))
    expression = fan["ItemProcessor"]["States"]["PlanOneShard"]["Parameters"]["Overrides"][
        "ContainerOverrides"
    ][0]["Command.$"]
    template = re.findall(r"'([^']*)'", expression)  # States.Array's literal arguments
    count = int(re.search(r"States.Format\('\{\}/(\d+)'", expression).group(1))
    assert shards == list(range(count))
    for index in shards:  # the command each map item runs
        args = [a.replace("{}", "") for a in template if a != "{}/" + str(count)]
        args.insert(args.index("--shard") + 1, f"{index}/{count}")
        merge = doc["States"]["Merge"]["Parameters"]["Overrides"]["ContainerOverrides"][0]["Command"]
        check_shards(args, merge, count)


@pytest.mark.parametrize("spec", ["0/3", "auto/3"])
def test_out_path_names_the_shard(spec):
    shard = parse_shard(spec, {"JOB_COMPLETION_INDEX": "0"})
    assert out_path(Path("/p/part-{shard}.json"), shard) == Path("/p/part-0.json")
    assert out_path(Path("/p/plan.json"), shard) == Path("/p/plan.json")
