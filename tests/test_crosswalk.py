"""The crosswalk each control declares (Prowler checks, AWS Config rules, Security Hub controls) is checked
against Prowler's own catalog (tests/data, copied from Prowler 5.46.0), so a typo or a made-up id fails.

`python -m tests.test_crosswalk` prints the coverage of Prowler's SOC 2 mapping (`soc2_aws`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl import registry
from soc2ctl.cli.main import app

DATA = Path(__file__).parent / "data"
PROWLER = json.loads((DATA / "prowler_aws_checks.json").read_text())
SOC2 = json.loads((DATA / "prowler_soc2_aws.json").read_text())
MODULES = sorted(registry.registry().values(), key=lambda m: m.name)


def named_checks() -> set[str]:
    return {check for m in MODULES for check in m.prowler_checks}


def coverage() -> tuple[list[str], set[str]]:
    """Prowler's soc2_aws requirements with no soc2ctl control, and its checks some control names."""
    named = named_checks()
    uncovered = [r["id"] for r in SOC2["requirements"] if not named & set(r["checks"])]
    return uncovered, named & {c for r in SOC2["requirements"] for c in r["checks"]}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_prowler_checks_exist_in_prowler(module):
    unknown = [c for c in module.prowler_checks if c not in PROWLER["checks"]]
    assert not unknown, f"{module.name}: not Prowler AWS checks: {unknown}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_config_rules_and_securityhub_ids_are_well_formed(module):
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule) for rule in module.config_rules)
    assert all(re.fullmatch(r"[A-Za-z0-9]+\.\d+", c) for c in module.securityhub_controls)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_securityhub_controls_agree_with_prowlers_mapping(module):
    """Where Prowler maps a Security Hub control to its checks, the control names at least one of them."""
    fsbp = PROWLER["securityhub_fsbp"]
    disagree = [
        c
        for c in module.securityhub_controls
        if fsbp.get(c) and not set(fsbp[c]) & set(module.prowler_checks)
    ]
    assert not disagree, (
        f"{module.name}: Prowler maps {disagree} to other checks: {[fsbp[c] for c in disagree]}"
    )


def test_every_soc2_requirement_of_prowler_has_a_control_and_100_of_its_checks_are_named():
    """Issue #14's bar: each of Prowler's 27 soc2_aws requirements is served by a control naming one of its
    checks, and at least 100 of its 171 checks are named by some control."""
    uncovered, checks = coverage()
    assert len(SOC2["requirements"]) == 27 and uncovered == []
    assert len(checks) >= 100, sorted(checks)


def test_controls_json_lists_the_crosswalk():
    result = CliRunner().invoke(app, ["controls", "--format", "json"])
    listed = {c["name"]: c for c in json.loads(result.stdout)}
    for m in MODULES:
        entry = listed[m.name]
        assert entry["criteria"] == list(m.criteria)
        assert entry["prowler_checks"] == list(m.prowler_checks)
        assert entry["config_rules"] == list(m.config_rules)
        assert entry["securityhub_controls"] == list(m.securityhub_controls)


def test_by_criterion_lists_every_control_under_each_of_its_criteria():
    result = CliRunner().invoke(app, ["controls", "--by-criterion", "--format", "json"])
    matrix = json.loads(result.stdout)
    assert result.exit_code == 0
    for m in MODULES:
        for criterion in m.criteria:
            assert m.name in matrix[criterion]
    assert sum(len(names) for names in matrix.values()) == sum(len(m.criteria) for m in MODULES)
    assert next(iter(matrix)).startswith("CC")  # common criteria first


if __name__ == "__main__":
    uncovered, checks = coverage()
    requirements = len(SOC2["requirements"])
    total = len({c for r in SOC2["requirements"] for c in r["checks"]})
    print(f"soc2_aws requirements with a soc2ctl control: {requirements - len(uncovered)}/{requirements}")
    print(f"soc2_aws checks named in some control's prowler_checks: {len(checks)}/{total}")
    print(f"uncovered requirements: {', '.join(uncovered) or '-'}")
