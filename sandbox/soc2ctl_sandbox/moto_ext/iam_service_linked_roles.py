"""IAM: CreateServiceLinkedRole names the roles of Config and Backup as AWS does.

moto derives the name from the service principal without capitalising it (`AWSServiceRoleForconfig`); AWS
names it `AWSServiceRoleForConfig` (and `AWSServiceRoleForBackup`), the names a recorder's role ARN uses.
"""

from __future__ import annotations


def apply() -> None:
    from moto.iam import models

    models.SERVICE_NAME_CONVERSION.setdefault("config", "Config")
    models.SERVICE_NAME_CONVERSION.setdefault("backup", "Backup")
