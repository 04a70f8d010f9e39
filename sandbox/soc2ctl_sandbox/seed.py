"""The sandbox organization: 12 member accounts in 4 OUs, tagged, with a realistic mix of states.

Each account has a posture: `compliant` (already in state), `drifted` (configured, but wrong in places) or
`fresh` (nothing configured, as after account creation). The settings of each control are seeded by a small
file in `soc2ctl_sandbox/seeds/`, one per remediation module, so adding a control adds one seed file.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, Credentials, ReadOnlyCredentials

from soc2ctl_sandbox.loopback import strip_loopback_account_prefix

MANAGEMENT_ACCOUNT = "123456789012"  # moto's account for the `testing` credentials
REGIONS = ("us-east-1", "eu-west-1")
RANDOM_SEED = 20240501  # moto's random generator: the same organization (ids of keys, OUs...) every start


def partition(region: str) -> str:
    """The AWS partition of a region (`us-gov-west-1` -> `aws-us-gov`), by botocore's endpoint data."""
    return botocore.session.get_session().get_partition_for_region(region)


def arn(region: str, service: str, arn_region: str, account_id: str, resource: str) -> str:
    """An ARN in the partition of `region` (`arn_region` is the ARN's own region field, often empty)."""
    return f"arn:{partition(region)}:{service}:{arn_region}:{account_id}:{resource}"


# Progress of seeding: (units done, units in all, what is being seeded).
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SandboxAccount:
    name: str
    ou: str
    tags: dict[str, str]
    posture: str  # compliant | drifted | fresh


LAYOUT: tuple[SandboxAccount, ...] = (
    SandboxAccount("audit", "Security", {"env": "prod", "team": "security"}, "compliant"),
    SandboxAccount("log-archive", "Security", {"env": "prod", "team": "security"}, "compliant"),
    SandboxAccount("network", "Infrastructure", {"env": "prod", "team": "platform"}, "compliant"),
    SandboxAccount("shared-services", "Infrastructure", {"env": "prod", "team": "platform"}, "drifted"),
    SandboxAccount("payments-prod", "Workloads/Prod", {"env": "prod", "team": "payments"}, "drifted"),
    SandboxAccount("web-prod", "Workloads/Prod", {"env": "prod", "team": "web"}, "compliant"),
    SandboxAccount("data-prod", "Workloads/Prod", {"env": "prod", "team": "data"}, "drifted"),
    SandboxAccount("payments-dev", "Workloads/Dev", {"env": "dev", "team": "payments"}, "fresh"),
    SandboxAccount("web-dev", "Workloads/Dev", {"env": "dev", "team": "web"}, "drifted"),
    SandboxAccount("data-dev", "Workloads/Dev", {"env": "dev", "team": "data"}, "compliant"),
    SandboxAccount("sbx-alice", "Sandbox", {"env": "sandbox", "team": "web"}, "fresh"),
    SandboxAccount("sbx-bob", "Sandbox", {"env": "sandbox", "team": "data", "legacy": "true"}, "drifted"),
)


@dataclass
class SeedContext:
    """One account (and region, for region seeds) being seeded."""

    endpoint: str | None
    account_id: str
    name: str
    posture: str
    region: str
    is_management: bool = False
    accounts: dict[str, str] = field(default_factory=dict)  # name -> id, for org-level seeds
    clients: SeedClients | None = None

    @property
    def partition(self) -> str:
        return partition(self.region)

    def arn(
        self, service: str, resource: str, *, region: str | None = None, account_id: str | None = None
    ) -> str:
        """An ARN in the seeded region's partition: this region and account unless given (`""`: none)."""
        arn_region = self.region if region is None else region
        return arn(
            self.region, service, arn_region, self.account_id if account_id is None else account_id, resource
        )

    def client(self, service: str, region: str | None = None) -> Any:
        return self.client_in(self.account_id, service, region)

    def client_in(self, account_id: str, service: str, region: str | None = None) -> Any:
        """A client of another account (e.g. a delegated administrator), from the same cache."""
        if self.clients is None:
            self.clients = SeedClients(self.endpoint)
        return self.clients.client(account_id, service, region or self.region)


class SeedClients:
    """Clients for seeding many accounts: one botocore client per (region, service), shared by all accounts.

    Client creation dominated seeding (a new boto3 session per account parsed every service model again, and
    each client costs ~20 ms even from one session: 14 accounts x 2 regions x ~20 services). Here a call
    made through `client(account, ...)` first switches the shared credentials to that account's, so about 40
    clients serve the whole organization. Calls are sequential: seeding is single-threaded.
    """

    def __init__(self, endpoint: str | None, region: str = REGIONS[0]) -> None:
        self.endpoint = endpoint
        self.region = region  # where the organization and STS calls go (the sandbox's home region)
        self.credentials = _SwitchedCredentials()
        core = botocore.session.Session()
        core.register("before-sign.s3-control", strip_loopback_account_prefix)
        core.get_component("credential_provider").insert_before("env", _SeedProvider(self.credentials))
        self.session = boto3.Session(botocore_session=core, region_name=region)
        self._keys: dict[str, tuple[str, str, str | None]] = {
            MANAGEMENT_ACCOUNT: ("testing", "testing", None)
        }
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, account_id: str, service: str, region: str) -> Any:
        key = (region, service)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=region, endpoint_url=self.endpoint)
        return _AccountClient(self._clients[key], self.credentials, self._keys_of(account_id))

    def _keys_of(self, account_id: str) -> tuple[str, str, str | None]:
        if account_id not in self._keys:
            creds = self.client(MANAGEMENT_ACCOUNT, "sts", self.region).assume_role(
                RoleArn=arn(self.region, "iam", "", account_id, "role/OrganizationAccountAccessRole"),
                RoleSessionName="sandbox-seed",
            )["Credentials"]
            self._keys[account_id] = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        return self._keys[account_id]


class _SwitchedCredentials(Credentials):
    """botocore signs every request with `get_frozen_credentials()`: these return the current account's."""

    def __init__(self) -> None:
        super().__init__("testing", "testing")

    def use(self, keys: tuple[str, str, str | None]) -> None:
        self.access_key, self.secret_key, self.token = keys

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return ReadOnlyCredentials(self.access_key, self.secret_key, self.token)


class _SeedProvider(CredentialProvider):
    METHOD = "soc2ctl-sandbox-seed"

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


class _AccountClient:
    """A shared client that acts as one account: each API call switches the credentials first."""

    def __init__(
        self, client: Any, credentials: _SwitchedCredentials, keys: tuple[str, str, str | None]
    ) -> None:
        self._client, self._credentials, self._keys = client, credentials, keys

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name not in self._client.meta.method_to_api_mapping:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._credentials.use(self._keys)
            return attr(*args, **kwargs)

        return call


def _session(endpoint: str | None, account_id: str) -> SeedClients:
    """Clients for seeding (kept for the tests that seed one account by hand)."""
    return SeedClients(endpoint)


def create_organization(
    endpoint: str | None,
    layout: tuple[SandboxAccount, ...] = LAYOUT,
    clients: SeedClients | None = None,
    wanted: dict[str, str] | None = None,
) -> dict[str, str]:
    """Organization, OUs (nested by path), accounts with tags; returns account name -> id.

    `wanted` (name -> id, in-process moto only): ids to give those accounts, e.g. those of an earlier start.
    """
    clients = clients or SeedClients(endpoint)
    org = clients.client(MANAGEMENT_ACCOUNT, "organizations", clients.region)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou_ids: dict[str, str] = {"": root}

    def ou_id(path: str) -> str:
        if path not in ou_ids:
            parent, _, name = path.rpartition("/")
            ou_ids[path] = org.create_organizational_unit(ParentId=ou_id(parent), Name=name)[
                "OrganizationalUnit"
            ]["Id"]
        return ou_ids[path]

    ids = {}
    for account in layout:
        with _account_id((wanted or {}).get(account.name)):
            status = org.create_account(
                Email=f"{account.name}@example.com",
                AccountName=account.name,
                Tags=[{"Key": k, "Value": v} for k, v in account.tags.items()],
            )["CreateAccountStatus"]
        account_id = status["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=ou_id(account.ou))
        ids[account.name] = account_id
    return ids


def _seeders() -> list[tuple[str, Callable[[SeedContext], None]]]:
    from soc2ctl_sandbox import seeds

    found = []
    for info in sorted(pkgutil.iter_modules(seeds.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{seeds.__name__}.{info.name}")
        found.append((module.SCOPE, module.seed))
    return found


def seed_settings(
    endpoint: str | None,
    ids: dict[str, str],
    layout: tuple[SandboxAccount, ...] = LAYOUT,
    regions: tuple[str, ...] = REGIONS,
    progress: Progress | None = None,
    clients: SeedClients | None = None,
) -> None:
    postures = {a.name: a.posture for a in layout}
    targets = [("management", MANAGEMENT_ACCOUNT, "compliant", True)]
    targets += [(name, account_id, postures[name], False) for name, account_id in ids.items()]
    seeders = _seeders()
    clients = clients or SeedClients(endpoint, regions[0])
    for done, (name, account_id, posture, is_management) in enumerate(targets):
        if progress:
            progress(done, len(targets), name)
        for scope, seed in seeders:
            if scope == "org" and not is_management:
                continue
            for region in regions if scope == "region" else regions[:1]:
                seed(SeedContext(endpoint, account_id, name, posture, region, is_management, ids, clients))
    if progress:
        progress(len(targets), len(targets), "done")


@contextmanager
def _account_id(wanted: str | None) -> Iterator[None]:
    """The next account moto creates gets id `wanted` (in-process moto only; None: moto's own choice)."""
    if wanted is None:
        yield
        return
    from unittest import mock

    from moto.organizations import utils

    with mock.patch.object(utils, "make_random_account_id", lambda: wanted):
        yield


def seed_in_process(
    previous: dict[str, str] | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Seed moto's backends in this process, without HTTP: what the server does before it listens.

    Requests go through botocore as usual but moto answers them in-process (about 1 ms a call instead of
    3 ms over HTTP, and no server thread competing for the GIL). `previous` (name -> id) are the account
    ids of an earlier start: the same names get the same ids.
    """
    from moto import mock_aws
    from moto.moto_api._internal import mock_random

    started = time.perf_counter()
    mock = mock_aws()
    mock.start(reset=True)
    try:
        mock_random.seed(RANDOM_SEED)
        clients = SeedClients(None)
        ids = create_organization(None, clients=clients, wanted=previous)
        seed_settings(None, ids, progress=progress, clients=clients)
    finally:
        mock.stop(remove_data=False)
    return {
        "management_account": MANAGEMENT_ACCOUNT,
        "accounts": ids,
        "regions": list(REGIONS),
        "seed_seconds": round(time.perf_counter() - started, 2),
    }


def seed_organization(endpoint: str) -> dict[str, Any]:
    """Seed a running moto server over HTTP (tests and benchmarks that bring their own server)."""
    clients = SeedClients(endpoint)
    ids = create_organization(endpoint, clients=clients)
    seed_settings(endpoint, ids, clients=clients)
    return {"management_account": MANAGEMENT_ACCOUNT, "accounts": ids, "regions": list(REGIONS)}
