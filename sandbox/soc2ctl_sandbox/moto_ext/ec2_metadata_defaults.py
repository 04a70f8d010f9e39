"""EC2: account-level instance metadata defaults (Get/ModifyInstanceMetadataDefaults), missing from moto.

AWS keeps one set of defaults per account and region, empty until someone sets one; it lives here as an
attribute of the (per account and region) EC2 backend, so a moto reset clears it like any other state.
"""

from __future__ import annotations

from typing import Any

_FIELDS = ("HttpTokens", "HttpPutResponseHopLimit", "HttpEndpoint", "InstanceMetadataTags")
_HTTP_TOKENS = ("optional", "required", "no-preference")


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidParameterValueError
    from moto.ec2.responses.settings import Settings

    def defaults_of(backend: Any) -> dict[str, Any]:
        if not hasattr(backend, "instance_metadata_defaults"):
            backend.instance_metadata_defaults = {}
        return backend.instance_metadata_defaults

    def get_instance_metadata_defaults(self: Any) -> ActionResult:
        return ActionResult({"AccountLevel": dict(defaults_of(self.ec2_backend))})

    def modify_instance_metadata_defaults(self: Any) -> ActionResult:
        tokens = self._get_param("HttpTokens")
        if tokens is not None and tokens not in _HTTP_TOKENS:
            raise InvalidParameterValueError(tokens)
        self.error_on_dryrun()
        defaults = defaults_of(self.ec2_backend)
        for field in _FIELDS:
            value = self._get_param(field)
            if value is not None:
                defaults[field] = int(value) if field == "HttpPutResponseHopLimit" else value
        return ActionResult({"Return": True})

    Settings.get_instance_metadata_defaults = get_instance_metadata_defaults
    Settings.modify_instance_metadata_defaults = modify_instance_metadata_defaults
