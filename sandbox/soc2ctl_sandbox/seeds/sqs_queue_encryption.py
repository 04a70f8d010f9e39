from soc2ctl_sandbox.data_seeds import drifted_here
from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    """compliant: a jobs queue with SSE-SQS (the default of a new queue); drifted: the same, plus a queue
    with encryption turned off in us-east-1; fresh: no queues."""
    if ctx.posture == "fresh":
        return
    sqs = ctx.client("sqs")
    sqs.create_queue(QueueName="jobs")
    if drifted_here(ctx):
        sqs.create_queue(QueueName="legacy-jobs", Attributes={"SqsManagedSseEnabled": "false"})
