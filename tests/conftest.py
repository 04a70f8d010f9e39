"""Shared fixtures: offline AWS (moto in-process and as a server), organizations, fault injection."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test isolation from whatever AWS configuration the machine has: never reach real AWS.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }
)
for var in (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "MOTO_ACCOUNT_ID",
    "AWS_ENDPOINT_URL",
    "SOC2CTL_SIGN_KEY",
    "SOC2CTL_EVIDENCE_ANCHOR",
):
    os.environ.pop(var, None)

import botocore.loaders  # noqa: E402
import botocore.session  # noqa: E402

# The sandbox distribution is installed from sandbox/ (a copy, not editable): test the checkout's code, here
# and in every process the tests start (the CLI, the sandbox server).
SANDBOX_SRC = str(Path(__file__).resolve().parents[1] / "sandbox")
sys.path.insert(0, SANDBOX_SRC)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [SANDBOX_SRC, os.environ.get("PYTHONPATH")]))

from moto import mock_aws  # noqa: E402

from soc2ctl_sandbox import moto_ext  # noqa: E402
from tests.helpers import MotoServer, create_org  # noqa: E402

moto_ext.apply()

# One botocore data loader for every session the tests create (seeds, member clients, soc2ctl's own): each
# fresh session would otherwise parse megabytes of service-model JSON again, most of a module test's time.
_SHARED_LOADER = botocore.loaders.create_loader()
botocore.session.create_loader = lambda *_, **__: _SHARED_LOADER  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def soc2ctl_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "soc2ctl-home"
    monkeypatch.setenv("SOC2CTL_HOME", str(home))
    monkeypatch.setenv("SOC2CTL_EVIDENCE", str(tmp_path / "evidence"))
    # the apply lock is machine-wide by design; tests (run in parallel) each get their own "machine"
    monkeypatch.setenv("SOC2CTL_LOCK_DIR", str(tmp_path / "machine-locks"))
    return home


@pytest.fixture
def aws() -> Iterator[None]:
    """In-process moto for unit speed."""
    with mock_aws():
        yield


@pytest.fixture
def org(aws: None) -> dict[str, str]:
    """An in-process organization: the management account plus three members, name -> id."""
    return create_org(None, ["alpha", "beta", "gamma"])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer.start()
    yield server
    server.stop()


@pytest.fixture
def server(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A clean moto server, reached the way users reach LocalStack: AWS_ENDPOINT_URL."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    return moto_server
