"""CloudFormation: moto's AWS::IAM::Role stores an inline policy (`Policies`) as Python's repr of the document
(`{'Version': ...}`), which GetRolePolicy then returns as text no JSON parser reads; AWS stores the JSON.

Without this, a role the deploy template creates (org-cloudtrail's CloudWatch Logs delivery role) could not
be read back by the module that checks it.
"""

from __future__ import annotations

import json
from typing import Any


def apply() -> None:
    from moto.iam.models import Role

    original = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_role(
        cls: Any,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Policies"] = [
            {
                **p,
                "PolicyDocument": p["PolicyDocument"]
                if isinstance(p["PolicyDocument"], str)
                else json.dumps(p["PolicyDocument"]),
            }
            for p in properties.get("Policies", [])
        ]
        fixed = {**cloudformation_json, "Properties": properties}
        return original(cls, resource_name, fixed, account_id, region_name, **kwargs)

    Role.create_from_cloudformation_json = classmethod(create_role)  # type: ignore[method-assign,assignment]
