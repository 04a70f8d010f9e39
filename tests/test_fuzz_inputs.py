"""Property-based fuzzing of everything a pull request controls: playbooks, inventories, `--limit`,
`--extra-vars` and saved plans. 1,000 generated inputs per run (fixed seed with `HYPOTHESIS_PROFILE=ci`,
random otherwise), each through the real CLI in-process against in-process moto.

The property: every outcome is an exit code (0, 1, 2) with, at most, one-line errors; never a traceback,
and never a hang: each input's CPU time is measured and must stay under 10 s, and hypothesis' per-example
wall-clock deadline (a generous 60 s, for a loaded machine) catches inputs that block without using CPU.
The work itself is bounded by counted limits, not by time.
"""

from __future__ import annotations

import functools
import json
import os
import string
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from typer.testing import CliRunner

from soc2ctl import registry
from soc2ctl.aws.retry import RetryPolicy
from soc2ctl.cli.main import app
from tests.helpers import create_org

HANG = timedelta(seconds=60)  # wall clock, generous for a loaded CI machine: only a real hang trips it
CPU_LIMIT = 10.0  # seconds of CPU one input may take (the "no hang over 10 s" figure)
settings.register_profile("ci", derandomize=True, database=None, deadline=HANG, print_blob=True)
settings.register_profile("dev", deadline=HANG)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
COMMON = {"suppress_health_check": list(HealthCheck), "deadline": HANG}

runner = CliRunner()
STATS = {"inputs": 0, "tracebacks": 0, "max_seconds": 0.0}
MODULES = sorted(registry.registry())
GOOD_PLAYBOOK = "name: ok\ncontrols:\n  - {id: ebs, remediation: ebs-default-encryption}\n"
STATIC_INVENTORY = (
    'organization: {management_account: "111111111111"}\n'
    'accounts:\n  "222222222222": {name: prod-a}\n  "333333333333": {name: legacy}\n'
    "groups:\n  prod: {accounts: [prod-a]}\n"
)

# ---------------------------------------------------------------- strategies

TEMPLATE_BITS = [
    "{{ x }}",
    "{{ x|list|join }}",
    "{{ range(99999999) }}",
    "{{ 'a' * 99999999 }}",
    "{{ x.__class__ }}",
    "{{ 1/0 }}",
    "{% for i in x %}{% endfor %}",
    "{{ x[ }}",
    "{{ account_ids['a'] }}",
    "{{ 2 ** 99999 }}",
    "{{ x|int }}",
    "{{ undefined_var }}",
    "{% if x %}1{% else %}2{% endif %}",
    "{{",
    "}}",
    "{{ x.y.z }}",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(TEMPLATE_BITS),
    st.dates().map(str),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
control = st.fixed_dictionaries(
    {"id": st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), st.text(max_size=8))},
    optional={
        "remediation": st.one_of(st.sampled_from(MODULES), st.text(max_size=10)),
        "desired": st.dictionaries(st.text(max_size=20), values, max_size=4),
        "depends_on": st.lists(st.text(max_size=6), max_size=3),
        "risk": st.sampled_from(["low", "high", "x"]),
        "hosts": st.text(max_size=10),
        "exceptions": st.lists(
            st.dictionaries(st.sampled_from(["accounts", "expires", "justification", "owner"]), values),
            max_size=2,
        ),
    },
)
playbook_doc = st.fixed_dictionaries(
    {"name": st.text(max_size=10), "controls": st.lists(control, max_size=4)},
    optional={
        "vars": st.dictionaries(st.text(max_size=10), values, max_size=4),
        "hosts": st.text(max_size=10),
    },
)
account_id = st.one_of(st.from_regex(r"\d{12}", fullmatch=True), st.integers(), st.text(max_size=13))
inventory_doc = st.fixed_dictionaries(
    {},
    optional={
        "organization": st.fixed_dictionaries(
            {},
            optional={
                "discover": st.booleans(),
                "management_account": account_id,
                "role_name": st.text(max_size=10),
            },
        ),
        "regions": st.lists(st.sampled_from(["us-east-1", "eu-west-1", "", "x"]), max_size=3),
        "accounts": st.dictionaries(
            account_id,
            st.fixed_dictionaries(
                {},
                optional={
                    "name": st.text(max_size=8),
                    "vars": st.dictionaries(st.text(max_size=8), values, max_size=3),
                },
            ),
            max_size=3,
        ),
        "groups": st.dictionaries(
            st.text(max_size=6),
            st.fixed_dictionaries(
                {},
                optional={
                    "accounts": st.lists(st.text(max_size=6), max_size=3),
                    "vars": st.dictionaries(st.text(max_size=8), values, max_size=3),
                    "ous": st.lists(st.text(max_size=8), max_size=2),
                },
            ),
            max_size=3,
        ),
        "vars": st.dictionaries(st.text(max_size=8), values, max_size=3),
        "endpoint_url": st.one_of(
            st.text(max_size=20), st.just("http://[::1"), st.just("http://127.0.0.1:1")
        ),
        "exclude": st.lists(account_id, max_size=2),
    },
)


def mutated(doc_strategy: st.SearchStrategy) -> st.SearchStrategy[bytes]:
    """A YAML dump of a generated document, sometimes cut short or with bytes spliced in."""

    def build(doc, cut, splice, raw):
        text = yaml.safe_dump(doc, allow_unicode=True).encode()
        if raw is not None:
            return raw
        if splice:
            at = cut % (len(text) + 1)
            text = text[:at] + splice + text[at:]
        elif cut % 7 == 0:
            text = text[: cut % (len(text) + 1)]
        return text

    special = st.sampled_from(
        [
            b"\xff\xfe",
            b"[" * 2000,
            b"&a [*a]",
            b"\n  - ",
            b": :",
            b"\t",
            b"9" * 5000,
            b"2024-13-45",
            b"!!python/object:os.system x",
        ]
    )
    return st.builds(
        build,
        doc_strategy,
        st.integers(0, 10_000),
        st.one_of(st.none(), special, st.binary(max_size=8)),
        st.one_of(st.none(), st.none(), st.binary(max_size=200)),
    )


limit_text = st.text(alphabet=string.ascii_letters + string.digits + "[]!&:,*?/-_ \\{}()^$.", max_size=30)
extra_vars = st.one_of(
    st.text(max_size=40),
    st.builds(lambda k, v: f"{k}={json.dumps(v)}", st.text(max_size=8), values),
    values.map(lambda v: json.dumps({"k": v})),
    st.integers(1, 3000).map(lambda n: "{" + '"a":[' * n + "]" * n + "}"),
)

# ---------------------------------------------------------------- the property


def run_cli(args: list[str]) -> None:
    started = time.process_time()
    result = runner.invoke(app, args)
    elapsed = time.process_time() - started
    STATS["inputs"] += 1
    STATS["max_seconds"] = max(STATS["max_seconds"], elapsed)
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    if crashed or "Traceback" in result.output:
        STATS["tracebacks"] += 1
    assert not crashed, f"{args}: {result.exception!r}\n{result.output[-2000:]}"
    assert result.exit_code in (0, 1, 2, 130), (args, result.exit_code, result.output[-2000:])
    assert "Traceback" not in result.output
    assert elapsed < CPU_LIMIT, f"{args}: {elapsed:.1f} s of CPU"


@pytest.fixture(scope="module")
def organization():
    """In-process moto; network retries (patient by design: up to 8 attempts over 2 minutes for a real
    endpoint that blips) are cut to one attempt, since waiting on a generated unreachable endpoint is
    network time, not the parsing and validation under test."""
    patch = pytest.MonkeyPatch()
    patch.setattr(RetryPolicy, "__init__", functools.partialmethod(RetryPolicy.__init__, attempts=1))
    with mock_aws():
        create_org(None, ["prod-a", "legacy"])
        yield
    patch.undo()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz")
    (path / "good.yml").write_text(GOOD_PLAYBOOK)
    (path / "static.yml").write_text(STATIC_INVENTORY)
    return path


@settings(max_examples=300, **COMMON)
@given(content=mutated(playbook_doc))
def test_fuzzed_playbooks(organization, workdir: Path, content: bytes):
    (workdir / "pb.yml").write_bytes(content)
    run_cli(["validate", str(workdir / "pb.yml"), "-i", str(workdir / "static.yml")])


@settings(max_examples=250, **COMMON)
@given(content=mutated(inventory_doc), plan=st.booleans())
def test_fuzzed_inventories(organization, workdir: Path, content: bytes, plan: bool):
    (workdir / "inv.yml").write_bytes(content)
    command = "plan" if plan else "validate"
    target = ["-i", str(workdir / "inv.yml")]
    run_cli([command, str(workdir / "good.yml"), *target] if command == "plan" else ["inventory", *target])


@settings(max_examples=150, **COMMON)
@given(pattern=limit_text)
def test_fuzzed_limits(organization, workdir: Path, pattern: str):
    run_cli(["inventory", "-i", str(workdir / "static.yml"), "--limit", pattern])


@settings(max_examples=150, **COMMON)
@given(value=extra_vars)
def test_fuzzed_extra_vars(organization, workdir: Path, value: str):
    run_cli(["validate", str(workdir / "good.yml"), "-i", str(workdir / "static.yml"), "-e", value])


plan_doc = st.fixed_dictionaries(
    {
        "format_version": st.one_of(st.just(1), values),
        "tasks": st.one_of(
            st.lists(
                st.dictionaries(
                    st.sampled_from(
                        ["key", "control", "action", "changes", "account_id", "fingerprint", "error"]
                    ),
                    values,
                ),
                max_size=3,
            ),
            values,
        ),
    },
    optional={
        "plan_sha256": st.text(max_size=64),
        "run_id": values,
        "run": values,
        "playbook": values,
        "inventory": values,
        "summary": values,
        "created_at": values,
    },
)


GOLDEN = json.loads((Path(__file__).parent / "golden" / "plan.json").read_text())


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


GOLDEN_PATHS = [p for p in _paths(GOLDEN) if p]


def _replace(doc, path, new, rehash):
    from soc2ctl.engine.plan import canonical_sha256

    doc = json.loads(json.dumps(doc))
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    if rehash:  # a self-consistent forgery: the hash matches the edited content
        doc["plan_sha256"] = canonical_sha256(doc)
    return doc


real_plan_edits = st.builds(_replace, st.just(GOLDEN), st.sampled_from(GOLDEN_PATHS), values, st.booleans())


@settings(max_examples=150, **COMMON)
@given(
    doc=st.one_of(plan_doc, real_plan_edits, real_plan_edits),
    apply=st.booleans(),
    raw=st.one_of(st.none(), st.none(), st.none(), st.binary(max_size=50)),
)
def test_fuzzed_saved_plans(organization, workdir: Path, doc, apply: bool, raw):
    path = workdir / "plan.json"
    path.write_bytes(raw if raw is not None else json.dumps(doc, default=str).encode())
    run_cli(["apply", str(path)] if apply else ["show", str(path)])


def test_fuzz_figures(capsys):
    """Runs last in this file: the measured figures of this run (see the module docstring)."""
    with capsys.disabled():
        print(
            f"\nfuzz: {STATS['inputs']} inputs, {STATS['tracebacks']} tracebacks, "
            f"max {STATS['max_seconds']:.2f} s CPU per input"
        )
    if STATS["inputs"]:
        assert STATS["tracebacks"] == 0
