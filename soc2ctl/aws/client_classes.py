"""Reuse botocore's generated client classes and service models across soc2ctl's sessions.

botocore builds a new client *class* for every client it creates: one Python method per operation (about
600 for EC2), which is two thirds of the ~18 ms a client costs. A run over N accounts x R regions creates a
client per (account, region, service), so that cost is paid thousands of times for identical classes.
soc2ctl's sessions all carry the same class-creation hooks (botocore's built-ins), so one class per
(service, API version) serves them all. Only emitters marked by `mark` use the cache: clients made by any
other botocore or boto3 session in the process (boto3 adds its own methods to S3 clients) are untouched.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.client import ClientCreator

_MARK = "_soc2ctl_share_client_classes"
_cache: dict[tuple[str, str], type] = {}
_models: dict[tuple[str, str | None], Any] = {}
_lock = threading.Lock()
_original = ClientCreator._create_client_class
_original_load_model = ClientCreator._load_service_model


def _load_service_model(self: ClientCreator, service_name: str, api_version: str | None = None) -> Any:
    """One ServiceModel per service for soc2ctl's clients: its cached properties (operation models, the
    endpoint-discovery scan over every operation) are then computed once, not once per client."""
    if not getattr(self._event_emitter, _MARK, False):
        return _original_load_model(self, service_name, api_version)
    key = (service_name, api_version)
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key) or _original_load_model(self, service_name, api_version)
            _models[key] = model
    return model


def _create_client_class(self: ClientCreator, service_name: str, service_model: Any) -> type:
    if not getattr(self._event_emitter, _MARK, False):
        return _original(self, service_name, service_model)
    key = (service_name, service_model.api_version)
    cls = _cache.get(key)
    if cls is None:
        with _lock:
            cls = _cache.get(key) or _original(self, service_name, service_model)
            _cache[key] = cls
    return cls


def install() -> None:
    """Idempotent: route class creation through the cache (for marked emitters only)."""
    ClientCreator._create_client_class = _create_client_class  # type: ignore[method-assign]
    ClientCreator._load_service_model = _load_service_model  # type: ignore[method-assign]


def mark(session: Any) -> None:
    setattr(session.get_component("event_emitter"), _MARK, True)
