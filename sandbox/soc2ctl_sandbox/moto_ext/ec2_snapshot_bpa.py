"""EC2: snapshot block public access (Get/Enable/DisableSnapshotBlockPublicAccess), missing from moto.

AWS keeps one state per account and region, `unblocked` until someone enables it; it lives here as an
attribute of the (per account and region) EC2 backend, so a moto reset clears it like any other state.
"""

from __future__ import annotations

from typing import Any

_ENABLE_STATES = ("block-all-sharing", "block-new-sharing")


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidParameterValueError
    from moto.ec2.responses.settings import Settings

    def state_of(backend: Any) -> str:
        return getattr(backend, "snapshot_block_public_access_state", "unblocked")

    def get_snapshot_block_public_access_state(self: Any) -> ActionResult:
        return ActionResult({"State": state_of(self.ec2_backend)})

    def enable_snapshot_block_public_access(self: Any) -> ActionResult:
        state = self._get_param("State")
        if state not in _ENABLE_STATES:  # AWS refuses `unblocked` here: that is what Disable is for
            raise InvalidParameterValueError(state)
        self.error_on_dryrun()
        self.ec2_backend.snapshot_block_public_access_state = state
        return ActionResult({"State": state})

    def disable_snapshot_block_public_access(self: Any) -> ActionResult:
        self.error_on_dryrun()
        self.ec2_backend.snapshot_block_public_access_state = "unblocked"
        return ActionResult({"State": "unblocked"})

    Settings.get_snapshot_block_public_access_state = get_snapshot_block_public_access_state
    Settings.enable_snapshot_block_public_access = enable_snapshot_block_public_access
    Settings.disable_snapshot_block_public_access = disable_snapshot_block_public_access
