"""The module contract, checked for every registered module (fixtures in contract_fixtures.py).

For each module: AWS denying its calls is a task error naming the account; a fresh account plans the
`absent` action; the sandbox seeds give a compliant account nothing to do and a drifted one the `drifted`
action; apply converges (a re-plan is a no-op), and a second apply makes no write call. Every call made is
declared in the module's IAM actions (tests/remediations/conftest.py checks that around every test).
In-process moto for speed: the sandbox end-to-end tests run every seed and module over HTTP.
"""

from __future__ import annotations

import importlib

import pytest

from soc2ctl import registry
from soc2ctl.remediation import Scope
from soc2ctl_sandbox import seed
from soc2ctl_sandbox.seed import MANAGEMENT_ACCOUNT, SandboxAccount, create_organization
from tests.helpers import ModuleRun, deny, write_calls
from tests.remediations.contract_fixtures import FIXTURES, ContractFixture, Setup

MODULES = sorted(registry.registry())
LAYOUT = (
    SandboxAccount("audit", "Security", {}, "compliant"),
    SandboxAccount("c", "Workloads", {}, "compliant"),
    SandboxAccount("d", "Workloads", {}, "drifted"),
    SandboxAccount("f", "Workloads", {}, "fresh"),
)


def fixture_of(module: str) -> ContractFixture:
    if module not in FIXTURES:
        pytest.fail(f"module {module} has no entry in tests/remediations/contract_fixtures.py", pytrace=False)
    return FIXTURES[module]


def run_at(module: str, ids: dict[str, str], account: str) -> ModuleRun:
    """The module at `account` (organization-scope modules always run in the management account)."""
    fixture = fixture_of(module)
    ids = {**ids, "management": MANAGEMENT_ACCOUNT}
    target = MANAGEMENT_ACCOUNT if registry.get(module).scope is Scope.ORG else ids[account]
    params = fixture.params_for({**ids, "target": target})
    return ModuleRun(module, params, target, fixture.region, variables=fixture.variables)


def set_up(
    endpoint: str | None, ids: dict[str, str], module: str, setups: tuple[Setup, ...], monkeypatch
) -> None:
    """Every account in its posture, by the given sandbox seed files only (and setup functions)."""
    files = [importlib.import_module(f"soc2ctl_sandbox.seeds.{s}") for s in setups if isinstance(s, str)]
    monkeypatch.setattr(seed, "_seeders", lambda: [(file.SCOPE, file.seed) for file in files])
    seed.seed_settings(endpoint, ids, LAYOUT, regions=(fixture_of(module).region,))
    for setup in setups:
        if callable(setup):
            setup(endpoint, ids)


def test_every_registered_module_has_a_contract_fixture():
    assert sorted(FIXTURES) == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_access_denied_is_a_task_error_naming_the_account(module, aws):
    ids = create_organization(None, LAYOUT)  # type: ignore[arg-type]
    run = run_at(module, ids, "d")
    denied = deny(run.sessions, sparing=("sts",))
    result = run.plan()
    assert result.action == "error" and denied
    assert "AccessDenied" in result.error and f"account {run.account_id}" in result.error


@pytest.mark.parametrize("module", MODULES)
def test_postures_plan_as_seeded_and_apply_converges_in_one_write(module, aws, monkeypatch):
    fixture = fixture_of(module)
    ids = create_organization(None, LAYOUT)  # type: ignore[arg-type]
    set_up(None, ids, module, fixture.prerequisites, monkeypatch)
    absent = run_at(module, ids, "f").plan()
    assert absent.action == fixture.absent, absent.error
    seeds = (module.replace("-", "_"),) if fixture.seeds is None else fixture.seeds
    set_up(None, ids, module, seeds, monkeypatch)
    if registry.get(module).scope is not Scope.ORG:
        compliant = run_at(module, ids, "c").plan()
        assert compliant.action == "no-op", compliant.changes
    drifted = run_at(module, ids, "d")
    planned = drifted.plan()
    assert planned.action == fixture.drifted, planned.error or planned.changes
    assert planned.changes
    applied = drifted.apply()
    if fixture.drifted == "detect":  # reported for a person; apply never writes
        assert applied.status == "out-of-state" and write_calls(applied) == []  # as plan and drift say
        return
    assert applied.status == "changed", applied.error
    assert write_calls(applied)
    assert drifted.plan().action == "no-op"
    assert write_calls(drifted.apply()) == []


@pytest.mark.parametrize("module", MODULES)
def test_conditional_writes_name_a_parameter_and_declared_writes(module):
    """`iam-policy` leaves a conditional write out when its parameter is off: the parameter must exist
    and the action must be a declared write, or the policy and the contract check would disagree."""
    remediation = registry.get(module)
    fields = remediation.Params.model_fields
    for parameter, actions in remediation.conditional_writes.items():
        assert parameter in fields, f"{module}: no parameter {parameter!r}"
        assert set(actions) <= set(remediation.write_actions), f"{module}: {parameter}"
