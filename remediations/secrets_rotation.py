"""Automatic rotation for every Secrets Manager secret: detect, or enable with a named rotation function."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from remediations._aws import paginate
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext


class SecretsRotationParams(Params):
    rotation_lambda_arn: str | None = Field(
        default=None,
        pattern=r"^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$",
        description="Rotation function for secrets that do not rotate yet (same region); null: detect only.",
    )
    rotation_days: int = Field(default=30, ge=1, le=1000, description="Schedule set with the function.")


def skip_reason(secret: dict[str, Any], region: str) -> str | None:
    """Why rotation is not this control's to set on the secret; None for one it manages."""
    if secret.get("OwningService"):
        return f"managed by {secret['OwningService']}, which rotates it"
    if secret.get("PrimaryRegion") and secret["PrimaryRegion"] != region:
        return f"replica: rotation is set on the primary in {secret['PrimaryRegion']}"
    return None


class SecretsRotation(Remediation[SecretsRotationParams]):
    """Every Secrets Manager secret rotates automatically (enabled with the named rotation function)."""

    name = "secrets-rotation"
    scope = Scope.REGION
    # A rotation changes the credential: an application that caches it, or a function that does not fit the
    # secret's kind, breaks. The first rotation is left to the schedule (RotateImmediately false).
    risk = "high"
    criteria = ("CC6.1",)
    prowler_checks = ("secretsmanager_automatic_rotation_enabled",)
    config_rules = ("secretsmanager-rotation-enabled-check",)
    securityhub_controls = ("SecretsManager.1",)
    read_actions = ("secretsmanager:ListSecrets",)
    write_actions = ("secretsmanager:RotateSecret", "lambda:InvokeFunction")  # Secrets Manager invokes it
    detect_only = True
    human_step = (
        "Configure rotation for each listed secret (Secrets Manager console: Rotation, with a rotation "
        "function that fits the secret's kind), or name one function as rotation_lambda_arn."
    )

    def detects_only(self, params: SecretsRotationParams) -> bool:
        return not params.rotation_lambda_arn

    def read(self, ctx: TaskContext, params: SecretsRotationParams) -> dict[str, Any]:
        found = {}
        for secret in paginate(ctx.client("secretsmanager"), "list_secrets", "SecretList"):
            reason = skip_reason(secret, ctx.region)
            found[secret["ARN"]] = (
                {"skipped": reason}
                if reason
                else {
                    "rotation_enabled": bool(secret.get("RotationEnabled")),
                    "rotation_lambda_arn": secret.get("RotationLambdaARN"),
                }
            )
        return found

    def desired(self, ctx: TaskContext, params: SecretsRotationParams, observed: Any) -> dict[str, Any]:
        """Rotating secrets keep their own function and schedule; the others get the named function."""
        return {arn: {"rotation_enabled": True} for arn, state in observed.items() if "skipped" not in state}

    def apply(self, ctx: TaskContext, change: PlannedChange[SecretsRotationParams]) -> None:
        secrets = ctx.client("secretsmanager")
        for arn in change.changed_keys():
            secrets.rotate_secret(
                SecretId=arn,
                RotationLambdaARN=change.params.rotation_lambda_arn,
                RotationRules={"AutomaticallyAfterDays": change.params.rotation_days},
                RotateImmediately=False,
            )
