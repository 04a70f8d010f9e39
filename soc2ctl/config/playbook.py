"""Playbooks: loading, and every check that needs no AWS call.

`check_playbook` reports all problems at once (schema, unknown modules, duplicate ids, unknown or cyclic
dependencies, template syntax, unknown variables, parameter types), each with file and line, because a
reviewer fixing a playbook should not have to run validate once per mistake.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from soc2ctl import registry
from soc2ctl.aws import partitions
from soc2ctl.config.models import PlaybookFile, Risk, load_model, schema_problems
from soc2ctl.config.templating import TemplateProblem, render, variables_used
from soc2ctl.config.yamlsrc import line_of
from soc2ctl.errors import ProblemList

BUILTIN_VARS = frozenset(
    {
        "account_id",
        "account_name",
        "region",
        "home_region",
        "management_account_id",
        "ou_path",
        "tags",
        "groups",
        "run_id",
        "executor_role_name",
        "break_glass_role",
        "account_ids",
        "security_tooling_account_id",  # soc2ctl.config.designated
        "log_archive_account_id",
        "run_regions",
        "partition",  # the run's AWS partition (aws, aws-us-gov, aws-cn): `arn:{{ partition }}:...`
    }
)


@dataclass
class Playbook:
    path: Path
    spec: PlaybookFile
    raw: Any
    sha256: str

    def line(self, *loc: Any) -> int | None:
        return line_of(self.raw, loc)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_playbook(path: Path) -> Playbook:
    spec, raw = load_model(PlaybookFile, path)
    playbook = Playbook(path, spec, raw, file_sha256(path))
    problems = ProblemList()
    check_structure(playbook, problems)
    problems.raise_if_any()
    playbook.spec = with_module_risks(spec)
    return playbook


def with_module_risks(spec: PlaybookFile) -> PlaybookFile:
    """A control without `risk` takes its module's rating, so every task, finding and evidence record has
    one: the module knows what its writes can break (lock people out, stop logging); a playbook may raise
    or lower it for its organization."""
    controls = [
        c if c.risk is not None else c.model_copy(update={"risk": Risk(registry.get(c.remediation).risk)})
        for c in spec.controls
    ]
    return spec.model_copy(update={"controls": controls})


def check_structure(pb: Playbook, problems: ProblemList) -> None:
    file = str(pb.path)
    ids: dict[str, int] = {}
    for i, control in enumerate(pb.spec.controls):
        if control.id in ids:
            problems.add(f"duplicate control id {control.id!r}", file, pb.line("controls", i, "id"))
        ids[control.id] = i
        if registry.get(control.remediation) is None:
            known = ", ".join(registry.registry())
            problems.add(
                f"control {control.id!r}: unknown remediation {control.remediation!r} (known: {known})",
                file,
                pb.line("controls", i, "remediation"),
            )
    graph = nx.DiGraph()
    for i, control in enumerate(pb.spec.controls):
        graph.add_node(control.id)
        for j, dep in enumerate(control.depends_on):
            if dep not in ids:
                problems.add(
                    f"control {control.id!r}: depends_on unknown control {dep!r}",
                    file,
                    pb.line("controls", i, "depends_on", j),
                )
            else:
                graph.add_edge(dep, control.id)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
    first = ids[cycle[0][1]]
    problems.add(f"dependency cycle: {names}", file, pb.line("controls", first, "depends_on"))


def check_parameters(
    pb: Playbook, problems: ProblemList, variable_sets: list[tuple[str, dict[str, Any]]]
) -> None:
    """Render each control's `desired` with each variable set (per account, or playbook defaults) and
    validate it against the module's schema; report each distinct problem once, with the line."""
    file = str(pb.path)
    seen: set[str] = set()

    def add(message: str, line: int | None) -> None:
        if message not in seen:
            seen.add(message)
            problems.add(message, file, line)

    for i, control in enumerate(pb.spec.controls):
        module = registry.get(control.remediation)
        if module is None:
            continue
        try:
            used = variables_used(control.desired)
        except TemplateProblem as exc:
            add(f"control {control.id!r}: {exc}", pb.line("controls", i, "desired"))
            continue
        for label, variables in variable_sets:
            missing = sorted(used - set(variables) - BUILTIN_VARS)
            if missing:
                add(
                    f"control {control.id!r}: unknown variable(s) {', '.join(missing)}{label} "
                    "(define a default in the playbook's vars or set it in the inventory)",
                    pb.line("controls", i, "desired"),
                )
                continue
            sample = {**variables, **_sample_builtins(variables)}
            try:
                rendered = render(control.desired, sample)
                module.Params.model_validate(rendered)
            except TemplateProblem as exc:
                add(f"control {control.id!r}: {exc}{label}", pb.line("controls", i, "desired"))
            except ValidationError as exc:
                for p in schema_problems(exc, pb.raw, file, ("controls", i, "desired")):
                    add(f"control {control.id!r}: {p.message}{label}", p.line)


class _AnyAccount(dict):
    """`account_ids['audit']` at validate time, before any account is known."""

    def __missing__(self, key: str) -> str:
        return "000000000000"


def _sample_builtins(variables: dict[str, Any]) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "account_id": "000000000000",
        "account_name": "example",
        "region": "us-east-1",
        "home_region": "us-east-1",
        "management_account_id": "000000000000",
        "ou_path": "",
        "tags": {},
        "groups": [],
        "run_id": "validate",
        "executor_role_name": "OrganizationAccountAccessRole",
        "break_glass_role": None,
        "account_ids": _AnyAccount(),
        "security_tooling_account_id": "000000000000",
        "log_archive_account_id": "000000000000",
        "run_regions": ["us-east-1"],
        "partition": partitions.DEFAULT,
    }
    return {k: variables.get(k, v) for k, v in defaults.items()}
