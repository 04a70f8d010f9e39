"""API Gateway (us-east-1): a REST API stage with execution and access logs, and an HTTP API stage with
access logs, per account; drifted: the HTTP API stage logs nothing and the REST stage has no access logs.
fresh: no APIs."""

from soc2ctl_sandbox.seed import SeedContext

SCOPE = "region"


def seed(ctx: SeedContext) -> None:
    if ctx.posture == "fresh" or ctx.region != "us-east-1":
        return
    drifted = ctx.posture == "drifted"
    group = ctx.arn("logs", "log-group:/soc2/api-access")
    rest = ctx.client("apigateway")
    api = rest.create_rest_api(name="soc2-orders")["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    rest.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    rest.create_stage(
        restApiId=api, stageName="prod", deploymentId=rest.create_deployment(restApiId=api)["id"]
    )
    ops = [{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}]
    if not drifted:
        ops.append({"op": "replace", "path": "/accessLogSettings/destinationArn", "value": group})
        ops.append({"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"})
    rest.update_stage(restApiId=api, stageName="prod", patchOperations=ops)
    http = ctx.client("apigatewayv2")
    http_api = http.create_api(Name="soc2-web", ProtocolType="HTTP")["ApiId"]
    logs = {} if drifted else {"AccessLogSettings": {"DestinationArn": group, "Format": "$context.requestId"}}
    http.create_stage(ApiId=http_api, StageName="$default", **logs)
