"""More than one playbook per run: `plan A.yml B.yml` and `import`, each file its own play (hosts, regions,
vars), one task graph; duplicate ids across files, cycles, deep chains and escapes are one-line errors
naming file:line; a saved plan is bound to every file it read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config.inventory import read_inventory_file, resolve_inventory
from soc2ctl.config.playbook import load_playbook, load_playbooks
from soc2ctl.config.playbook_imports import MAX_IMPORT_DEPTH
from soc2ctl.engine.tasks import build_tasks
from soc2ctl.errors import UserError
from tests.test_saved_plan import STRONG, inventory_yaml, member_client

runner = CliRunner()

INVENTORY = """\
organization: {discover: false, management_account: "111111111111"}
regions: [us-east-1]
accounts:
  "222222222222": {name: prod, ou: Workloads/Prod}
  "333333333333": {name: dev, ou: Workloads/Dev}
groups:
  prod: {accounts: ["222222222222"]}
  dev: {accounts: ["333333333333"]}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def tasks_of(pb_paths: list[Path], inv: Path) -> dict[str, dict]:
    spec, raw = read_inventory_file(inv)
    inventory = resolve_inventory(inv, spec, raw, None)
    tasks = build_tasks(load_playbooks(pb_paths), inventory)
    return {t.key: t.variables for t in tasks}


def errors(exc: pytest.ExceptionInfo[UserError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_two_playbooks_each_keep_hosts_and_vars(tmp_path):
    inv = write(tmp_path / "inv.yml", INVENTORY)
    a = write(
        tmp_path / "a.yml",
        "name: prod rules\nhosts: prod\nvars: {min_len: 20}\ncontrols:\n"
        "  - id: pw\n    remediation: iam-password-policy\n    desired: {minimum_length: '{{ min_len }}'}\n",
    )
    b = write(
        tmp_path / "b.yml",
        "name: dev rules\nhosts: dev\nvars: {min_len: 9}\ncontrols:\n"
        "  - {id: ebs, remediation: ebs-default-encryption}\n"
        "  - id: pw-dev\n    remediation: iam-password-policy\n    desired: {minimum_length: '{{ min_len }}'}\n",
    )
    tasks = tasks_of([a, b], inv)
    assert set(tasks) == {"pw/222222222222/-", "ebs/333333333333/us-east-1", "pw-dev/333333333333/-"}
    assert tasks["pw/222222222222/-"]["min_len"] == 20
    assert tasks["pw-dev/333333333333/-"]["min_len"] == 9
    assert load_playbooks([a, b]).spec.name == "prod rules + dev rules"


def test_import_is_relative_to_the_importing_file_and_keeps_its_own_play(tmp_path, monkeypatch):
    inv = write(tmp_path / "inv.yml", INVENTORY)
    write(
        tmp_path / "shared" / "common.yml",
        "name: common\nhosts: all\ncontrols:\n  - {id: ebs, remediation: ebs-default-encryption}\n",
    )
    main = write(
        tmp_path / "teams" / "main.yml",
        "name: main\nhosts: prod\nimport: [../shared/common.yml]\ncontrols:\n"
        "  - {id: pw, remediation: iam-password-policy, depends_on: [ebs]}\n",
    )
    monkeypatch.chdir(tmp_path / "teams")  # roots: teams/ (the playbook's) and the working directory
    with pytest.raises(UserError, match="leads outside the directories imports may read"):
        load_playbook(main)
    monkeypatch.chdir(tmp_path)  # run from the repository root, as CI does: shared/ is inside it
    pb = load_playbook(main)
    assert [f.path.name for f in pb.files] == ["common.yml", "main.yml"]
    assert [c.id for c in pb.spec.controls] == ["ebs", "pw"]
    spec, raw = read_inventory_file(inv)
    keys = {t.key for t in build_tasks(pb, resolve_inventory(inv, spec, raw, None))}
    assert keys == {"ebs/222222222222/us-east-1", "ebs/333333333333/us-east-1", "pw/222222222222/-"}


def test_a_shipped_playbook_can_be_imported_by_name(tmp_path):
    mine = write(
        tmp_path / "mine.yml",
        "name: baseline plus\nimport: [soc2-baseline]\ncontrols:\n"
        "  - {id: my-ebs, remediation: ebs-default-encryption}\n",
    )
    pb = load_playbook(mine)
    assert len(pb.files) == 2 and pb.files[0].path.stem == "soc2-baseline"
    assert pb.spec.controls[-1].id == "my-ebs" and len(pb.spec.controls) > 10


def test_duplicate_control_id_across_files_names_both_file_lines(tmp_path):
    a = write(tmp_path / "a.yml", "name: a\ncontrols:\n  - {id: pw, remediation: iam-password-policy}\n")
    b = write(
        tmp_path / "b.yml",
        "name: b\ncontrols:\n  - {id: ebs, remediation: ebs-default-encryption}\n"
        "  - {id: pw, remediation: iam-password-policy}\n",
    )
    with pytest.raises(UserError) as exc:
        load_playbooks([a, b])
    assert errors(exc) == [f"{b}:4: duplicate control id 'pw' (also in {a}:3)"]


def test_import_cycle_is_an_error_with_the_chain_and_line(tmp_path):
    a = write(
        tmp_path / "a.yml",
        "name: a\nimport: [b.yml]\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n",
    )
    b = write(tmp_path / "b.yml", "name: b\n\nimport:\n  - a.yml\n")
    with pytest.raises(UserError) as exc:
        load_playbook(a)
    (message,) = errors(exc)
    assert message.startswith(f"{b}:4: import cycle: ")
    assert "a.yml -> " in message and message.endswith("a.yml")


def test_self_import_is_a_cycle(tmp_path):
    a = write(
        tmp_path / "a.yml",
        "name: a\nimport: [./a.yml]\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n",
    )
    with pytest.raises(UserError, match="import cycle"):
        load_playbook(a)


def test_import_depth_is_bounded(tmp_path):
    depth = MAX_IMPORT_DEPTH + 3
    for i in range(depth):
        write(tmp_path / f"p{i}.yml", f"name: p{i}\nimport: [p{i + 1}.yml]\n")
    write(tmp_path / f"p{depth}.yml", "name: end\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n")
    with pytest.raises(UserError, match=f"nested deeper than {MAX_IMPORT_DEPTH}"):
        load_playbooks([tmp_path / "p0.yml"], [tmp_path])


def test_diamond_imports_read_the_shared_file_once(tmp_path):
    write(tmp_path / "d.yml", "name: d\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n")
    write(tmp_path / "b.yml", "name: b\nimport: [d.yml]\n")
    write(tmp_path / "c.yml", "name: c\nimport: [./d.yml]\n")
    a = write(tmp_path / "a.yml", "name: a\nimport: [b.yml, c.yml]\n")
    pb = load_playbooks([a], [tmp_path])
    assert [c.id for c in pb.spec.controls] == ["x"]
    assert [f.path.name for f in pb.files] == ["d.yml", "b.yml", "c.yml", "a.yml"]


@pytest.mark.parametrize("entry", ["../outside/x.yml", "sub/../../outside/x.yml", "link.yml"])
def test_imports_cannot_leave_the_allowed_roots(tmp_path, entry):
    root = tmp_path / "repo"
    write(
        tmp_path / "outside" / "x.yml", "name: x\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n"
    )
    (root / "sub").mkdir(parents=True)
    (root / "link.yml").symlink_to(tmp_path / "outside" / "x.yml")
    a = write(root / "a.yml", f"name: a\nimport: ['{entry}']\n")
    with pytest.raises(UserError) as exc:
        load_playbooks([a], [root])
    (message,) = errors(exc)
    assert message.startswith(f"{a}:2: import '{entry}': leads outside the directories imports may read")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [("/etc/passwd", "give a path relative"), ("nope.yml", "no such playbook"), ("", "expected a path")],
)
def test_bad_import_entries_are_one_line_errors(tmp_path, entry, reason):
    a = write(tmp_path / "a.yml", f"name: a\nimport: ['{entry}']\n")
    with pytest.raises(UserError) as exc:
        load_playbooks([a], [tmp_path])
    (message,) = errors(exc)
    assert reason in message and str(a) in message


def test_run_wide_settings_must_agree(tmp_path):
    a = write(
        tmp_path / "a.yml",
        "name: a\ndrift: {max_changes: 5}\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n",
    )
    b = write(
        tmp_path / "b.yml",
        "name: b\ndrift: {max_changes: 50}\ncontrols:\n  - {id: y, remediation: ebs-default-encryption}\n",
    )
    with pytest.raises(UserError) as exc:
        load_playbooks([a, b])
    assert errors(exc) == [
        f"{b}:2: drift: differs from {a}:2; the playbooks of one run must agree on it (set it in one of them)"
    ]
    c = write(tmp_path / "c.yml", "name: c\ncontrols:\n  - {id: z, remediation: root-mfa}\n")
    assert load_playbooks([a, c]).spec.drift.max_changes == 5


def test_depends_on_across_files_and_cycles_across_files(tmp_path):
    a = write(
        tmp_path / "a.yml",
        "name: a\ncontrols:\n  - {id: x, remediation: iam-password-policy, depends_on: [y]}\n",
    )
    b = write(
        tmp_path / "b.yml",
        "name: b\ncontrols:\n  - {id: y, remediation: ebs-default-encryption, depends_on: [x]}\n",
    )
    with pytest.raises(UserError) as exc:
        load_playbooks([a, b])
    (message,) = errors(exc)
    assert "dependency cycle" in message and (str(a) in message or str(b) in message)


# ---------------------------------------------------------------- the CLI and saved plans


def test_validate_takes_several_playbooks(tmp_path):
    a = write(tmp_path / "a.yml", "name: a\ncontrols:\n  - {id: x, remediation: iam-password-policy}\n")
    b = write(
        tmp_path / "b.yml",
        "name: b\nimport: [c.yml]\ncontrols:\n  - {id: y, remediation: ebs-default-encryption}\n",
    )
    write(tmp_path / "c.yml", "name: c\ncontrols:\n  - {id: x, remediation: root-mfa}\n")
    result = runner.invoke(app, ["validate", str(a), str(b)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'c.yml'}:3: duplicate control id 'x' (also in {a}:3)" in " ".join(
        result.output.split()
    )
    write(tmp_path / "c.yml", "name: c\ncontrols:\n  - {id: z, remediation: root-mfa}\n")
    result = runner.invoke(app, ["validate", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "(and 1 imported playbook(s)): 3 controls valid" in result.output


@pytest.fixture
def two_playbooks(org, tmp_path):
    for name, account_id in org.items():
        policy = {**STRONG, "MinimumPasswordLength": 8} if name == "alpha" else STRONG
        member_client("iam", account_id).update_account_password_policy(**policy)
    (tmp_path / "inv.yml").write_text(inventory_yaml(org))
    write(
        tmp_path / "base" / "ebs.yml",
        "name: ebs\ncontrols:\n  - {id: ebs, remediation: ebs-default-encryption}\n",
    )
    write(
        tmp_path / "pw.yml",
        "name: passwords\nimport: [base/ebs.yml]\ncontrols:\n"
        "  - {id: pw, remediation: iam-password-policy, depends_on: [ebs]}\n",
    )
    write(
        tmp_path / "pw2.yml",
        "name: more\ncontrols:\n  - {id: sg, remediation: default-security-group-closed}\n",
    )
    return tmp_path


def test_plan_saves_every_playbook_and_apply_refuses_a_changed_import(two_playbooks):
    d = two_playbooks
    plan = d / "plan.json"
    args = ["plan", str(d / "pw.yml"), str(d / "pw2.yml"), "-i", str(d / "inv.yml"), "--out", str(plan)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(plan.read_text())
    recorded = [Path(f["path"]).name for f in doc["run"]["playbooks"]]
    assert recorded == ["ebs.yml", "pw.yml", "pw2.yml"]
    assert [Path(p).name for p in doc["run"]["playbook_paths"]] == ["pw.yml", "pw2.yml"]
    assert {t["key"].split("/")[0] for t in doc["tasks"]} == {"ebs", "pw", "sg"}
    shown = " ".join(runner.invoke(app, ["show", str(plan)]).output.split())
    assert f"+ playbook {(d / 'base' / 'ebs.yml').resolve()} sha256:" in shown
    assert f"+ playbook {(d / 'pw2.yml').resolve()} sha256:" in shown
    # the imported file changes after the plan: apply refuses before any write
    imported = d / "base" / "ebs.yml"
    imported.write_text(imported.read_text() + "# edited\n")
    result = runner.invoke(app, ["apply", str(plan)])
    assert result.exit_code == 1
    assert f"stale plan: the playbook {imported.resolve()} changed since the plan was made" in " ".join(
        result.output.split()
    )


def test_apply_of_a_saved_multi_playbook_plan_applies(two_playbooks, org):
    d = two_playbooks
    plan = d / "plan.json"
    args = ["plan", str(d / "pw.yml"), str(d / "pw2.yml"), "-i", str(d / "inv.yml"), "--out", str(plan)]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, ["apply", str(plan)])
    assert result.exit_code == 0, result.output
    policy = member_client("iam", org["alpha"]).get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] >= 14
    again = runner.invoke(app, ["plan", str(d / "pw.yml"), str(d / "pw2.yml"), "-i", str(d / "inv.yml")])
    assert again.exit_code == 0, again.output


def test_apply_refuses_a_plan_and_a_playbook_together(two_playbooks):
    d = two_playbooks
    plan = d / "plan.json"
    assert (
        runner.invoke(
            app, ["plan", str(d / "pw.yml"), "-i", str(d / "inv.yml"), "--out", str(plan)]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["apply", str(plan), str(d / "pw2.yml")])
    assert result.exit_code == 1 and "one saved plan" in result.output


def test_hostile_import_targets_are_one_line_errors(tmp_path):
    (tmp_path / "dir.yml").mkdir()
    (tmp_path / "loop.yml").symlink_to(tmp_path / "loop.yml")
    for entry, reason in [("dir.yml", "is a directory"), ("loop.yml", "cannot be resolved")]:
        a = write(tmp_path / "a.yml", f"name: a\nimport: ['{entry}']\n")
        with pytest.raises(UserError) as exc:
            load_playbooks([a], [tmp_path])
        text = " ".join(errors(exc))
        assert reason in text and f"{a}:2" in text, text
