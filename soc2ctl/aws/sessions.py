"""AWS sessions: one base session from the standard chain, one assumed-role session per member account.

Why it looks like this:
- Client creation is the expensive part of botocore (~200 ms with a fresh session, milliseconds with a
  warm one), a call on an existing client a fraction of a millisecond. So a run has one botocore client per
  (region, service), shared by every account, each call signed with its account's credentials
  (soc2ctl.aws.shared_clients); per (account, region, service) there is only a cheap view of it.
- Member credentials are `RefreshableCredentials`: botocore refreshes them before expiry, so long runs over
  thousands of accounts never fail on an expired token.
- The STS session name carries the run id, so CloudTrail in every account ties each call to the run.
- Custom endpoints (moto, LocalStack) must work without changing real AWS behaviour: the only adaptation is
  the s3control account-id host prefix, stripped only when the endpoint is a loopback address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import botocore.session
from botocore.client import BaseClient, Config
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, UnknownServiceError

from soc2ctl import __version__
from soc2ctl.aws import client_classes, log_redaction, model_loader, partitions, shared_clients
from soc2ctl.aws.recorder import CallRecorder
from soc2ctl.aws.retry import RetryPolicy

_LOOPBACK_PREFIXED = re.compile(r"^\d{12}\.(127\.\d+\.\d+\.\d+|localhost|localstack|\[::1\])$")


class AccountAccessError(Exception):
    """A member account could not be reached; every task in it fails with this message."""

    def __init__(self, account_id: str, message: str) -> None:
        self.account_id = account_id
        super().__init__(f"account {account_id}: {message}")


def strip_loopback_account_prefix(request: Any, **_: Any) -> None:
    """s3control puts `<account>.` in front of the host; on a loopback endpoint that name cannot resolve."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    if _LOOPBACK_PREFIXED.match(host):
        netloc = parts.netloc.split(".", 1)[1]
        request.url = urlunsplit(parts._replace(netloc=netloc))


class _AssumedRoleProvider(CredentialProvider):
    """A credential provider that answers with one account's assumed-role (refreshable) credentials."""

    METHOD = "sts-assume-role"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self.credentials = credentials

    def load(self) -> Credentials:
        return self.credentials


def session_name(run_id: str) -> str:
    return re.sub(r"[^\w+=,.@-]", "-", f"soc2ctl-{run_id}")[:64]


class AwsSessions:
    """Clients for any (account, region, service) of one run."""

    def __init__(
        self,
        *,
        run_id: str,
        profile: str | None = None,
        endpoint_url: str | None = None,
        role_name: str = "OrganizationAccountAccessRole",
        external_id: str | None = None,
        credentials: dict[str, str] | None = None,
        max_pool_connections: int = 32,
        retry_policy: RetryPolicy | None = None,
        share_client_classes: bool = True,
        parallelism: int = 8,
    ) -> None:
        self.run_id = run_id
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.role_name = role_name
        self.external_id = external_id
        self.parallelism = max(1, parallelism)  # concurrent calls the run makes (organization discovery)
        self.share_client_classes = share_client_classes
        if share_client_classes:
            client_classes.install()
        self._handlers: list[tuple[str, Callable[..., Any]]] = []
        self._lock = threading.Lock()
        self._account_locks: dict[str, threading.Lock] = {}
        self._sessions: dict[str, botocore.session.Session] = {}
        self._credentials: dict[str, Credentials] = {}
        self._failures: dict[str, AccountAccessError] = {}
        self._clients: dict[tuple[str, str, str], BaseClient] = {}
        self._shared: dict[tuple[str, str], BaseClient] = {}
        self.base = botocore.session.Session(profile=profile)
        data_path = self.base.get_config_variable("data_path")
        self.base.register_component("data_loader", model_loader.create_loader(data_path))
        if credentials:
            self.base.set_credentials(**credentials)
        # One retry layer only (soc2ctl.aws.retry), with the user's AWS_MAX_ATTEMPTS / AWS_RETRY_MODE /
        # profile settings: botocore's own retries would multiply the attempts per call.
        self.retry_policy = retry_policy or RetryPolicy.from_session(self.base)
        self.config = Config(
            retries=self.retry_policy.botocore_retries(),
            max_pool_connections=max_pool_connections,
            user_agent_extra=f"soc2ctl/{__version__}",
        )
        self._install_handlers(self.base)
        self.shared = shared_clients.shared_session(
            self.base.get_component("data_loader"), profile, self._install_handlers
        )
        self.register("before-sign.s3-control", strip_loopback_account_prefix)
        self.recorder = CallRecorder()
        self.register("after-call", self.recorder.after_call)
        self._identity: dict[str, str] | None = None
        self._partition: str | None = None

    # ------------------------------------------------------------ events

    def register(self, event: str, handler: Callable[..., Any]) -> None:
        """Register a botocore event handler on every session, present and future (recorder, faults)."""
        with self._lock:
            self._handlers.append((event, handler))
            for session in [self.base, self.shared, *self._sessions.values()]:
                session.register(event, handler)
            # Clients copy their session's emitter at creation: drop them so new ones see the handler.
            self._clients.clear()
            self._shared.clear()

    def _install_handlers(self, session: botocore.session.Session) -> None:
        if self.share_client_classes:
            client_classes.mark(session)
        for event, handler in self._handlers:
            session.register(event, handler)

    def warm(self, clients: Iterable[tuple[str, str]]) -> None:
        """Create these shared (region, service) clients now (their models parsed, their client classes
        built), e.g. before forking workers that would otherwise each do it again. An unused client opens
        no connection; a name botocore does not know is skipped (it fails where a task uses it). Safe
        while tasks make clients in other threads: each client is made once, under the sessions' lock."""
        for region, service in sorted(set(clients)):
            with self._lock, contextlib.suppress(UnknownServiceError):
                if (region, service) not in self._shared:
                    self._shared[(region, service)] = self._create_client(self.shared, service, region)

    def after_fork(self) -> None:
        """In a forked worker: fresh locks (a thread of the parent may have held one at the fork), the
        shared clients kept but with empty connection pools (the parent's pooled sockets are the parent's;
        closing the child's copies leaves them open in the parent), per-account views rebuilt on use.
        Sessions, credentials and event handlers are kept: the worker calls AWS as the parent would."""
        self._lock = threading.Lock()
        self._account_locks = {}
        self._clients = {}
        for client in self._shared.values():
            with contextlib.suppress(Exception):  # a pool that cannot close is dropped with its client
                client._endpoint.http_session.close()

    # ------------------------------------------------------------ identity

    def caller_identity(self) -> dict[str, str]:
        """Who the base credentials are, read once (through the run's shared STS client: the one the role
        assumptions use, so a run parses and builds STS once)."""
        if self._identity is None:
            try:
                ident = self.caller_client(self.default_region(), "sts").get_caller_identity()
            except (ClientError, BotoCoreError) as exc:
                raise AccountAccessError(
                    "(caller)", f"cannot identify the caller credentials: {exc}"
                ) from None
            self._identity = {"Account": ident["Account"], "Arn": ident["Arn"], "UserId": ident["UserId"]}
        return self._identity

    @property
    def caller_account(self) -> str:
        return self.caller_identity()["Account"]

    def _caller_credentials(self) -> Credentials | None:
        """The base (caller's own) credentials, their secrets registered for redaction before any call
        signed with them can be logged; None when there are none (the call that needs them says so)."""
        try:
            base = self.base.get_credentials()
        except BotoCoreError:
            base = None
        if base is not None:
            log_redaction.register(base.secret_key, base.token)
        return base

    def default_region(self) -> str:
        return self.base.get_config_variable("region") or "us-east-1"

    # ------------------------------------------------------------ clients

    def client(self, account_id: str, region: str, service: str) -> BaseClient:
        """A client for one account: a view of the run's shared (region, service) client."""
        key = (account_id, region, service)
        client = self._clients.get(key)
        if client is not None:
            return client
        if account_id == self.caller_account:
            return self.caller_client(region, service)
        return self._view(key, self.credentials_for(account_id))

    def caller_client(self, region: str, service: str) -> BaseClient:
        """A client with the caller's own credentials, usable before the caller's account id is known:
        organization discovery starts with it while the identity is read at the same time (one round
        trip less at the start of every run). `client(caller_account, ...)` is this same view."""
        key = ("(caller)", region, service)
        client = self._clients.get(key)
        if client is not None:
            return client
        credentials = self._caller_credentials()
        if credentials is None:
            raise NoCredentialsError()
        return self._view(key, credentials)

    def _view(self, key: tuple[str, str, str], credentials: Credentials) -> BaseClient:
        _, region, service = key
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                shared = self._shared.get((region, service))
                if shared is None:
                    shared = self._shared[(region, service)] = self._create_client(
                        self.shared, service, region
                    )
                client = self._clients[key] = shared_clients.bind(shared, credentials)
        return client

    def _create_client(self, session: botocore.session.Session, service: str, region: str) -> BaseClient:
        client = session.create_client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=self.config
        )
        return self.retry_policy.wrap(client)

    def credentials_for(self, account_id: str) -> Credentials:
        """The caller's own credentials for its account; assumed-role ones (refreshed before expiry) for
        any other, assumed once per run."""
        if account_id in self._failures:
            raise self._failures[account_id]
        if account_id == self.caller_account:
            return self.base.get_credentials()
        credentials = self._credentials.get(account_id)
        if credentials is not None:
            return credentials
        with self._lock:
            lock = self._account_locks.setdefault(account_id, threading.Lock())
        with lock:
            if account_id in self._credentials:
                return self._credentials[account_id]
            try:
                metadata = self._assume(account_id)
            except AccountAccessError as exc:
                self._failures[account_id] = exc
                raise
            credentials = RefreshableCredentials(
                metadata["access_key"],
                metadata["secret_key"],
                metadata["token"],
                dt.datetime.fromisoformat(metadata["expiry_time"]),  # refreshes re-parse the string
                refresh_using=lambda: self._assume(account_id),
                method="sts-assume-role",
                time_fetcher=_utc_now,
            )
            self._credentials[account_id] = credentials
            return credentials

    def session_for(self, account_id: str) -> botocore.session.Session:
        """A whole botocore session for one account (the base one for the caller's account), for code
        that needs a session rather than a client."""
        credentials = self.credentials_for(account_id)
        if account_id == self.caller_account:
            return self.base
        with self._lock:
            session = self._sessions.get(account_id)
            if session is None:
                session = botocore.session.Session(profile=self.profile)
                session.register_component("data_loader", self.base.get_component("data_loader"))
                self._install_handlers(session)
                # botocore's public hook for where a session's credentials come from (not its private
                # `_credentials`): the account's refreshable credentials, refreshed by botocore itself.
                session.register_component(
                    "credential_provider", CredentialResolver([_AssumedRoleProvider(credentials)])
                )
                self._sessions[account_id] = session
            return session

    @property
    def partition(self) -> str:
        """The run's AWS partition: the caller identity's (what AWS says), else the default region's."""
        if self._partition is None:
            try:
                arn = self.caller_identity()["Arn"]
            except AccountAccessError:
                arn = ""
            self._partition = partitions.of_arn(arn) or partitions.for_region(self.default_region())
        return self._partition

    def role_arn(self, account_id: str) -> str:
        return partitions.iam_arn(self.partition, account_id, f"role/{self.role_name}")

    def _assume(self, account_id: str) -> dict[str, str]:
        params: dict[str, Any] = {
            "RoleArn": self.role_arn(account_id),
            "RoleSessionName": session_name(self.run_id),
        }
        if self.external_id:
            params["ExternalId"] = self.external_id
        sts = self.client(self.caller_account, self.default_region(), "sts")
        try:
            creds = sts.assume_role(**params)["Credentials"]
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise AccountAccessError(
                account_id,
                f"cannot assume {params['RoleArn']}: {err.get('Code')}: {err.get('Message')} "
                f"(check the role exists and trusts {self.caller_identity()['Arn']})",
            ) from None
        except BotoCoreError as exc:
            raise AccountAccessError(account_id, f"cannot assume {params['RoleArn']}: {exc}") from None
        log_redaction.register(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }


def _utc_now() -> dt.datetime:
    """The clock credentials check their expiry with, at every signature: botocore's default builds a
    `dateutil` local-time zone each time (~7 us a call, more than the rest of the check)."""
    return dt.datetime.now(dt.UTC)
