"""Issue #12's cases, black-box: the `soc2ctl` command of the checkout under test, in a subprocess, on the
hostile input the issue names. Not part of the test suite (benchmarks/old_main_regressions.sh copies it into a
checkout's tests/ and runs it there), because it exists to run the SAME assertions against two versions of the
code: 6289c10 ("today's main" when #12 was filed) must fail every test, current main must pass every test.

It uses only what both versions share: the command line, tests/helpers.create_org and the conftest's `server`
fixture (a moto server reached through AWS_ENDPOINT_URL). The assertions are those of the suite's own tests for
each case (named in docs/security-regressions.md), stated on the command's exit code and output.

Hangs: a child still running after SOC2CTL_TEST_HANG_GUARD seconds (default 600, a hang guard only) fails the
test as a hang. Memory: each child's address space is capped at 4 GiB, so a payload that allocates without
bound shows as a MemoryError instead of taking the shared machine's memory.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest
import yaml

import soc2ctl
from tests.helpers import create_org, member_client

CLI = str(Path(sys.executable).with_name("soc2ctl"))
TREE = Path(soc2ctl.__file__).resolve().parents[1]
HANG_GUARD = float(os.environ.get("SOC2CTL_TEST_HANG_GUARD", "600"))
MEMORY_CAP = 4 * 2**30
DISCOVER = {"organization": {"discover": True}, "regions": ["us-east-1"]}
SCP = "SERVICE_CONTROL_POLICY"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _caps(cpu_seconds: int | None):
    def apply() -> None:
        _cap_memory()
        if cpu_seconds:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    return apply


def soc2ctl_run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, cpu_seconds: int | None = None
) -> subprocess.CompletedProcess:
    """The command in a child process. `cpu_seconds` counts work, not wall time: a child that burns more
    CPU than that is killed (SIGXCPU) and the test fails as a hang."""
    try:
        proc = subprocess.run(
            [CLI, *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=HANG_GUARD,
            preexec_fn=_caps(cpu_seconds),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"HANG: soc2ctl {' '.join(args)} still running after {HANG_GUARD:.0f} s")
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        pytest.fail(f"HANG: soc2ctl {' '.join(args)} killed after {cpu_seconds} s of CPU")
    return proc


def out(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def refused(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 1, no traceback, an `error:` line holding every word (validate, a bad option or file)."""
    text = out(proc)
    assert "Traceback" not in text, f"TRACEBACK ending {text.strip().splitlines()[-1][:200]!r}"
    assert proc.returncode == 1, f"exit {proc.returncode}, not 1: {text[-1500:]}"
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert errors, f"no error line: {text[-1500:]}"
    for word in words:
        assert any(word in line for line in errors), f"{word!r} not in {errors}"
    return text


def failed_plan(proc: subprocess.CompletedProcess, *words: str) -> str:
    """Exit 1, no traceback, every word in the output (a plan whose task failed reports it in the plan)."""
    text = out(proc)
    assert "Traceback" not in text, f"TRACEBACK ending {text.strip().splitlines()[-1][:200]!r}"
    assert proc.returncode == 1, f"exit {proc.returncode}, not 1: {text[-1500:]}"
    for word in words:
        assert word in text, f"{word!r} not in: {text[-1500:]}"
    return text


def write(path: Path, data) -> str:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return str(path)


def desired_playbook(remediation: str, desired, variables: dict | None = None) -> dict:
    doc: dict = {"name": "untrusted"}
    if variables:
        doc["vars"] = variables
    doc["controls"] = [{"id": "c", "remediation": remediation, "desired": desired}]
    return doc


def template_playbook(template: str, variables: dict | None = None) -> dict:
    """The template in a value the plan shows: an exempt principal lands in the SCP's text."""
    return desired_playbook("scp-guardrails", {"exempt_principals": [template]}, variables)


# ---------------------------------------------------------------- templates


def shell_payloads(sentinel: Path) -> list[str]:
    touch = f"touch {sentinel}"
    return [
        f"{{{{ cycler.__init__.__globals__.os.popen('{touch}').read() }}}}",
        f"{{{{ lipsum.__globals__['os'].popen('{touch}').read() }}}}",
        f"{{% for c in ''.__class__.__mro__[1].__subclasses__() %}}{{% if c.__name__ == '_wrap_close' %}}"
        f"{{{{ c.__init__.__globals__['popen']('{touch}').read() }}}}{{% endif %}}{{% endfor %}}",
        f"{{{{ joiner.__init__.__globals__.os.system('{touch}') }}}}",
        f"{{{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('{touch}').read() }}}}",
        f"{{% for c in [].__class__.__base__.__subclasses__() %}}{{% if c.__name__ == 'Popen' %}}"
        f"{{{{ c('{touch}', shell=True).wait() }}}}{{% endif %}}{{% endfor %}}",
    ]


@pytest.mark.parametrize("index", range(6))
def test_shell_payload_runs_nothing(index, server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    sentinel = tmp_path / "pwned"
    pb = write(tmp_path / "pb.yml", template_playbook(shell_payloads(sentinel)[index]))
    inv = write(tmp_path / "inv.yml", DISCOVER)
    validated = soc2ctl_run("validate", pb, cwd=tmp_path)
    assert not sentinel.exists(), f"validate RAN THE PAYLOAD (exit {validated.returncode})"
    refused(validated, pb)
    planned = soc2ctl_run("plan", pb, "-i", inv, cwd=tmp_path)
    assert not sentinel.exists(), f"plan RAN THE PAYLOAD (exit {planned.returncode})"
    failed_plan(planned)


EXFILTRATION = {
    "environment": ("ENV-CANARY-93ab", "{{ cycler.__init__.__globals__.os.environ['SOC2CTL_CANARY'] }}"),
    "local-file": ("FILE-CANARY-6f1e", "{{ lipsum.__globals__.__builtins__.open('secret.txt').read() }}"),
    "uname": ("-".join(os.uname()), "{{ cycler.__init__.__globals__.os.uname()|join('-') }}"),
}


@pytest.mark.parametrize("case", sorted(EXFILTRATION))
def test_nothing_comes_out_through_the_plan(case, server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    (tmp_path / "secret.txt").write_text("FILE-CANARY-6f1e")
    canary, payload = EXFILTRATION[case]
    pb = write(tmp_path / "pb.yml", template_playbook(payload))
    inv = write(tmp_path / "inv.yml", DISCOVER)
    env = {"SOC2CTL_CANARY": "ENV-CANARY-93ab"}
    planned = soc2ctl_run("plan", pb, "-i", inv, "--format", "json", cwd=tmp_path, env=env)
    assert canary not in out(planned), f"EXFILTRATED through plan (exit {planned.returncode}): {payload}"
    failed_plan(planned)
    refused(soc2ctl_run("validate", pb, cwd=tmp_path, env=env))


def test_a_secret_cannot_be_filtered_past_masking(server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    secret = "hunter2-plaintext"
    pb = write(
        tmp_path / "pb.yml", template_playbook("{{ db_password|list|join(' ') }}", {"db_password": secret})
    )
    inv = write(tmp_path / "inv.yml", DISCOVER)
    planned = soc2ctl_run("plan", pb, "-i", inv, "--format", "json", cwd=tmp_path)
    assert " ".join(secret) not in out(planned) and secret not in out(planned), "SECRET printed by plan"
    failed_plan(planned, "secret variable 'db_password'")
    refused(soc2ctl_run("validate", pb, cwd=tmp_path), "secret variable 'db_password'")


def test_os_exit_payload_is_refused_not_a_silent_exit_0(server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    pb = write(tmp_path / "pb.yml", template_playbook("{{ cycler.__init__.__globals__.os._exit(0) }}"))
    inv = write(tmp_path / "inv.yml", DISCOVER)
    refused(soc2ctl_run("validate", pb, cwd=tmp_path), pb)
    failed_plan(soc2ctl_run("plan", pb, "-i", inv, cwd=tmp_path))


# ---------------------------------------------------------------- crashes and hangs

LAUGHS = "vars:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
)
SCP_CONTROL = "name: x\ncontrols:\n  - id: g\n    remediation: scp-guardrails\n"
PASSWORD = "name: x\ncontrols:\n  - id: pw\n    remediation: iam-password-policy\n"
CRASHES = {
    "non-utf8": (b"name: \xff\xfe bad\ncontrols: []\n", "UTF-8"),
    "nesting-1000": (b"name: x\nvars: {a: " + b"[" * 1000 + b"]" * 1000 + b"}\n", "nested deeper"),
    "int-5000-digits": (b"name: x\nvars: {n: " + b"9" * 5000 + b"}\n", "5000 digits"),
    "bad-date": (b"vars: {d: 2024-02-30}\n" + PASSWORD.encode(), "invalid date"),
    "jinja-type-error": (
        PASSWORD.encode() + b"    desired: {minimum_password_length: \"{{ 'a' + 1 }}\"}\n",
        "TypeError",
    ),
    "jinja-zero-division": (
        PASSWORD.encode() + b"    desired: {minimum_password_length: '{{ 1/0 }}'}\n",
        "ZeroDivisionError",
    ),
    "memory-error": (
        PASSWORD.encode() + b"    desired: {minimum_password_length: \"{{ 'x' * 10**10 }}\"}\n",
        "would exceed",
    ),
    "billion-laughs-in-desired": (
        (LAUGHS + SCP_CONTROL + "    desired: {exempt_principals: *a8}\n").encode(),
        "expands to more than",
    ),
    "range-10e9": (
        PASSWORD.encode() + b"    desired: {minimum_password_length: '{{ range(10**9)|sum }}'}\n",
        "range() longer than",
    ),
}


VALIDATE_CPU = 5  # validate of a small file takes about 0.5 s of CPU: ten times that is a hang


@pytest.mark.parametrize("case", sorted(CRASHES))
def test_hostile_playbook_is_one_line_error(case, tmp_path):
    content, word = CRASHES[case]
    (tmp_path / "pb.yml").write_bytes(content)
    refused(soc2ctl_run("validate", str(tmp_path / "pb.yml"), cwd=tmp_path, cpu_seconds=VALIDATE_CPU), word)


def test_fifo_as_the_playbook_is_refused_without_opening(tmp_path):
    os.mkfifo(tmp_path / "pb.yml")  # opening it blocks until a writer comes: never
    refused(soc2ctl_run("validate", str(tmp_path / "pb.yml"), cwd=tmp_path), "FIFO")


def test_bad_endpoint_url_is_one_line(tmp_path):
    pb = write(tmp_path / "pb.yml", desired_playbook("ebs-default-encryption", {}))
    inv = write(tmp_path / "inv.yml", {"endpoint_url": "http://[::1", **DISCOVER})
    refused(soc2ctl_run("plan", pb, "-i", inv, cwd=tmp_path), "endpoint_url")


def test_explicit_missing_path_is_an_error_not_a_shipped_file(tmp_path):
    missing = tmp_path / "playbooks" / "soc2-baseline.yml"
    refused(soc2ctl_run("validate", str(missing), cwd=tmp_path), "no such playbook")


def test_bad_limit_pattern_is_one_line(server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    pb = write(tmp_path / "pb.yml", desired_playbook("ebs-default-encryption", {}))
    inv = write(tmp_path / "inv.yml", DISCOVER)
    refused(soc2ctl_run("plan", pb, "-i", inv, "--limit", "a[/x]", cwd=tmp_path), "a[/x]")


def test_duplicate_desired_key_is_an_error_naming_both_lines(tmp_path):
    (tmp_path / "pb.yml").write_text(
        PASSWORD + "    desired: {minimum_password_length: 14}\n"
        "    desired: {minimum_password_length: 6, require_symbols: false}\n"
    )
    refused(soc2ctl_run("validate", str(tmp_path / "pb.yml"), cwd=tmp_path), "duplicate key 'desired'")


def test_ambiguous_account_name_lists_both_ids(tmp_path):
    pb = write(
        tmp_path / "pb.yml",
        desired_playbook("access-analyzer", {"admin_account_id": "{{ account_ids['twin'] }}"}),
    )
    inv = write(
        tmp_path / "inv.yml",
        'accounts:\n  "111111111111": {name: twin}\n  "222222222222": {name: twin}\n'
        'organization: {management_account: "333333333333"}\n',
    )
    proc = soc2ctl_run("validate", pb, "-i", inv, cwd=tmp_path)
    assert "111111111111, 222222222222" in out(proc), f"exit {proc.returncode}: {out(proc)[-1500:]}"
    refused(proc, "ambiguous")


# ---------------------------------------------------------------- validate, -vv


def test_validate_applies_group_vars_of_discovered_accounts(server, tmp_path):
    ids = create_org(server.endpoint, ["alpha"])
    pb = write(
        tmp_path / "pb.yml",
        desired_playbook(
            "iam-password-policy",
            {"minimum_password_length": "{{ password_min_length }}"},
            {"password_min_length": 14},
        ),
    )
    inv = write(
        tmp_path / "inv.yml",
        {
            **DISCOVER,
            "groups": {"everyone": {"ous": ["Workloads"], "vars": {"password_min_length": "sixteen"}}},
        },
    )
    proc = soc2ctl_run("validate", pb, "-i", inv, cwd=tmp_path)
    refused(proc, "minimum_password_length")
    assert ids["alpha"] in out(proc)


def test_vv_stderr_holds_no_credential(server, tmp_path):
    from moto.sts.models import sts_backends

    create_org(server.endpoint, ["m1", "m2", "m3"])
    pb = write(tmp_path / "pb.yml", desired_playbook("iam-password-policy", {}))
    inv = write(tmp_path / "inv.yml", DISCOVER)
    base = {
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "FQoGZXIvYXdzEBYaDexampleBaseSessionTokenValue0123456789",
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLEBASE00001",
    }
    proc = soc2ctl_run("-vv", "plan", pb, "-i", inv, cwd=tmp_path, env=base)
    assert proc.returncode in (0, 2), out(proc)[-1500:]
    assert "botocore" in proc.stderr and "DEBUG" in proc.stderr  # debug logs were on
    assumed = [
        value
        for backends in sts_backends.values()
        for backend in backends.values()
        for role in getattr(backend, "assumed_roles", [])
        for value in (role.access_key_id, role.secret_access_key, role.session_token)
    ]
    assert len(assumed) >= 9
    leaked = [s for s in [*assumed, *base.values()] if s in out(proc)]
    assert leaked == [], f"LEAKED {len(leaked)} credential values, e.g. {leaked[0][:12]}..."


# ---------------------------------------------------------------- the lockout guard


def _root_and_ou() -> tuple[str, str]:
    client = boto3.client("organizations")
    root = client.list_roots()["Roots"][0]["Id"]
    ous = client.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    return root, next(o["Id"] for o in ous if o["Name"] == "Workloads")


def _ours_attached() -> list[str]:
    client = boto3.client("organizations")
    for policy in client.list_policies(Filter=SCP)["Policies"]:
        if policy["Name"] == "soc2ctl-guardrails":
            return [t["TargetId"] for t in client.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]]
    return []


DENY_ALL = {"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}


def _exempting(pattern: str) -> dict:
    return {
        **DENY_ALL,
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": [pattern, "arn:*:iam::*:role/BreakGlass"]}},
    }


EVASIONS = {
    "class-[O]": (
        {"guardrails": [], "extra_statements": [_exempting("arn:*:iam::*:role/[O]*")]},
        ["us-east-1"],
    ),
    "class-[!x]": (
        {"guardrails": [], "extra_statements": [_exempting("arn:*:iam::*:role/[!x]*")]},
        ["us-east-1"],
    ),
    "RequestedRegion": (
        {
            "guardrails": [],
            "extra_statements": [
                {**DENY_ALL, "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}
            ],
        },
        ["us-east-1", "eu-west-1"],
    ),
}


@pytest.mark.parametrize("case", sorted(EVASIONS))
def test_lockout_evasion_is_refused_and_never_attached(case, server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    desired, regions = EVASIONS[case]
    pb = write(tmp_path / "pb.yml", desired_playbook("scp-guardrails", desired))
    inv = write(tmp_path / "inv.yml", {**DISCOVER, "regions": regions})
    planned = soc2ctl_run("plan", pb, "-i", inv, cwd=tmp_path)
    soc2ctl_run("apply", pb, "-i", inv, "--auto-approve", cwd=tmp_path)
    assert _ours_attached() == [], "the lockout SCP was WRITTEN AND ATTACHED"
    failed_plan(planned, "lock out")


def test_another_scp_on_the_same_targets_is_part_of_the_evaluation(server, tmp_path):
    create_org(server.endpoint, ["alpha"])
    root, workloads = _root_and_ou()
    client = boto3.client("organizations")
    client.enable_policy_type(RootId=root, PolicyType=SCP)
    other = client.create_policy(
        Name="hand-written",
        Description="x",
        Type=SCP,
        Content=json.dumps({"Version": "2012-10-17", "Statement": [DENY_ALL]}),
    )["Policy"]["PolicySummary"]["Id"]
    client.attach_policy(PolicyId=other, TargetId=workloads)
    pb = write(tmp_path / "pb.yml", desired_playbook("scp-guardrails", {}))
    inv = write(tmp_path / "inv.yml", DISCOVER)
    planned = soc2ctl_run("plan", pb, "-i", inv, cwd=tmp_path)
    soc2ctl_run("apply", pb, "-i", inv, "--auto-approve", cwd=tmp_path)
    assert _ours_attached() == [], "the SCP completing the lockout was WRITTEN AND ATTACHED"
    failed_plan(planned, "lock out")


# ---------------------------------------------------------------- least privilege


def _iam_policy(tmp_path: Path, *args: str):
    proc = soc2ctl_run("iam-policy", "soc2-baseline", *args, cwd=tmp_path)
    assert proc.returncode == 0, out(proc)[-1500:]
    return yaml.safe_load(proc.stdout)


def _docs(value) -> list[dict]:
    return value if isinstance(value, list) else [value]


RISKY = ("iam:PassRole", "iam:CreatePolicy", "iam:AttachUserPolicy", "s3:PutBucketPolicy")


def _unscoped(docs: list[dict]) -> list[str]:
    found = []
    for doc in docs:
        for stmt in doc["Statement"]:
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            if stmt["Effect"] != "Allow" or "*" not in resources:
                continue
            found += [a for a in actions if a in RISKY or a in ("iam:*", "s3:*", "*")]
            if "iam:PassRole" in actions and "iam:PassedToService" not in json.dumps(stmt.get("Condition")):
                found.append("iam:PassRole without iam:PassedToService")
    return found


@pytest.mark.parametrize("role", ["member", "caller"])
def test_apply_policy_grants_no_escalation_on_star(role, tmp_path):
    docs = _docs(_iam_policy(tmp_path, "--mode", "apply", "--role", role))
    assert _unscoped(docs) == [], f"UNSCOPED on *: {sorted(set(_unscoped(docs)))}"


def _template_policies(template: dict) -> list[dict]:
    return [
        r["Properties"]["PolicyDocument"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    ]


def _trusts(template: dict) -> dict[str, str]:
    """The execution roles' trust policies: roles a person or automation assumes (an AWS principal), not
    service roles such as CloudTrail's delivery role."""
    found = {}
    for name, r in template["Resources"].items():
        if r["Type"] != "AWS::IAM::Role":
            continue
        statements = r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if any("AWS" in s.get("Principal", {}) for s in statements):
            found[name] = json.dumps(statements, sort_keys=True)
    return found


def _template(source: str, tmp_path: Path) -> dict:
    if source == "generated":
        proc = soc2ctl_run("iam-policy", "soc2-baseline", "--format", "cloudformation", cwd=tmp_path)
        assert proc.returncode == 0, out(proc)[-1500:]
        text = proc.stdout
    else:
        text = (TREE / source).read_text()
    return yaml.load(text, Loader=yaml.BaseLoader) if "!" in text else yaml.safe_load(text)


SOURCES = ["generated", "deploy/soc2ctl-roles.yaml"]


@pytest.mark.parametrize("source", SOURCES)
def test_stackset_policies_grant_no_escalation_on_star(source, tmp_path):
    found = _unscoped(_template_policies(_template(source, tmp_path)))
    assert found == [], f"UNSCOPED on *: {sorted(set(found))}"


@pytest.mark.parametrize("source", SOURCES)
def test_stackset_roles_trust_only_their_own_named_callers(source, tmp_path):
    trusts = _trusts(_template(source, tmp_path))
    assert len(trusts) == 2, trusts
    for name, trust in trusts.items():
        assert ":root" not in trust and "TrustedAccountId" not in trust, (
            f"{name} TRUSTS THE WHOLE ACCOUNT: {trust}"
        )


@pytest.mark.parametrize("source", SOURCES)
def test_stackset_plan_and_apply_roles_trust_different_principals(source, tmp_path):
    trusts = _trusts(_template(source, tmp_path))
    assert len(trusts) == 2 and len(set(trusts.values())) == 2, (
        f"plan and apply roles TRUST THE SAME: {trusts}"
    )


def test_drift_findings_caller_can_update_findings(tmp_path):
    docs = _docs(_iam_policy(tmp_path, "--mode", "plan", "--role", "caller", "--findings", "securityhub"))
    actions = {a for d in docs for s in d["Statement"] for a in _as_list(s["Action"])}
    assert "securityhub:BatchUpdateFindings" in actions, "MISSING securityhub:BatchUpdateFindings"


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- locks


class HeldApply:
    """`soc2ctl apply` without --auto-approve, stopped at its confirmation prompt: it holds the apply lock
    (from the plan to the end) until it is answered."""

    def __init__(self, pb: str, inv: str, cwd: Path, home: Path):
        self.proc = subprocess.Popen(
            [CLI, "apply", pb, "-i", inv],
            cwd=cwd,
            env={**os.environ, "SOC2CTL_HOME": str(home)},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_cap_memory,
        )
        self.seen = b""
        self.prompted = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while chunk := os.read(self.proc.stderr.fileno(), 4096):
            self.seen += chunk
            if b"Apply these changes?" in self.seen:
                self.prompted.set()
        self.prompted.set()

    def __enter__(self) -> HeldApply:
        assert self.prompted.wait(HANG_GUARD), "the first apply never asked"
        assert b"Apply these changes?" in self.seen, self.seen.decode(errors="replace")[-1500:]
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.proc.stdin.write(b"n\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(HANG_GUARD)


def _lock_files(tmp_path: Path) -> tuple[str, str]:
    pb = write(
        tmp_path / "pb.yml",
        "name: t\ncontrols:\n  - {id: ebs-default-encryption, remediation: ebs-default-encryption,"
        " auto_remediate: true}\n",
    )
    return pb, write(tmp_path / "inv.yml", DISCOVER)


def _ebs_default(account: str) -> bool:
    return member_client("ec2", account).get_ebs_encryption_by_default()["EbsEncryptionByDefault"]


def test_two_homes_share_one_lock_per_organization(server, tmp_path):
    ids = create_org(server.endpoint, ["alpha"])
    pb, inv = _lock_files(tmp_path)
    with HeldApply(pb, inv, tmp_path, tmp_path / "home-one"):
        second = soc2ctl_run(
            "apply",
            pb,
            "-i",
            inv,
            "--auto-approve",
            cwd=tmp_path,
            env={"SOC2CTL_HOME": str(tmp_path / "home-two")},
        )
        assert not _ebs_default(ids["alpha"]), (
            "the second apply (other SOC2CTL_HOME) RAN while the first held the lock"
        )
        refused(second, "holds the apply lock")


def test_drift_remediate_takes_the_apply_lock(server, tmp_path):
    ids = create_org(server.endpoint, ["alpha"])
    pb, inv = _lock_files(tmp_path)
    home = os.environ["SOC2CTL_HOME"]
    with HeldApply(pb, inv, tmp_path, Path(home)):
        drift = soc2ctl_run("drift", pb, "-i", inv, "--remediate", "--max-changes", "10", cwd=tmp_path)
        assert not _ebs_default(ids["alpha"]), (
            "drift --remediate CHANGED the account while an apply held the lock"
        )
        refused(drift, "holds the apply lock")
