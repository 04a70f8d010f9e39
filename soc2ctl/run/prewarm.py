"""The run's botocore clients, made while organization discovery waits on AWS.

Why: a run has one client per (region, service) (soc2ctl.aws.sessions), and making one is CPU: models
parsed, a client class built (EC2 ~40 ms, IAM ~20 ms). Made when the first task of a service needs it, that
time is on the plan's critical path: every task of the service waits for it. Discovery is the opposite,
round trips with the interpreter idle. So the clients the playbook's controls will use are made in that
idle time, in the order the run needs them, one at a time while discovery's reads are still in flight
(soc2ctl.config.inventory.discover_organization): never a wait of its own, and a client not made by then
is made on first use, as before.

Which clients: before discovery the accounts are unknown but the controls and regions are not. Each
control's module's services (from its declared read actions' IAM prefixes) in the regions its tasks can
call (the home region for organization- and account-scope modules; for region-scope ones the inventory's
regions, narrowed by the control's or its playbook's `regions`), after STS in the caller's region (the role
assumptions come first) and EC2 in the home region when a control runs in an opt-in region (each
account's region list, soc2ctl.aws.regions).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial

from botocore.exceptions import BotoCoreError

from soc2ctl import registry
from soc2ctl.aws.iam_actions import botocore_services
from soc2ctl.aws.regions import ALWAYS_ENABLED
from soc2ctl.aws.sessions import AwsSessions
from soc2ctl.config.models import InventoryFile
from soc2ctl.config.playbook import Playbook
from soc2ctl.remediation import Scope


def jobs(
    playbook: Playbook, spec: InventoryFile, sessions: AwsSessions, controls: list[str] | None = None
) -> list[Callable[[], None]]:
    """One job per client to make, in the order the run first needs them."""
    return [partial(_warm, sessions, client) for client in clients(playbook, spec, sessions, controls)]


def _warm(sessions: AwsSessions, client: tuple[str, str]) -> None:
    """Make one client ahead of use; one that cannot be made (a region botocore refuses) is left to the
    task that uses it, which reports the error where it belongs."""
    with contextlib.suppress(BotoCoreError, ValueError):
        sessions.warm([client])


def clients(
    playbook: Playbook, spec: InventoryFile, sessions: AwsSessions, controls: list[str] | None = None
) -> list[tuple[str, str]]:
    """The (region, service) clients a run of these controls over this inventory uses, first use first."""
    found: dict[tuple[str, str], None] = {(sessions.default_region(), "sts"): None}
    for client in _control_clients(playbook, spec, controls):
        found.setdefault(client)
    return list(found)


def _control_clients(
    playbook: Playbook, spec: InventoryFile, controls: list[str] | None
) -> Iterator[tuple[str, str]]:
    home = spec.home_region or spec.regions[0]
    regions = list(
        dict.fromkeys([*spec.regions, *(r for a in spec.accounts.values() for r in a.regions or ())])
    )
    for index, control in enumerate(playbook.spec.controls):
        if controls and control.id not in controls:
            continue
        module = registry.get(control.remediation)
        if module is None:  # the playbook check reports it
            continue
        services = botocore_services(module.read_actions)
        if module.scope is Scope.REGION and not module.home_region_only:
            wanted = control.regions or playbook.source_of(index).spec.regions
            called = [r for r in regions if not wanted or r in wanted]
            if any(r not in ALWAYS_ENABLED for r in called):
                yield (home, "ec2")
        else:
            called = [home]
        yield from ((region, service) for region in called for service in services)
