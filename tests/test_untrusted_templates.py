"""Templates from a pull request run nothing: `validate` and `plan` refuse every payload with exit 1 and a
one-line error naming file:line, and the file a payload would create never appears.

The payloads are the classic Jinja escapes (reaching `__globals__`, `__mro__`, `__subclasses__`, `os`,
`popen`, the environment, a local file, `uname`) plus `os._exit`, which used to make validate and plan exit 0
with no output. Each shell payload finds its way in by name, not by a subclass index, so it runs on any
Python when the sandbox is missing (6289c10 ran all of them; see docs/security-regressions.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config.templating import TemplateProblem, render

runner = CliRunner()
INVENTORY = "organization: {discover: true}\nregions: [us-east-1]\n"


FILE_CANARY = "FILE-CANARY-6f1e"
ENV_CANARY = "ENV-CANARY-93ab"
UNAME = "-".join(os.uname())


def payloads(sentinel: Path) -> list[str]:
    touch = f"touch {sentinel}"
    secret_file = sentinel.with_name("secret.txt")
    return [
        f"{{{{ cycler.__init__.__globals__.os.popen('{touch}').read() }}}}",
        f"{{{{ lipsum.__globals__['os'].popen('{touch}').read() }}}}",
        f"{{% for c in ''.__class__.__mro__[1].__subclasses__() %}}{{% if c.__name__ == '_wrap_close' %}}"
        f"{{{{ c.__init__.__globals__['popen']('{touch}').read() }}}}{{% endif %}}{{% endfor %}}",
        f"{{{{ joiner.__init__.__globals__.os.system('{touch}') }}}}",
        "{{ joiner.__init__.__globals__.os.environ['SOC2CTL_ENV_CANARY'] }}",
        f"{{{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f')|attr('\\x5f\\x5fmro\\x5f\\x5f') }}}}{touch}",
        f"{{{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('{touch}') }}}}",
        f"{{% for c in [].__class__.__base__.__subclasses__() %}}{{% if c.__name__ == 'Popen' %}}"
        f"{{{{ c('{touch}', shell=True).wait() }}}}{{% endif %}}{{% endfor %}}",
        "{{ cycler.__init__.__globals__.os._exit(0) }}",
        "{{ lipsum.__globals__['os'].environ['SOC2CTL_ENV_CANARY'] }}",
        f"{{{{ lipsum.__globals__.__builtins__.open('{secret_file}').read() }}}}",
        "{{ cycler.__init__.__globals__.os.uname()|join('-') }}",
    ]


def playbook(template: str, extra_vars: str = "") -> str:
    quoted = template.replace("'", "''")
    return (
        f"name: untrusted\n{extra_vars}controls:\n"
        "  - id: guardrails\n    remediation: scp-guardrails\n"
        f"    desired:\n      description: '{quoted}'\n"
    )


@pytest.mark.parametrize("index", range(12))
def test_payloads_are_refused_by_validate_and_plan(index, org, tmp_path, monkeypatch):
    monkeypatch.setenv("SOC2CTL_ENV_CANARY", ENV_CANARY)  # what payloads 4 and 9 would print
    sentinel = tmp_path / "pwned"
    (tmp_path / "secret.txt").write_text(FILE_CANARY)
    template = payloads(sentinel)[index]
    (tmp_path / "pb.yml").write_text(playbook(template))
    (tmp_path / "inv.yml").write_text(INVENTORY)
    validated = runner.invoke(app, ["validate", str(tmp_path / "pb.yml")])
    assert validated.exit_code == 1, validated.output
    error_lines = [line for line in validated.output.splitlines() if line.startswith("error:")]
    assert error_lines and all(f"{tmp_path / 'pb.yml'}:" in line for line in error_lines), validated.output
    assert "Traceback" not in validated.output
    planned = runner.invoke(app, ["plan", str(tmp_path / "pb.yml"), "-i", str(tmp_path / "inv.yml")])
    assert planned.exit_code == 1, planned.output
    assert "Traceback" not in planned.output
    assert not sentinel.exists()
    for shown in (validated.output, planned.output):
        assert FILE_CANARY not in shown and UNAME not in shown and ENV_CANARY not in shown


def test_os_exit_payload_fails_the_real_command(tmp_path):
    """In-process, `os._exit(0)` would end the test run itself with status 0 (a run that looks green): the
    real command, in a child process, must exit 1 with an error line instead."""
    (tmp_path / "pb.yml").write_text(playbook("{{ cycler.__init__.__globals__.os._exit(0) }}"))
    script = Path(sys.executable).with_name("soc2ctl")  # the installed command, as CI runs it
    command = [str(script)] if script.exists() else [sys.executable, "-m", "soc2ctl.cli.main"]
    proc = subprocess.run(
        [*command, "validate", str(tmp_path / "pb.yml")],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard only
    )
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert f"error: {tmp_path / 'pb.yml'}:" in proc.stdout + proc.stderr


def test_a_secret_cannot_be_filtered_past_masking(org, tmp_path):
    secret = "hunter2-plaintext"
    spelled = " ".join(secret)
    pb = playbook("{{ db_password|list|join(' ') }}", f"vars: {{db_password: {secret}}}\n")
    (tmp_path / "pb.yml").write_text(pb)
    (tmp_path / "inv.yml").write_text(INVENTORY)
    pb_path, inv_path = str(tmp_path / "pb.yml"), str(tmp_path / "inv.yml")
    for args in (["validate", pb_path], ["plan", pb_path, "-i", inv_path, "--format", "json"]):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 1
        assert spelled not in result.output and secret not in result.output
        assert "secret variable 'db_password'" in result.output


def test_secret_placed_whole_under_a_secret_key_is_allowed():
    assert render({"password": "{{ db_password }}"}, {"db_password": "s3cret"}) == {"password": "s3cret"}
    with pytest.raises(TemplateProblem, match="secret variable"):
        render({"description": "{{ db_password }}"}, {"db_password": "s3cret"})


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ range(10**9)|list }}", "range() longer than"),
        ("{{ 'x' * 10**9 }}", "repetition would exceed"),
        ("{{ [1] * 10**9 }}", "repetition would exceed"),
        ("{{ 9**9**9**9**9 }}", "integer longer than"),
        ("{{ '%999999999d' % 1 }}", "string formatting"),
        ("{{ '{:>999999999}'.format(1) }}", "calling format is not allowed"),
        ("{{ ('a' * 40000)|replace('a', 'bbb') }}", "replace would exceed"),
        ("{{ range(10000)|join('x' * 1000) }}", "join would exceed"),
        ("{{ 'a'|center(999999999) }}", "No filter named 'center'"),
        (
            "{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}",
            "For is not allowed",
        ),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "not allowed"),
        ("{{ " + "(" * 500 + "1" + ")" * 500 + " }}", "nested deeper"),
        ("{{ x.y.z }}", "has no attribute 'y'"),
        ("{{ 1/0 }}", "ZeroDivisionError"),
    ],
)
def test_limits_and_runtime_errors_are_one_line_template_problems(template, reason):
    with pytest.raises(TemplateProblem) as err:
        render(template, {"x": {}})
    assert reason in str(err.value) and "\n" not in str(err.value)


def test_ordinary_templates_keep_native_types():
    variables = {"n": 35, "acct": "000000000000", "names": ["a", "b"]}
    assert render("{{ n }}", variables) == 35
    assert render("{{ acct }}", variables) == "000000000000"  # not 0: the variable's own type
    assert render("{{ names|join(',') }}-{{ acct }}", variables) == "a,b-000000000000"
    assert render("{% if n > 10 %}{{ n * 2 }}{% endif %}", variables) == 70
