"""The CLI's surface: version, help with examples, completion, colour, quiet, verbosity, and exit codes.

Exit codes are checked through the real entry point (`soc2ctl.cli.main:main`, in a subprocess), because that is
where a usage error is mapped to 1: a script running `plan --detailed-exitcode` must never read a typo in
its own flags as "changes pending" (2).
"""

from __future__ import annotations

import enum
import functools
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from soc2ctl import __version__
from soc2ctl.cli.main import app

runner = CliRunner()
ANSI = "\x1b["


def soc2ctl(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "soc2ctl.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, cmd in sorted(getattr(group, "commands", {}).items()):
        paths.append((*prefix, name))
        paths += _command_paths(cmd, (*prefix, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_version():
    result = soc2ctl("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"soc2ctl {__version__}"


# Commands owned elsewhere that still lack an `Example:` line (report, don't hide: xfail is not strict).
MISSING_EXAMPLES: dict[tuple[str, ...], str] = {}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=MISSING_EXAMPLES[p])) if p in MISSING_EXAMPLES else p
        for p in [(), *COMMANDS]
    ],
    ids=lambda p: " ".join(p) or "soc2ctl",
)
def test_every_help_shows_an_example(path):
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Example: soc2ctl" in result.output


def test_the_commands_users_script_against_exist():
    names = {p[0] for p in COMMANDS}
    assert {"validate", "inventory", "plan", "apply", "show", "controls", "iam-policy", "sandbox"} <= names


def test_shell_completion_is_enabled():
    help_text = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    script = Path(sys.executable).parent / "soc2ctl"  # the installed entry point names the completion
    result = subprocess.run([str(script), "--show-completion", "bash"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "_soc2ctl_completion" in result.stdout and "complete" in result.stdout


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (("plan", "playbooks/soc2-baseline.yml"), "Missing option '--inventory'"),
        (("plna",), "No such command"),
        (("controls", "--colour"), "No such option"),
    ],
)
def test_usage_errors_exit_1_and_point_to_help(args, hint):
    result = soc2ctl(*args)
    assert result.returncode == 1, result.stderr
    assert hint in result.stderr
    assert "--help" in result.stderr


def _enum_options() -> list[tuple[tuple[str, ...], str, list[str]]]:
    def types(hint: object) -> list[object]:
        return [hint, *(t for arg in typing.get_args(hint) for t in types(arg))]

    found = []
    for path in COMMANDS:
        cmd = functools.reduce(lambda group, name: group.commands[name], path, typer.main.get_command(app))
        hints = typing.get_type_hints(cmd.callback, include_extras=True) if cmd.callback else {}
        for param in cmd.params:
            kinds = [t for t in types(hints.get(param.name)) if isinstance(t, enum.EnumType)]
            found += [(path, param.opts[0], [m.value for m in kind]) for kind in kinds]
    return found


ENUM_OPTIONS = _enum_options()


def test_every_enumerated_option_is_an_enum():
    enums = {f"{path[-1]} {option}" for path, option, _ in ENUM_OPTIONS}
    formats = ("plan", "apply", "show", "merge", "controls", "inventory", "report", "verify", "iam-policy")
    assert enums >= {f"{c} --format" for c in formats} | {
        f"{c} --fail-on" for c in ("plan", "apply", "drift")
    }
    assert enums >= {"iam-policy --mode", "iam-policy --role", "drift --findings"}


@pytest.mark.parametrize(("path", "option", "choices"), ENUM_OPTIONS, ids=lambda v: str(v))
def test_enum_choices_in_help_and_completion_and_a_wrong_one_is_one_line(path, option, choices):
    assert "|".join(choices) in runner.invoke(app, [*path, "--help"], env={"COLUMNS": "300"}).output
    env = {"_SOC2CTL_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(["soc2ctl", *path, option, ""])}
    assert runner.invoke(app, [], env={**env, "COMP_CWORD": str(len(path) + 2)}).output.split() == choices
    result = runner.invoke(app, [*path, option, "[red]x"])  # one line, the value as typed (no markup)
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: {option} '[red]x': choose one of {', '.join(choices)}\n",
    )


def test_no_color_wins_over_a_forced_terminal():
    coloured = soc2ctl("controls", env={"FORCE_COLOR": "1"})
    plain = soc2ctl("--no-color", "controls", env={"FORCE_COLOR": "1"})
    assert ANSI in coloured.stdout
    assert plain.returncode == 0 and ANSI not in plain.stdout
    assert (
        plain.stdout.splitlines()[0].split()[0] == coloured.stdout.splitlines()[0].split()[0].split("m")[-1]
    )


def test_quiet_prints_no_human_output_but_keeps_json_and_exit_codes():
    assert soc2ctl("-q", "controls").stdout == ""
    assert soc2ctl("-q", "controls", "--format", "json").stdout.startswith("[")
    status = soc2ctl("-q", "sandbox", "status")
    assert status.returncode == 3 and status.stdout == ""


@pytest.mark.parametrize(("flags", "level"), [((), "30"), (("-v",), "20"), (("-vv",), "10")])
def test_verbose_sets_the_log_level(flags, level):
    code = (
        "import logging, sys\nfrom soc2ctl.cli import main as cli\n"
        f"sys.argv = ['soc2ctl', *{list(flags)!r}, 'controls', '--format', 'json']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print(logging.getLogger().level, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stderr.strip().splitlines()[-1] == level


def test_sandbox_status_exit_3_says_how_to_start_it():
    result = soc2ctl("sandbox", "status")
    assert result.returncode == 3
    assert "soc2ctl sandbox up" in result.stdout
