import io
import zipfile

from soc2ctl_sandbox.data_seeds import drifted_here
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"
FUNCTION = "soc2-rotate-secrets"


def rotation_function(ctx: SeedContext) -> str:
    """A rotation function in the account and region (moto keeps it; the sandbox never runs it)."""
    role = f"soc2-secrets-rotation-{ctx.region}"
    iam = ctx.client("iam")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("rotate.py", "def handler(event, context):\n    return None\n")
    return ctx.client("lambda").create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=arn["Role"]["Arn"], Handler="rotate.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]  # fmt: skip


def seed(ctx: SeedContext) -> None:
    """compliant: a database secret rotating every 30 days through the account's rotation function;
    drifted: the same, plus an API key that never rotates in us-east-1; fresh: no secrets."""
    if ctx.posture == "fresh":
        return
    secrets = ctx.client("secretsmanager")
    db = secrets.create_secret(Name="app/db", SecretString='{"password": "sandbox"}')["ARN"]
    secrets.rotate_secret(
        SecretId=db, RotationLambdaARN=rotation_function(ctx), RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )  # fmt: skip
    if drifted_here(ctx):
        secrets.create_secret(Name="app/api-key", SecretString="sandbox")
