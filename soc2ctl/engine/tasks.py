"""From playbook × inventory to the task graph.

A task is one control at one target. Organization-scope controls run once, in the management account and
home region; account-scope controls once per account (called in the home region); region-scope controls
once per account and region. Edges come from `depends_on`: a task waits for the tasks of the controls it
depends on at the same target, or at the enclosing target (an account task for a region task, the
organization task for everything).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from pydantic import ValidationError

from soc2ctl import registry
from soc2ctl.aws import partitions
from soc2ctl.config import patterns
from soc2ctl.config.designated import Designation, by_keyword, designate
from soc2ctl.config.inventory import Account, Inventory
from soc2ctl.config.models import ControlSpec, PlaybookFile
from soc2ctl.config.playbook import Playbook
from soc2ctl.config.risk_exceptions import Matched, match
from soc2ctl.config.templating import TemplateProblem, render, variables_used
from soc2ctl.errors import UserError
from soc2ctl.remediation import Remediation, Requirement, Resource, Scope, Target

ORG_GROUP = "organization"


@dataclass
class Task:
    key: str
    control: ControlSpec
    module: Remediation
    account: Account
    region: str | None  # None above region scope
    call_region: str
    variables: dict[str, Any]
    params: Any = None
    error: str | None = None
    exception: Matched = field(default_factory=Matched)  # see soc2ctl.config.risk_exceptions
    provides: list[Resource] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    satisfied_by: dict[Resource, str] = field(default_factory=dict)  # requirement -> providing control id

    @property
    def scope(self) -> Scope:
        return self.module.scope

    @property
    def risk(self) -> str:
        """The control's rating, else its module's (see Remediation.risk)."""
        return self.control.risk.value if self.control.risk else self.module.risk

    @property
    def summary(self) -> str:
        """Why the control asks for this change, in one line: the control's description, else the module's."""
        text = self.control.description or self.module.summary()
        return " ".join(text.split())


def task_key(control_id: str, account_id: str, region: str | None) -> str:
    return f"{control_id}/{account_id}/{region or '-'}"


def build_tasks(
    playbook: Playbook,
    inventory: Inventory,
    *,
    limit: str | None = None,
    control_ids: list[str] | None = None,
    extra_vars: dict[str, Any] | None = None,
    run_id: str = "",
) -> list[Task]:
    known = {c.id for c in playbook.spec.controls}
    unknown = [c for c in control_ids or [] if c not in known]
    if unknown:
        where = ", ".join(str(f.path) for f in playbook.files)
        raise UserError(f"--controls: unknown control id(s) {', '.join(unknown)} (in {where})")
    limited = inventory.select(limit) if limit else None
    selected: dict[str, list[Account]] = {}  # each playbook file's `hosts`, selected once

    def hosts_of(pattern: str) -> list[Account]:
        if pattern not in selected:
            found = inventory.select(pattern)
            selected[pattern] = [a for a in found if a in limited] if limited is not None else found
        return selected[pattern]

    hosts = [a for f in playbook.files for a in hosts_of(f.spec.hosts)]
    hosts = list({a.id: a for a in hosts}.values())
    account_ids = inventory.account_ids()
    run_regions = sorted({r for a in hosts for r in a.regions} | {inventory.home_region})
    designations = designate(inventory)
    designated_ids = {d.variable: d.account_id for d in designations.values()}
    tasks = []
    for index, control in enumerate(playbook.spec.controls):
        if control_ids and control.id not in control_ids:
            continue
        module = registry.get(control.remediation)
        assert module is not None  # load_playbook rejected unknown modules
        pinned = _pinned_account(control, inventory, designations)
        source = playbook.source_of(index)  # the control's own file: its hosts, regions and vars
        own_hosts = hosts_of(source.spec.hosts)
        for account, region in _targets(control, module, source.spec, inventory, own_hosts, limit, pinned):
            call_region = region or inventory.home_region
            variables = {
                **source.spec.vars,
                **account.vars,
                **(extra_vars or {}),
                "account_id": account.id,
                "account_name": account.name,
                "region": call_region,
                "home_region": inventory.home_region,
                "management_account_id": inventory.management_account_id,
                "ou_path": account.ou_path,
                "tags": account.tags,
                "groups": list(account.groups),
                "run_id": run_id,
                "executor_role_name": inventory.spec.organization.role_name,
                "break_glass_role": inventory.spec.organization.break_glass_role,
                "account_ids": account_ids,
                "run_regions": run_regions,
                "partition": partitions.for_region(inventory.home_region),
                **designated_ids,
            }
            task = Task(
                task_key(control.id, account.id, region),
                control,
                module,
                account,
                region,
                call_region,
                variables,
            )
            task.exception = match(control, account, region)
            file, line = playbook.locate(index, "desired")
            _resolve_params(task, f"{file}:{line}", designations)
            if isinstance(pinned, str):
                task.error = f"control {control.id}: {pinned}"
            declare_resources(task, inventory.home_region, inventory.management_account_id)
            tasks.append(task)
    return tasks


def _targets(
    control: ControlSpec,
    module: Remediation,
    playbook: PlaybookFile,
    inventory: Inventory,
    hosts: list[Account],
    limit: str | None,
    pinned: Account | str | None = None,
) -> list[tuple[Account, str | None]]:
    if module.scope is Scope.ORG or pinned is not None:
        one = pinned if isinstance(pinned, Account) else inventory.management
        matchable = patterns.Matchable(one.id, one.name, frozenset({*one.groups, ORG_GROUP}))
        if limit and not patterns.select(limit, [matchable]):
            return []
        hosts = [one]
        if module.scope is Scope.ORG or isinstance(pinned, str):
            return [(one, None)]
    elif control.hosts:
        narrowed = {a.id for a in inventory.select(control.hosts)}
        hosts = [a for a in hosts if a.id in narrowed]
    if module.in_management == "skip" and pinned is None:
        hosts = [a for a in hosts if not a.is_management]  # the module must not run there
    if module.scope is Scope.ACCOUNT:
        return [(a, None) for a in hosts]
    wanted = control.regions or playbook.regions
    if module.home_region_only:
        wanted = [inventory.home_region]
    return [(a, r) for a in hosts for r in a.regions if not wanted or r in wanted]


def _pinned_account(
    control: ControlSpec, inventory: Inventory, designations: dict[str, Designation]
) -> Account | str | None:
    """The one account a control with `account:` runs in, or why there is none (reported on its task)."""
    if control.account is None:
        return None
    if control.account == "management":
        return inventory.management
    role = by_keyword(designations, control.account)
    if role is not None:
        return role.account or f"account: {control.account}: organization.{role.setting} {role.problem}"
    found = inventory.account(control.account)
    if found is None and control.account == inventory.management_account_id:
        found = inventory.management
    return found or f"account: {control.account} is not an account of the inventory"


def declare_resources(task: Task, home_region: str, management_account_id: str) -> None:
    """What the task provides and requires, from its parameters (no AWS call)."""
    if task.error or task.params is None:
        return
    target = Target(task.account.id, task.call_region, home_region, management_account_id)
    task.provides = task.module.provides(target, task.params)
    task.requirements = task.module.requires(target, task.params)


def _resolve_params(task: Task, where: str, designations: dict[str, Designation] | None = None) -> None:
    """A template or parameter problem fails this task (one line, naming file:line), not the run; so does a
    template that needs a designated account the inventory does not resolve."""
    unresolved = {d.variable: d for d in (designations or {}).values() if d.problem}
    try:
        needs = variables_used(task.control.desired) & set(unresolved)
    except TemplateProblem:
        needs = set()
    if needs:
        role = unresolved[min(needs)]
        task.error = f"control {task.control.id}: needs organization.{role.setting}: {role.problem}"
        return
    try:
        rendered = render(task.control.desired, task.variables)
        task.params = task.module.Params.model_validate(rendered)
    except TemplateProblem as exc:
        task.error = f"{where}: control {task.control.id}: {exc}"
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        task.error = f"{where}: control {task.control.id}: invalid desired parameters: {details}"


def build_graph(tasks: list[Task]) -> nx.DiGraph:
    graph = nx.DiGraph()
    by_control: dict[str, list[Task]] = {}
    for task in tasks:
        graph.add_node(task.key, task=task)
        by_control.setdefault(task.control.id, []).append(task)
    for task in tasks:
        for dep in task.control.depends_on:
            for upstream in by_control.get(dep, []):
                if _encloses(upstream, task):
                    graph.add_edge(upstream.key, task.key)
    _order_providers_first(graph, tasks)
    return graph


def startable(graph: nx.DiGraph) -> list[str]:
    """The tasks that wait for no other, in the order to start them: each account's longest task, then
    each account's next longest, and so on (graph order among equals). A task is a chain of round trips,
    about one per read its module declares, and a run ends when its longest chain does, so the long ones
    start first (longest-processing-time-first); and the first wave spans as many accounts as it can, so
    their role assumptions run side by side instead of tasks of one account waiting on its one."""
    roots = [node for node in graph if graph.in_degree(node) == 0]
    longest_first = sorted(roots, key=lambda node: -len(graph.nodes[node]["task"].module.read_actions))
    rank: dict[str, int] = {}
    seen: Counter[str] = Counter()
    for node in longest_first:
        account = graph.nodes[node]["task"].account.id
        rank[node] = seen[account]
        seen[account] += 1
    return sorted(longest_first, key=rank.__getitem__)


def _order_providers_first(graph: nx.DiGraph, tasks: list[Task]) -> None:
    """Derived dependencies: a task that requires a resource waits for the tasks that provide it (in any
    account), and records which control satisfies the requirement. An edge that would close a cycle is
    left out; that requirement is then checked like one nothing provides."""
    providers: dict[Resource, list[Task]] = {}
    for task in tasks:
        for resource in task.provides:
            providers.setdefault(resource, []).append(task)
    for task in tasks:
        for requirement in task.requirements:
            found = [p for p in providers.get(requirement.resource, []) if p.key != task.key]
            if not found or any(nx.has_path(graph, task.key, p.key) for p in found):
                continue
            for provider in found:
                graph.add_edge(provider.key, task.key)
            task.satisfied_by[requirement.resource] = found[0].control.id


def _encloses(upstream: Task, task: Task) -> bool:
    if upstream.scope is Scope.ORG:
        return True
    if upstream.account.id != task.account.id:
        return False
    return upstream.region is None or task.region is None or upstream.region == task.region
