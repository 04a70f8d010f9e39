"""Logging on every API Gateway stage: REST APIs (execution and access logs) and HTTP/WebSocket APIs
(access logs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from remediations._aws import paginate
from remediations._edge import regional_arn
from soc2ctl.remediation import Params, PlannedChange, Remediation, Scope, TaskContext

ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime",'
    '"httpMethod":"$context.httpMethod","path":"$context.path","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength"}'
)


class ApiGatewayLoggingParams(Params):
    access_log_destination: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="CloudWatch Logs group name (in the stage's account and region) or ARN for access logs; "
        "null: detect only.",
    )
    access_log_format: str = Field(default=ACCESS_LOG_FORMAT, min_length=1)
    execution_logging_level: Literal["ERROR", "INFO"] = "ERROR"


class ApiGatewayLogging(Remediation[ApiGatewayLoggingParams]):
    """Every REST API stage has execution logging (any level but OFF) and access logging; every HTTP and
    WebSocket API stage has access logging (fix when a destination log group is named).

    Stages are keyed by their ARN (`.../restapis/<id>/stages/<name>`, `.../apis/<id>/stages/<name>`).
    Existing log levels and destinations are kept. REST execution logging needs the account's API Gateway
    CloudWatch Logs role (API Gateway settings) to be set: AWS refuses the change without it."""

    name = "apigateway-logging"
    scope = Scope.REGION
    risk = "low"  # adds logging (cost); requests are untouched
    criteria = ("CC7.2", "CC7.3", "PI1.2")
    prowler_checks = ("apigateway_restapi_logging_enabled", "apigatewayv2_api_access_logging_enabled")
    config_rules = ("api-gw-execution-logging-enabled",)
    securityhub_controls = ("APIGateway.1", "APIGateway.9")
    read_actions = ("apigateway:GET",)
    write_actions = (
        "apigateway:PATCH",
        # API Gateway sets up access-log delivery to CloudWatch Logs as the caller (HTTP/WebSocket APIs); the
        # account's Logs resource policy must already admit delivery.logs.amazonaws.com (no resource-policy
        # writes on `*` for soc2ctl, tests/test_least_privilege.py)
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:ListLogDeliveries",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    )
    detect_only = True
    human_step = "Name an access log group (access_log_destination) or turn stage logging on per API."

    def detects_only(self, params: ApiGatewayLoggingParams) -> bool:
        return params.access_log_destination is None

    def read(self, ctx: TaskContext, params: ApiGatewayLoggingParams) -> dict[str, Any]:
        rest, v2 = ctx.client("apigateway"), ctx.client("apigatewayv2")
        found: dict[str, Any] = {}
        for api in paginate(rest, "get_rest_apis", "items"):
            for stage in rest.get_stages(restApiId=api["id"]).get("item", []):
                levels = {s.get("loggingLevel", "OFF") for s in stage.get("methodSettings", {}).values()}
                found[
                    regional_arn(ctx, "apigateway", f"/restapis/{api['id']}/stages/{stage['stageName']}")
                ] = {
                    "execution_logging": bool(levels - {"OFF"}),
                    "access_logging": bool(stage.get("accessLogSettings", {}).get("destinationArn")),
                }
        for api in paginate(v2, "get_apis", "Items"):
            for stage in paginate(v2, "get_stages", "Items", ApiId=api["ApiId"]):
                found[
                    regional_arn(ctx, "apigateway", f"/apis/{api['ApiId']}/stages/{stage['StageName']}")
                ] = {"access_logging": bool(stage.get("AccessLogSettings", {}).get("DestinationArn"))}
        return found

    def desired(self, ctx: TaskContext, params: ApiGatewayLoggingParams, observed: Any) -> dict[str, Any]:
        return {key: dict.fromkeys(state, True) for key, state in observed.items()}

    def apply(self, ctx: TaskContext, change: PlannedChange[ApiGatewayLoggingParams]) -> None:
        params = change.params
        destination = str(params.access_log_destination)
        if not destination.startswith("arn:"):
            destination = ctx.arn("logs", f"log-group:{destination}")
        for key in change.changed_keys():
            have = change.observed[key]
            api_id, stage = key.split("/")[-3], key.split("/")[-1]
            if "/restapis/" in key:
                ops = []
                if not have["execution_logging"]:
                    ops.append(
                        {
                            "op": "replace",
                            "path": "/*/*/logging/loglevel",
                            "value": params.execution_logging_level,
                        }
                    )
                if not have["access_logging"]:
                    ops.append(
                        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": destination}
                    )
                    ops.append(
                        {
                            "op": "replace",
                            "path": "/accessLogSettings/format",
                            "value": params.access_log_format,
                        }
                    )
                ctx.client("apigateway").update_stage(restApiId=api_id, stageName=stage, patchOperations=ops)
            else:
                settings = {"DestinationArn": destination, "Format": params.access_log_format}
                ctx.client("apigatewayv2").update_stage(
                    ApiId=api_id, StageName=stage, AccessLogSettings=settings
                )
