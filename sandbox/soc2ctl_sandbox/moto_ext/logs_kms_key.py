"""CloudWatch Logs: AssociateKmsKey and DisassociateKmsKey are not implemented (CreateLogGroup's kmsKeyId
is kept and described). Both added; the key must be a KMS key ARN, as AWS requires."""

from __future__ import annotations

import re
from typing import Any

KEY_ARN = re.compile(r"^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


def apply() -> None:
    from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
    from moto.logs.responses import LogsResponse

    def _group(self: Any) -> Any:
        name = self._get_param("logGroupName")
        group = self.logs_backend.groups.get(name)
        if group is None:
            raise ResourceNotFoundException("The specified log group does not exist.")
        return group

    def associate_kms_key(self: Any) -> str:
        key = self._get_param("kmsKeyId") or ""
        if not KEY_ARN.match(key):
            raise InvalidParameterException(msg=f"Specified KMS key ARN is invalid: {key}")
        _group(self).kms_key_id = key
        return ""

    def disassociate_kms_key(self: Any) -> str:
        _group(self).kms_key_id = None
        return ""

    LogsResponse.associate_kms_key = associate_kms_key
    LogsResponse.disassociate_kms_key = disassociate_kms_key
