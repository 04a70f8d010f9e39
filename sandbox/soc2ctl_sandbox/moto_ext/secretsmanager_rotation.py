"""Secrets Manager: RotateSecret with a rotation function invokes it through moto's Lambda, which needs
Docker. Here the function must exist (as AWS checks) but is not run: the rotation configuration (function,
schedule, RotationEnabled) is recorded, as after a successful `testSecret` step (RotateImmediately false)
or a completed rotation."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.awslambda.utils import get_backend
    from moto.secretsmanager.exceptions import ResourceNotFoundException
    from moto.secretsmanager.models import SecretsManagerBackend

    original = SecretsManagerBackend.rotate_secret

    def rotate_secret(self: Any, secret_id: str, **kwargs: Any) -> str:
        function = kwargs.pop("rotation_lambda_arn", None)
        if function:
            try:
                get_backend(self.account_id, self.region_name).get_function(function)
            except Exception:
                raise ResourceNotFoundException(f"Resource not found for ARN '{function}'.") from None
        result = original(self, secret_id, **kwargs)
        if function:
            secret = self.secrets[secret_id]
            secret.rotation_lambda_arn = function
        return result

    SecretsManagerBackend.rotate_secret = rotate_secret
