"""The API: the Chalice app through ``chalice.cdk.Chalice``, its Cognito user pool, its role,
logs, throttling, partner usage plan and (optionally) WAF.

Chalice packages ``app.py`` + ``chalicelib/`` (``chalice package``, stage config from
.chalice/config.json merged with what this module adds) and the SAM template is included in the
stack. The construct imports the app to package it, with the stage's environment: values that
are CDK tokens (bucket, queue URL, search endpoint, user pool ARN) cannot pass the app's
settings validation at that point, so packaging sees placeholders and the included template is
then overridden with the real values (``add_environment_variable``, the authorizer's
``providerARNs``). A test checks no placeholder survives.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_wafv2 as wafv2
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.api.auth import admin_authorizer
from chalicelib.config import Settings
from chalicelib.domain.auth import ROLES_BY_PRECEDENCE
from infra import gateway_responses, nag, permissions
from infra.bytecode import compile_app
from infra.stages import StageConfig

ROOT = Path(__file__).resolve().parents[1]
API_SOURCES = ("app.py", "chalicelib", ".chalice/config.json", "vendor")
API_FUNCTION = "APIHandler"
REST_API = "RestAPI"
PARTNER_PLAN_PARAMETER = "partner-usage-plan-id"
"""SSM parameter (``stage.parameter(...)``) holding the partner usage plan's id."""
PLACEHOLDER_POOL_ARN = "arn:aws:cognito-idp:eu-west-3:000000000000:userpool/eu-west-3_PACKAGING"
"""The user pool ARN the app is packaged with, replaced in the included template."""

GROUP_DESCRIPTIONS = {
    "admin": "Everything, everywhere",
    "territory_moderator": "Places of its departments (custom:departments)",
    "volunteer": "Drafts in its departments",
}

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "method": "$context.httpMethod",
        "path": "$context.resourcePath",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "responseLength": "$context.responseLength",
        "apiKeyId": "$context.identity.apiKeyId",
        "wafStatus": "$context.waf.status",
    },
    separators=(",", ":"),
)
"""Structured access log lines. No query string, no header, no user agent: they may carry
tokens or a person's search (the path is the route template, ``/places/{place_id}``)."""


def authorizer_name() -> str:
    """The name the app gives its Cognito authorizer (chalicelib/api/auth.py)."""
    settings = Settings(auth_mode="cognito", cognito_user_pool_arns=[PLACEHOLDER_POOL_ARN])
    authorizer = admin_authorizer(settings)
    if authorizer is None:
        raise RuntimeError("the app declares no Cognito authorizer in cognito mode")
    return str(authorizer.name)


@contextmanager
def _isolated_app_import(region: str) -> Iterator[None]:
    """Let ``chalice package`` import a fresh app with this stage's environment, then restore
    the process: it sets os.environ from the stage config and imports ``app``, which reads
    its settings once (a second stage would otherwise reuse the first one's app). Packaging
    needs a region (to name the API's endpoints), never credentials."""
    saved = dict(os.environ)
    os.environ["AWS_DEFAULT_REGION"] = region
    for name in [n for n in sys.modules if n == "app" or n.startswith("chalicelib")]:
        del sys.modules[name]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def api_source(bundle: bool, workdir: Path) -> Path:
    """The directory Chalice packages: a copy of the app, its modules compiled to bytecode.

    Lambda's code directory is read-only, so modules shipped without ``.pyc`` are compiled
    from source at every cold start (~50 ms for ``chalicelib`` here, bench/import_bench.py);
    the dependencies Chalice installs with pip already carry theirs. The bytecode is checked
    by nothing (``unchecked-hash``): a zip's timestamps would not match the sources', and
    the package is rebuilt from the sources anyway. Bundling copies requirements.txt too
    (Chalice installs it for Lambda). Checks leave it out, so packaging is offline and fast
    (the code asset is then incomplete: never deploy it)."""
    target = workdir / ("api-bundle" if bundle else "api-source")
    if target.exists():
        shutil.rmtree(target)
    sources = (*API_SOURCES, "requirements.txt") if bundle else API_SOURCES
    for name in sources:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    compile_app(target)
    return target


@dataclass
class ApiResources:
    chalice: Chalice
    function_name: str
    api_name: str
    stage_name: str
    user_pool: cognito.UserPool


def user_pool(scope: Construct, stage: StageConfig) -> cognito.UserPool:
    """The back-office accounts: one group per role, departments in ``custom:departments``
    (set by admins only: the app client cannot write it), no self sign-up."""
    removal = cdk.RemovalPolicy.RETAIN if stage.production else cdk.RemovalPolicy.DESTROY
    pool = cognito.UserPool(
        scope,
        "UserPool",
        user_pool_name=f"{stage.prefix}-backoffice",
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(email=True),
        auto_verify=cognito.AutoVerifiedAttrs(email=True),
        standard_attributes=cognito.StandardAttributes(
            email=cognito.StandardAttribute(required=True, mutable=True),
            fullname=cognito.StandardAttribute(required=False, mutable=True),
        ),
        custom_attributes={
            "departments": cognito.StringAttribute(min_len=0, max_len=2048, mutable=True)
        },
        mfa=cognito.Mfa.REQUIRED if stage.production else cognito.Mfa.OPTIONAL,
        mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
        password_policy=cognito.PasswordPolicy(
            min_length=12,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
            temp_password_validity=cdk.Duration.days(3),
        ),
        account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
        feature_plan=cognito.FeaturePlan.ESSENTIALS,
        deletion_protection=stage.production,
        removal_policy=removal,
    )
    for precedence, role in enumerate(ROLES_BY_PRECEDENCE):
        cognito.CfnUserPoolGroup(
            scope,
            f"Group{role.value.title().replace('_', '')}",
            user_pool_id=pool.user_pool_id,
            group_name=role.value,
            description=GROUP_DESCRIPTIONS.get(role.value, role.value),
            precedence=precedence,
        )
    pool.add_client(
        "BackOfficeClient",
        user_pool_client_name=f"{stage.prefix}-backoffice",
        auth_flows=cognito.AuthFlow(user_srp=True),
        generate_secret=False,
        prevent_user_existence_errors=True,
        enable_token_revocation=True,
        id_token_validity=cdk.Duration.hours(1),
        access_token_validity=cdk.Duration.hours(1),
        refresh_token_validity=cdk.Duration.days(30),
        read_attributes=cognito.ClientAttributes()
        .with_standard_attributes(email=True, email_verified=True, fullname=True)
        .with_custom_attributes("departments"),
        write_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
    )
    if not stage.production:
        nag.acknowledge(
            pool,
            "AwsSolutions-COG2",
            "Development pool: MFA is optional so test accounts can be scripted; production "
            "requires TOTP MFA",
        )
    nag.acknowledge(
        pool,
        "AwsSolutions-COG8",
        "Essentials tier: a few hundred back-office accounts, invited by admins (no self "
        "sign-up) and behind MFA in production; the Plus tier's threat protection is billed "
        "per active user and can be enabled per stage",
    )
    return pool


def build_api(
    stack: cdk.Stack,
    stage: StageConfig,
    *,
    source_dir: Path,
    role: iam.IRole,
    static_environment: Mapping[str, str],
    token_environment: Mapping[str, str],
    pool: cognito.UserPool,
    log_retention: logs.RetentionDays,
    removal_policy: cdk.RemovalPolicy,
) -> ApiResources:
    """The Chalice app as a SAM template in ``stack`` (whose id is the Chalice stage name)."""
    if stack.node.id != stage.name:
        raise ValueError("chalice.cdk.Chalice takes its stage from its scope: the stack's id")
    function_name = f"{stage.prefix}-api"
    api_name = f"{stage.prefix}-api"
    chalice_stage = _chalice_stage(stage.name)

    logs.LogGroup(
        stack,
        "ApiFunctionLogs",
        log_group_name=f"/aws/lambda/{function_name}",
        retention=log_retention,
        removal_policy=removal_policy,
    )
    access_logs = logs.LogGroup(
        stack,
        "ApiAccessLogs",
        log_group_name=f"/aws/apigateway/{api_name}",
        retention=log_retention,
        removal_policy=removal_policy,
    )

    environment = {
        **static_environment,
        "REPERE_COGNITO_USER_POOL_ARNS": PLACEHOLDER_POOL_ARN,
    }
    with _isolated_app_import(stage.region):
        chalice = Chalice(
            stack,
            "Api",
            source_dir=str(source_dir),
            stage_config={
                "manage_iam_role": False,
                "iam_role_arn": role.role_arn,
                "autogen_policy": False,
                "xray": True,
                "environment_variables": environment,
            },
        )

    function = chalice.get_resource(API_FUNCTION)
    function.add_property_override("FunctionName", function_name)
    for name, value in {
        **token_environment,
        "REPERE_COGNITO_USER_POOL_ARNS": pool.user_pool_arn,
    }.items():
        chalice.add_environment_variable(name, value, API_FUNCTION)

    rest_api = chalice.get_resource(REST_API)
    rest_api.add_property_override("Name", api_name)
    rest_api.add_property_override("TracingEnabled", True)
    rest_api.add_property_override(
        "AccessLogSetting",
        {"DestinationArn": access_logs.log_group_arn, "Format": ACCESS_LOG_FORMAT},
    )
    rest_api.add_property_override(
        "MethodSettings",
        [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": stage.api_rate_per_second,
                "ThrottlingBurstLimit": stage.api_burst,
                "MetricsEnabled": True,
                "LoggingLevel": "ERROR",
                "DataTraceEnabled": False,
            }
        ],
    )
    # API Gateway's own errors in the API's {code, message, field} envelope.
    rest_api.add_property_override(
        f"DefinitionBody.{gateway_responses.EXTENSION}", gateway_responses.gateway_responses()
    )
    rest_api.add_property_override(
        "DefinitionBody.securityDefinitions."
        f"{authorizer_name()}.x-amazon-apigateway-authorizer.providerARNs",
        [pool.user_pool_arn],
    )

    _account_logging_role(stack)
    # The stage is created by the SAM transform: ``RestAPI.Stage`` refers to it (and makes
    # what uses it wait for it).
    stage_ref = cdk.Fn.ref(f"{REST_API}.Stage")
    _partner_plan(stack, stage, rest_api.ref, stage_ref, role)
    if stage.waf:
        _web_acl(stack, stage, rest_api.ref, stage_ref)
    return ApiResources(chalice, function_name, api_name, chalice_stage, pool)


def _chalice_stage(stage: str) -> str:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stage_config = config.get("stages", {}).get(stage)
    if stage_config is None:
        raise ValueError(f".chalice/config.json has no stage {stage!r}")
    return str(stage_config.get("api_gateway_stage", config.get("api_gateway_stage", "api")))


def _account_logging_role(stack: cdk.Stack) -> None:
    """API Gateway writes access and execution logs through one role per account and region.
    Kept on stack deletion: another stage of the account may log through it."""
    role = iam.Role(
        stack,
        "ApiGatewayLogsRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
            )
        ],
    )
    role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    account = apigateway.CfnAccount(stack, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    nag.acknowledge(
        role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
        "The AWS managed policy API Gateway's account-level logging role is documented with; "
        "it only lets API Gateway write its own log groups",
    )


def _partner_plan(
    stack: cdk.Stack, stage: StageConfig, rest_api_id: str, api_stage: str, role: iam.IRole
) -> None:
    """Partner API users: one usage plan (throttle + daily quota). Keys issued through
    ``/admin/api-keys`` are registered in it by the API itself (docs/partners.md); the keys of
    ``stage.partners`` are made here, their values generated by API Gateway (read them with
    ``aws apigateway get-api-key --include-value``).

    The plan is created after the API's function (it names the deployed stage, which needs
    the function), so the function's environment cannot hold the plan's id without a cycle:
    the id goes into an SSM parameter whose name is static, and the API's grants on the plan
    are a separate policy attached to its role once the plan exists."""
    plan = stage.partner_plan
    usage_plan = apigateway.CfnUsagePlan(
        stack,
        "PartnerPlan",
        usage_plan_name=f"{stage.prefix}-partners",
        description="Partner API users: throttling and daily quota per key",
        api_stages=[apigateway.CfnUsagePlan.ApiStageProperty(api_id=rest_api_id, stage=api_stage)],
        throttle=apigateway.CfnUsagePlan.ThrottleSettingsProperty(
            rate_limit=plan.rate_per_second, burst_limit=plan.burst
        ),
        quota=apigateway.CfnUsagePlan.QuotaSettingsProperty(limit=plan.quota_per_day, period="DAY"),
    )
    _acknowledge_sam_reference(usage_plan)
    parameter_name = stage.parameter(PARTNER_PLAN_PARAMETER)
    parameter = ssm.StringParameter(
        stack,
        "PartnerUsagePlanId",
        parameter_name=parameter_name,
        string_value=usage_plan.ref,
        description="Id of the partner usage plan, where the API registers issued keys",
    )
    statements = permissions.partner_keys(
        stack.region, stack.partition, usage_plan.ref, parameter.parameter_arn
    )
    policy = iam.Policy(
        stack,
        "ApiPartnerKeysPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid=statement.sid,
                actions=list(statement.actions),
                resources=list(statement.resources),
            )
            for statement in statements
        ],
    )
    nag.acknowledge_wildcards(policy, statements)
    for partner in stage.partners:
        key = apigateway.CfnApiKey(
            stack,
            f"PartnerKey{partner.title().replace('-', '')}",
            name=f"{stage.prefix}-{partner}",
            description=f"Partner {partner}",
            enabled=True,
        )
        apigateway.CfnUsagePlanKey(
            stack,
            f"PartnerPlanKey{partner.title().replace('-', '')}",
            key_id=key.ref,
            key_type="API_KEY",
            usage_plan_id=usage_plan.ref,
        )


def _web_acl(stack: cdk.Stack, stage: StageConfig, rest_api_id: str, api_stage: str) -> None:
    def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=name
                )
            ),
            visibility_config=_visibility(name),
        )

    acl = wafv2.CfnWebACL(
        stack,
        "WebAcl",
        name=f"{stage.prefix}-api",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=_visibility(f"{stage.prefix}-api"),
        rules=[
            managed("AWSManagedRulesCommonRuleSet", 1),
            managed("AWSManagedRulesKnownBadInputsRuleSet", 2),
            managed("AWSManagedRulesAmazonIpReputationList", 3),
            wafv2.CfnWebACL.RuleProperty(
                name="per-ip-rate",
                priority=10,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=3000
                    )
                ),
                visibility_config=_visibility("per-ip-rate"),
            ),
        ],
    )
    association = wafv2.CfnWebACLAssociation(
        stack,
        "WebAclAssociation",
        web_acl_arn=acl.attr_arn,
        resource_arn=stack.format_arn(
            service="apigateway",
            account="",
            resource="/restapis",
            resource_name=f"{rest_api_id}/stages/{api_stage}",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        ),
    )
    _acknowledge_sam_reference(association)


def _acknowledge_sam_reference(construct: Construct) -> None:
    cdk.Validations.of(construct).acknowledge(
        cdk.Acknowledgment(
            id="CloudFormation-Validate::F1020",
            reason="RestAPI.Stage names the stage the SAM transform creates: CDK validates the "
            "template before the transform (cfn-lint, which applies it, checks the reference)",
        )
    )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )
