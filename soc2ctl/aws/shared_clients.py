"""One botocore client per (region, service) for a whole run, signing each call as its own account.

Why: a botocore client costs milliseconds of CPU to create (a new session per account costs more: its
handler registrations copy and inspect every built-in hook), while a call on an existing client costs a
fraction of a millisecond. A run over 1,000 accounts x 2 regions x 4 services created 8,000 clients and
1,000 sessions for about 10,000 calls: creation was most of its CPU.

How: the shared client's signer asks its credentials object for keys at every signature
(`get_frozen_credentials`); here that object answers with the credentials bound to the current call by
a context variable. `bind` makes a per-account view of the shared client (same endpoint, signer, parser,
emitter; its own `_make_api_call` that binds the account's credentials around the call, retries and
paginators included). Context variables are per thread, so concurrent calls of different accounts on
one client never see each other's credentials. A call made outside a binding fails loudly rather than
signing as some other account.

Paginators: botocore's `get_paginator` builds a new paginator *class* (and its docstring) at every call,
~20 us, once per task that paginates (a class is also cyclic garbage for the collector). A view's
paginators are copies of one paginator per (shared client, operation), made by botocore the first time,
each bound to the view's own method, so its pages are signed as the view's account.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import botocore.session
from botocore.client import BaseClient
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials

_bound: ContextVar[Credentials | None] = ContextVar("soc2ctl_call_credentials", default=None)


class UnboundCall(RuntimeError):
    """A shared client was called without an account: a bug, never a call signed as the wrong account."""


class CallCredentials(Credentials):
    """The credentials of the account the current call is for."""

    method = "soc2ctl-per-call"

    def __init__(self) -> None:  # no keys of its own (Credentials.__init__ would store some)
        pass

    @staticmethod
    def current() -> Credentials:
        creds = _bound.get()
        if creds is None:
            raise UnboundCall("a shared AWS client was called outside an account binding")
        return creds

    def get_frozen_credentials(self) -> Any:
        return self.current().get_frozen_credentials()

    @property
    def access_key(self) -> str:  # type: ignore[override]
        return self.current().access_key

    @property
    def secret_key(self) -> str:  # type: ignore[override]
        return self.current().secret_key

    @property
    def token(self) -> str | None:  # type: ignore[override]
        return self.current().token

    @property
    def account_id(self) -> str | None:  # type: ignore[override]
        return getattr(self.current(), "account_id", None)


class _Provider(CredentialProvider):
    METHOD = "soc2ctl-per-call"

    def load(self) -> Credentials:
        return CallCredentials()


def shared_session(
    data_loader: Any, profile: str | None, install: Callable[[botocore.session.Session], None]
) -> botocore.session.Session:
    """The session the shared clients come from: the run's data loader and handlers, per-call keys."""
    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", data_loader)
    session.register_component("credential_provider", CredentialResolver([_Provider()]))
    install(session)
    return session


def bind(shared: BaseClient, credentials: Credentials) -> BaseClient:
    """A view of `shared` whose every call (methods, paginators, waiters) is signed with `credentials`.
    Not `copy.copy`: BaseClient's `__getattr__` would recurse on a half-built copy."""
    prototypes = shared.__dict__.setdefault("_soc2ctl_paginators", {})  # one per operation, shared
    view = object.__new__(type(shared))
    view.__dict__.update(shared.__dict__)
    call = view._make_api_call  # the shared client's own (retrying) call, bound to the view

    def make_api_call(operation_name: str, api_params: dict[str, Any]) -> Any:
        token = _bound.set(credentials)
        try:
            return call(operation_name, api_params)
        finally:
            _bound.reset(token)

    def get_paginator(operation_name: str) -> Any:
        return _paginator(view, prototypes, operation_name)

    view._make_api_call = make_api_call  # type: ignore[method-assign]
    view.get_paginator = get_paginator  # type: ignore[method-assign]
    return view


def _paginator(view: BaseClient, prototypes: dict[str, Any], operation_name: str) -> Any:
    """`view.get_paginator(operation_name)`: botocore's paginator for the operation (its errors for an
    operation that does not paginate), copied and bound to the view's method."""
    prototype = prototypes.get(operation_name)
    if prototype is None:
        prototype = type(view).get_paginator(view, operation_name)
        if "_method" not in prototype.__dict__:  # a botocore that stores it otherwise: no copies
            return prototype
        prototypes[operation_name] = prototype
    paginator = object.__new__(type(prototype))
    paginator.__dict__.update(prototype.__dict__)
    paginator._method = getattr(view, operation_name)
    return paginator
