"""Wiring of one run: playbook + inventory + sessions -> tasks -> graph -> executor.

The run service (plan, apply, drift) and the benchmarks all start a run here, so they cannot disagree on how a run is
set up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from soc2ctl import runlog
from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.config import shipped
from soc2ctl.config.inventory import Inventory, read_inventory_file, resolve_inventory
from soc2ctl.config.models import InventoryFile
from soc2ctl.config.playbook import Playbook, file_sha256, load_playbooks
from soc2ctl.config.playbook_imports import default_roots
from soc2ctl.engine.executor import Executor
from soc2ctl.engine.tasks import Task, build_graph, build_tasks
from soc2ctl.errors import Problem, UserError
from soc2ctl.remediation import Scope
from soc2ctl.run import prewarm

if TYPE_CHECKING:
    from soc2ctl.run.frontend import Frontend, RunRequest


@dataclass
class Run:
    run_id: str
    playbook: Playbook
    inventory: Inventory
    sessions: AwsSessions
    tasks: list[Task]
    graph: nx.DiGraph
    executor: Executor
    playbook_paths: list[Path] = field(default_factory=list)  # as given (imports are in playbook.files)
    import_roots: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # one line each, for stderr

    def sources(self) -> dict[str, dict[str, Any]]:
        return {
            "playbook": {"path": str(self.playbook.path), "sha256": self.playbook.sha256},
            "inventory": {"path": str(self.inventory.path), "sha256": file_sha256(self.inventory.path)},
        }


def make_sessions(
    spec: InventoryFile, *, run_id: str, profile: str | None = None, parallelism: int = 16
) -> AwsSessions:
    endpoint_url = spec.endpoint_url
    credentials = None
    if spec.sandbox:
        from soc2ctl.sandbox import ensure_running

        state = ensure_running()
        endpoint_url = state["endpoint"]
        credentials = {"access_key": "testing", "secret_key": "testing"}
    sessions = AwsSessions(
        run_id=run_id,
        profile=profile,
        endpoint_url=endpoint_url,
        role_name=spec.organization.role_name,
        external_id=spec.organization.external_id,
        credentials=credentials,
        max_pool_connections=max(10, parallelism * 2),
        parallelism=parallelism,
    )
    if spec.sandbox and not sessions.base.get_config_variable("region"):
        sessions.base.set_config_variable("region", spec.home_region or spec.regions[0])
    return sessions


def load_inventory(
    path: Path,
    *,
    run_id: str,
    profile: str | None,
    parallelism: int = 16,
    on_sessions: Callable[[AwsSessions], None] | None = None,
    playbook: Playbook | None = None,
    controls: list[str] | None = None,
) -> tuple[Inventory, AwsSessions]:
    """The inventory, resolved (discovered); with the run's playbook, its clients are made meanwhile."""
    spec, raw = read_inventory_file(path)
    sessions = make_sessions(spec, run_id=run_id, profile=profile, parallelism=parallelism)
    if on_sessions:
        on_sessions(sessions)  # event handlers (benchmarks' latency, tests' faults) before the first call
    idle = prewarm.jobs(playbook, spec, sessions, controls) if playbook else []
    return resolve_inventory(path, spec, raw, sessions, idle), sessions


def prepare_run(
    playbook_path: Path | Sequence[Path],
    inventory_path: Path,
    *,
    profile: str | None = None,
    limit: str | None = None,
    controls: list[str] | None = None,
    extra_vars: dict[str, Any] | None = None,
    parallelism: int = 16,
    run_id: str | None = None,
    on_sessions: Callable[[AwsSessions], None] | None = None,
    import_roots: Sequence[Path] | None = None,
) -> Run:
    run_id = runlog.start_run(run_id)  # the id reserved for this process's log lines, if any
    paths = [Path(p) for p in ([playbook_path] if isinstance(playbook_path, Path | str) else playbook_path)]
    roots = list(import_roots) if import_roots is not None else default_roots(paths)
    playbook = load_playbooks(paths, roots)
    inventory, sessions = load_inventory(
        inventory_path,
        run_id=run_id,
        profile=profile,
        parallelism=parallelism,
        on_sessions=on_sessions,
        playbook=playbook,
        controls=controls,
    )
    if limit:
        bad = inventory.unknown_pattern_terms(limit)
        if bad and bad != ["organization"]:
            raise UserError(
                Problem(
                    f"--limit {limit!r}: {', '.join(bad)} match(es) no account or group", str(inventory_path)
                )
            )
    tasks = build_tasks(
        playbook, inventory, limit=limit, control_ids=controls, extra_vars=extra_vars, run_id=run_id
    )
    if not tasks:
        raise UserError(f"nothing to do: no task matches (hosts {playbook.spec.hosts!r}, limit {limit!r})")
    graph = build_graph(tasks)
    executor = Executor(
        sessions,
        graph,
        parallelism=parallelism,
        home_region=inventory.home_region,
        management_account_id=inventory.management_account_id,
    )
    run = Run(run_id, playbook, inventory, sessions, tasks, graph, executor, paths, roots)
    left_out = inventory.management_left_out()
    if left_out and not limit and any(t.scope is not Scope.ORG for t in tasks):  # --limit: chosen on purpose
        run.warnings.append(left_out)
    return run


def build(request: RunRequest, frontend: Frontend) -> Run:
    """A fresh run of the run service: the request's files (paths or shipped names), then `prepare_run`."""
    if request.inventory is None:
        raise UserError("--inventory/-i: an inventory is required")
    run = prepare_run(
        [shipped.resolve(p, "playbooks") for p in (request.playbook, *request.more_playbooks)],
        shipped.resolve(request.inventory, "inventories"),
        profile=request.profile,
        limit=request.limit,
        controls=request.controls,
        extra_vars=request.extra_vars,
        parallelism=request.parallelism,
    )
    frontend.started(run)
    for warning in run.warnings:
        frontend.note(f"warning: {warning}")
    return run
