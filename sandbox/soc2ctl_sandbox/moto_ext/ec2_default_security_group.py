"""EC2: the default security group of a VPC allows all inbound traffic from itself, as in AWS.

AWS creates every VPC's default security group with two rules: all inbound from the group itself and all
outbound to 0.0.0.0/0. moto creates only the outbound one, so a module that closes default groups would
never meet the self-referencing rule (a `UserIdGroupPairs` permission) that it must revoke in real AWS.
"""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.ec2.models.security_groups import SecurityGroupBackend, SecurityGroupRule

    original = SecurityGroupBackend.create_security_group

    def create_security_group(self: Any, name: str, description: str, *args: Any, **kwargs: Any) -> Any:
        group = original(self, name, description, *args, **kwargs)
        if group.is_default and group.vpc_id and not group.ingress_rules:
            itself = {"GroupId": group.id, "UserId": self.account_id, "OwnerId": self.account_id}
            group.add_ingress_rule(
                SecurityGroupRule(self, "-1", group.id, None, None, None, itself, is_egress=False)
            )
        return group

    SecurityGroupBackend.create_security_group = create_security_group
