"""Templates from a pull request run nothing: `validate` and `plan` refuse every payload with exit 1 and a
one-line error naming file:line, and the file a payload would create never appears.

The payloads are the classic Jinja escapes (reaching `__globals__`, `__mro__`, `__subclasses__`, `os`,
`popen`, the environment) plus `os._exit`, which used to make validate and plan exit 0 with no output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from soc2ctl.cli.main import app
from soc2ctl.config.templating import TemplateProblem, render

runner = CliRunner()
INVENTORY = "organization: {discover: true}\nregions: [us-east-1]\n"


def payloads(sentinel: Path) -> list[str]:
    touch = f"touch {sentinel}"
    return [
        f"{{{{ cycler.__init__.__globals__.os.popen('{touch}').read() }}}}",
        f"{{{{ lipsum.__globals__['os'].popen('{touch}').read() }}}}",
        f"{{{{ ''.__class__.__mro__[1].__subclasses__()[133].__init__.__globals__['popen']('{touch}') }}}}",
        f"{{{{ joiner.__init__.__globals__.os.system('{touch}') }}}}",
        "{{ namespace.__init__.__globals__.os.environ }}",
        f"{{{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f')|attr('\\x5f\\x5fmro\\x5f\\x5f') }}}}{touch}",
        f"{{{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('{touch}') }}}}",
        f"{{% for c in [].__class__.__base__.__subclasses__() %}}{{{{ c('{touch}') }}}}{{% endfor %}}",
        "{{ cycler.__init__.__globals__.os._exit(0) }}",
        "{{ config.__class__.__init__.__globals__['os'].environ['HOME'] }}",
    ]


def playbook(template: str, extra_vars: str = "") -> str:
    quoted = template.replace("'", "''")
    return (
        f"name: untrusted\n{extra_vars}controls:\n"
        "  - id: guardrails\n    remediation: scp-guardrails\n"
        f"    desired:\n      description: '{quoted}'\n"
    )


@pytest.mark.parametrize("index", range(10))
def test_payloads_are_refused_by_validate_and_plan(index, org, tmp_path):
    sentinel = tmp_path / "pwned"
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
