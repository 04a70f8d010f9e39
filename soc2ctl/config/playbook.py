"""Playbooks: loading, and every check that needs no AWS call.

`check_playbook` reports all problems at once (schema, unknown modules, duplicate ids, unknown or cyclic
dependencies, template syntax, unknown variables, parameter types), each with file and line, because a
reviewer fixing a playbook should not have to run validate once per mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import ValidationError

from soc2ctl import registry
from soc2ctl.aws import partitions
from soc2ctl.config.models import PlaybookFile, Risk, schema_problems
from soc2ctl.config.playbook_imports import (
    PlaybookSource,
    default_roots,
    file_sha256,
    read_playbooks,
    run_settings,
)
from soc2ctl.config.templating import TemplateProblem, render, variables_used
from soc2ctl.config.yamlsrc import line_of
from soc2ctl.errors import Problem, ProblemList, UserError

__all__ = ["Playbook", "PlaybookSource", "file_sha256", "load_playbook", "load_playbooks"]

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
    """What a run executes: one playbook file, or several (given together or by `import`), combined.

    `path`, `raw` and `sha256` are the first file's; `spec.controls` holds the controls of every file, and
    `origins[i]` says which file control i came from (its index in `files` and in that file's controls), so
    each control keeps its file's hosts, regions and vars, and every problem names its own file:line."""

    path: Path
    spec: PlaybookFile
    raw: Any
    sha256: str
    files: list[PlaybookSource] = field(default_factory=list)
    origins: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.files:  # one file
            self.files = [PlaybookSource(self.path, self.spec, self.raw, self.sha256)]
            self.origins = [(0, i) for i in range(len(self.spec.controls))]

    def line(self, *loc: Any) -> int | None:
        return line_of(self.raw, loc)

    def source_of(self, index: int) -> PlaybookSource:
        return self.files[self.origins[index][0]]

    def control_vars(self, index: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """What control `index` renders with before any account is known (policy and template generation):
        its own file's vars, under `extra` (--extra-vars and what the caller fixes on top)."""
        return {**self.source_of(index).spec.vars, **(extra or {})}

    def locate(self, index: int, *loc: Any) -> tuple[str, int | None]:
        """File and line of something inside control `index` (of the combined list)."""
        source, own = self.files[self.origins[index][0]], self.origins[index][1]
        return str(source.path), source.line("controls", own, *loc)

    def sources_json(self) -> list[dict[str, str]]:
        """Every playbook file the run read (command line and imports): what a saved plan is bound to."""
        return [{"path": str(Path(f.path).resolve()), "sha256": f.sha256} for f in self.files]


def load_playbook(path: Path) -> Playbook:
    """One playbook file and every playbook it imports."""
    return load_playbooks([path])


def load_playbooks(paths: Sequence[Path], roots: Sequence[Path] | None = None) -> Playbook:
    """Every playbook given and every playbook they import (soc2ctl.config.playbook_imports), combined
    and checked together: one run, one graph, each control with its own file's hosts, regions, vars."""
    files, given = read_playbooks(paths, roots if roots is not None else default_roots(paths))
    controls = [c for f in files for c in f.spec.controls]
    if not controls:
        raise UserError(Problem("no controls: the playbook and its imports define none", str(paths[0])))
    first = next(f for f in files if Path(f.path).resolve() == Path(paths[0]).resolve())
    named = [f for f in files if Path(f.path).resolve() in given]
    name = " + ".join(dict.fromkeys(f.spec.name for f in named))
    spec = first.spec.model_copy(update={"controls": controls, "name": name, **run_settings(files)})
    origins = [(n, i) for n, f in enumerate(files) for i in range(len(f.spec.controls))]
    return check_loaded(Playbook(first.path, spec, first.raw, first.sha256, files, origins))


def check_loaded(playbook: Playbook) -> Playbook:
    """The checks of the combined playbook, then each control's module risk filled in."""
    problems = ProblemList()
    check_structure(playbook, problems)
    problems.raise_if_any()
    playbook.spec = with_module_risks(playbook.spec)
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
    ids: dict[str, int] = {}
    for i, control in enumerate(pb.spec.controls):
        file, line = pb.locate(i, "id")
        if control.id in ids:
            first, first_line = pb.locate(ids[control.id], "id")
            other = f" (first at line {first_line})" if first == file else f" (also in {first}:{first_line})"
            problems.add(f"duplicate control id {control.id!r}{other}", file, line)
            continue
        ids[control.id] = i
        if registry.get(control.remediation) is None:
            known = ", ".join(registry.registry())
            problems.add(
                f"control {control.id!r}: unknown remediation {control.remediation!r} (known: {known})",
                *pb.locate(i, "remediation"),
            )
    graph = nx.DiGraph()
    for i, control in enumerate(pb.spec.controls):
        graph.add_node(control.id)
        for j, dep in enumerate(control.depends_on):
            if dep not in ids:
                problems.add(
                    f"control {control.id!r}: depends_on unknown control {dep!r}",
                    *pb.locate(i, "depends_on", j),
                )
            else:
                graph.add_edge(dep, control.id)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
    first = ids[cycle[0][1]]
    problems.add(f"dependency cycle: {names}", *pb.locate(first, "depends_on"))


def check_parameters(
    pb: Playbook, problems: ProblemList, variable_sets: list[tuple[str, dict[str, Any]]]
) -> None:
    """Render each control's `desired` with each variable set (per account, or playbook defaults) and
    validate it against the module's schema; report each distinct problem once, with the line. Each
    control's own playbook file supplies the lowest-precedence variables (its `vars`)."""
    seen: set[str] = set()

    def add(message: str, where: tuple[str, int | None]) -> None:
        if message not in seen:
            seen.add(message)
            problems.add(message, *where)

    for i, control in enumerate(pb.spec.controls):
        module = registry.get(control.remediation)
        if module is None:
            continue
        source = pb.source_of(i)
        file, own = str(source.path), pb.origins[i][1]
        try:
            used = variables_used(control.desired)
        except TemplateProblem as exc:
            add(f"control {control.id!r}: {exc}", pb.locate(i, "desired"))
            continue
        for label, set_vars in variable_sets:
            variables = {**source.spec.vars, **set_vars}
            missing = sorted(used - set(variables) - BUILTIN_VARS)
            if missing:
                add(
                    f"control {control.id!r}: unknown variable(s) {', '.join(missing)}{label} "
                    "(define a default in the playbook's vars or set it in the inventory)",
                    pb.locate(i, "desired"),
                )
                continue
            sample = {**variables, **_sample_builtins(variables)}
            try:
                rendered = render(control.desired, sample)
                module.Params.model_validate(rendered)
            except TemplateProblem as exc:
                add(f"control {control.id!r}: {exc}{label}", pb.locate(i, "desired"))
            except ValidationError as exc:
                for p in schema_problems(exc, source.raw, file, ("controls", own, "desired")):
                    add(f"control {control.id!r}: {p.message}{label}", (file, p.line))


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
