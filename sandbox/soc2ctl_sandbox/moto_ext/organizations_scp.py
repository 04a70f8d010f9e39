"""Organizations: attaching and detaching policies fails as in AWS.

moto 5.2 attaches a policy whose type is not enabled on the root (AWS: PolicyTypeNotEnabledException),
attaches the same policy to the same target twice without complaint (AWS:
DuplicatePolicyAttachmentException), and detaches a policy that is not attached (AWS:
PolicyNotAttachedException). A module that forgot to enable SCPs, or re-attached on every run, would pass
its tests against moto and fail against AWS. Patched at the HTTP response layer, so moto's own
`create_organization` (which attaches FullAWSAccess internally) is untouched.
"""

from __future__ import annotations

from typing import Any


def _error(code: str, message: str) -> Exception:
    from moto.organizations.exceptions import OrganizationsClientError

    return OrganizationsClientError(code, message)


def _target(backend: Any, target_id: str) -> Any:
    """The root, OU or account object, or None (moto's own handler then reports the missing target)."""
    return next((o for o in [*backend.ou, *backend.accounts] if o.id == target_id), None)


def _root(backend: Any) -> Any:
    return next((o for o in backend.ou if getattr(o, "type", None) == "ROOT"), None)


def _check_attach(backend: Any, params: dict[str, Any]) -> None:
    policy = backend.get_policy_by_id(params.get("PolicyId", ""))
    root, target = _root(backend), _target(backend, params.get("TargetId", ""))
    enabled = root is not None and any(
        t["Type"] == policy.type and t["Status"] == "ENABLED" for t in root.policy_types
    )
    if not enabled:
        raise _error(
            "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types."
        )
    if target is not None and policy in target.attached_policies:
        raise _error(
            "DuplicatePolicyAttachmentException",
            "The selected policy is already attached to the specified target.",
        )


def _check_detach(backend: Any, params: dict[str, Any]) -> None:
    policy = backend.get_policy_by_id(params.get("PolicyId", ""))
    target = _target(backend, params.get("TargetId", ""))
    if target is not None and policy not in target.attached_policies:
        raise _error("PolicyNotAttachedException", "The policy isn't attached to the specified target.")


def apply() -> None:
    from moto.organizations.responses import OrganizationsResponse

    original_attach = OrganizationsResponse.attach_policy
    original_detach = OrganizationsResponse.detach_policy

    def attach_policy(self: Any) -> str:
        _check_attach(self.organizations_backend, self.request_params)
        return original_attach(self)

    def detach_policy(self: Any) -> str:
        _check_detach(self.organizations_backend, self.request_params)
        return original_detach(self)

    OrganizationsResponse.attach_policy = attach_policy
    OrganizationsResponse.detach_policy = detach_policy
