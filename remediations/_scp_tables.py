"""The guardrail statements scp_guardrails can write, and the global services a region allow-list spares."""

from __future__ import annotations

from typing import Literal

Guardrail = Literal[
    "leave-organization",
    "cloudtrail",
    "guardduty",
    "config",
    "securityhub",
    "access-analyzer",
    "ebs-default-encryption",
    "s3-public-access-block",
    "root-user",
]

# Guardrail -> (Sid, denied actions). `root-user` is built separately: it denies everything, to one principal.
DENIED_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "leave-organization": ("DenyLeaveOrganization", ("organizations:LeaveOrganization",)),
    "cloudtrail": ("ProtectCloudTrail", ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail")),
    "guardduty": (
        "ProtectGuardDuty",
        (
            "guardduty:DeleteDetector",
            "guardduty:UpdateDetector",
            "guardduty:DisassociateFromAdministratorAccount",
            "guardduty:DisassociateFromMasterAccount",
            "guardduty:DeleteMembers",
            "guardduty:DisassociateMembers",
            "guardduty:StopMonitoringMembers",
        ),
    ),
    "config": (
        "ProtectConfig",
        (
            "config:StopConfigurationRecorder",
            "config:DeleteConfigurationRecorder",
            "config:DeleteDeliveryChannel",
        ),
    ),
    "securityhub": (
        "ProtectSecurityHub",
        (
            "securityhub:DisableSecurityHub",
            "securityhub:BatchDisableStandards",
            "securityhub:DisassociateFromAdministratorAccount",
            "securityhub:DisassociateFromMasterAccount",
            "securityhub:DeleteMembers",
            "securityhub:DisassociateMembers",
        ),
    ),
    "access-analyzer": ("ProtectAccessAnalyzer", ("access-analyzer:DeleteAnalyzer",)),
    "ebs-default-encryption": ("ProtectEbsDefaultEncryption", ("ec2:DisableEbsEncryptionByDefault",)),
    # DeletePublicAccessBlock (account) is authorised by s3:PutAccountPublicAccessBlock too.
    "s3-public-access-block": ("ProtectS3AccountPublicAccessBlock", ("s3:PutAccountPublicAccessBlock",)),
}

# Global services, called through us-east-1 whatever region a person works in: a region allow-list that
# denied them would break IAM, billing and support everywhere.
GLOBAL_SERVICE_ACTIONS = (
    "account:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "cloudfront:*",
    "cur:*",
    "ec2:DescribeRegions",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "s3:PutAccountPublicAccessBlock",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf:*",
    "wafv2:*",
)
