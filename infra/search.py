"""The OpenSearch domain of a stage (docs/opensearch.md, docs/infra.md "Search").

Public endpoint (no VPC: the functions reach it without NAT gateways or VPC endpoints), with:

- fine-grained access control, its master user an IAM role of the stack (never a password);
- a resource policy naming the roles that may call it, with their HTTP methods;
- SigV4 on every request, HTTPS only (TLS 1.2+), node-to-node encryption, encryption at rest;
- slow search, slow index and application logs in CloudWatch Logs;
- a custom resource mapping the functions' roles to OpenSearch security roles
  (infra/custom/opensearch_security.py): ``read`` searches, ``write`` indexes and swaps aliases,
  both limited to the places indexes.

Built with the L1 ``CfnDomain``: the L2 construct applies access policies and log permissions
through extra Lambda-backed custom resources, which this stack does not need (the domain name is
fixed, so the policy can name the domain's ARN without referring to the domain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from constructs import Construct

from chalicelib.config import Settings
from infra import nag
from infra.permissions import SEARCH_ACTIONS, Statement
from infra.permissions import logs as log_statement
from infra.stages import SearchCluster

CUSTOM_CODE = Path(__file__).resolve().parent / "custom"
SECURITY_ROLES = {
    "read": ("repere_search_read", ("cluster_composite_ops_ro",), ("read",)),
    "write": (
        "repere_search_write",
        ("cluster_composite_ops", "cluster_monitor"),
        ("indices_all",),
    ),
}
"""Access level → (OpenSearch security role, cluster permissions, index action groups)."""

TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"


class SearchDomain(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        cluster: SearchCluster,
        log_retention: logs.RetentionDays,
        removal_policy: cdk.RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.domain_name = domain_name
        self.cluster = cluster
        self.domain_arn = stack.format_arn(
            service="es", resource="domain", resource_name=domain_name
        )
        self.index_pattern = f"{Settings().opensearch_alias}*"

        self.admin_role = iam.Role(
            self,
            "AdminRole",
            description=f"OpenSearch master user of {domain_name} (security bootstrap)",
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("lambda.amazonaws.com"), iam.AccountRootPrincipal()
            ),
        )

        log_groups = {
            kind: logs.LogGroup(
                self,
                f"{kind.title().replace('_', '')}Logs",
                log_group_name=f"/aws/opensearch/{domain_name}/{kind.lower().replace('_', '-')}",
                retention=log_retention,
                removal_policy=removal_policy,
            )
            for kind in ("SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "ES_APPLICATION_LOGS")
        }
        log_policy = logs.CfnResourcePolicy(
            self,
            "LogsPolicy",
            policy_name=f"{domain_name}-opensearch-logs",
            policy_document=stack.to_json_string(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "es.amazonaws.com"},
                            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                            "Resource": [group.log_group_arn for group in log_groups.values()],
                            "Condition": {"StringEquals": {"aws:SourceAccount": stack.account}},
                        }
                    ],
                }
            ),
        )

        zone_aware = cluster.availability_zones > 1
        self.domain = opensearch.CfnDomain(
            self,
            "Domain",
            domain_name=domain_name,
            engine_version=cluster.engine_version,
            cluster_config=opensearch.CfnDomain.ClusterConfigProperty(
                instance_type=cluster.instance_type,
                instance_count=cluster.data_nodes,
                dedicated_master_enabled=False,
                zone_awareness_enabled=zone_aware,
                zone_awareness_config=(
                    opensearch.CfnDomain.ZoneAwarenessConfigProperty(
                        availability_zone_count=cluster.availability_zones
                    )
                    if zone_aware
                    else None
                ),
            ),
            ebs_options=opensearch.CfnDomain.EBSOptionsProperty(
                ebs_enabled=True, volume_type="gp3", volume_size=cluster.volume_gb
            ),
            encryption_at_rest_options=opensearch.CfnDomain.EncryptionAtRestOptionsProperty(
                enabled=True
            ),
            node_to_node_encryption_options=(
                opensearch.CfnDomain.NodeToNodeEncryptionOptionsProperty(enabled=True)
            ),
            domain_endpoint_options=opensearch.CfnDomain.DomainEndpointOptionsProperty(
                enforce_https=True, tls_security_policy=TLS_POLICY
            ),
            advanced_security_options=opensearch.CfnDomain.AdvancedSecurityOptionsInputProperty(
                enabled=True,
                internal_user_database_enabled=False,
                anonymous_auth_enabled=False,
                master_user_options=opensearch.CfnDomain.MasterUserOptionsProperty(
                    master_user_arn=self.admin_role.role_arn
                ),
            ),
            log_publishing_options={
                kind: opensearch.CfnDomain.LogPublishingOptionProperty(
                    cloud_watch_logs_log_group_arn=group.log_group_arn, enabled=True
                )
                for kind, group in log_groups.items()
            },
            software_update_options=opensearch.CfnDomain.SoftwareUpdateOptionsProperty(
                auto_software_update_enabled=True
            ),
        )
        self.domain.apply_removal_policy(removal_policy)
        self.domain.add_resource_dependency(log_policy)
        self.endpoint = self.domain.attr_domain_endpoint
        self._principals: dict[str, list[iam.IRole]] = {"read": [], "write": []}

        nag.acknowledge(
            self.domain,
            "AwsSolutions-OS1",
            "Public endpoint on purpose: Lambda functions outside a VPC reach it without NAT "
            "gateways or VPC endpoints; every request is SigV4-signed by a role the resource "
            "policy names, and fine-grained access control maps each role to its indexes",
        )
        nag.acknowledge(
            self.domain,
            "AwsSolutions-OS3",
            "Callers are Lambda functions with changing addresses: access is restricted by "
            "IAM principal (resource policy + SigV4), not by IP address",
        )
        nag.acknowledge(
            self.domain,
            "AwsSolutions-OS4",
            "No dedicated master nodes: the domain holds a rebuildable projection of DynamoDB "
            "(reindex) and the API falls back to DynamoDB; production runs three master-"
            "eligible data nodes in three zones, which keeps a quorum without extra nodes",
        )
        if not zone_aware:
            nag.acknowledge(
                self.domain,
                "AwsSolutions-OS7",
                "Single-node development domain: zone awareness needs two nodes or more; "
                "production runs three zones",
            )

    def grant(self, role: iam.IRole, verb: str) -> None:
        """Let ``role`` call the domain (resource policy) and map it in OpenSearch security."""
        self._principals["write" if verb == "write" else "read"].append(role)

    def finish(self, log_group_name: str) -> None:
        """Write the resource policy and the security mapping once every role is granted."""
        statements: list[dict[str, object]] = []
        for verb, roles in self._principals.items():
            if roles:
                statements.append(
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": [role.role_arn for role in roles]},
                        "Action": list(SEARCH_ACTIONS[verb]),
                        "Resource": f"{self.domain_arn}/*",
                    }
                )
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"AWS": [self.admin_role.role_arn]},
                "Action": list(SEARCH_ACTIONS["write"]),
                "Resource": f"{self.domain_arn}/*",
            }
        )
        self.domain.access_policies = {"Version": "2012-10-17", "Statement": statements}
        self._security_mapping(log_group_name)

    def _security_mapping(self, log_group_name: str) -> None:
        stack = cdk.Stack.of(self)
        log_group = logs.LogGroup(
            self,
            "SecurityLogs",
            log_group_name=log_group_name,
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        statements: Sequence[Statement] = (
            log_statement(
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=f"{log_group_name}:*",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ),
            Statement(
                "SecurityApi",
                ("es:ESHttpGet", "es:ESHttpPut"),
                (f"{self.domain_arn}/_plugins/_security/api/*",),
                wildcard_reason="the security API paths of this domain's roles and mappings",
            ),
        )
        policy = iam.Policy(
            self,
            "AdminPolicy",
            statements=[
                iam.PolicyStatement(
                    sid=statement.sid,
                    actions=list(statement.actions),
                    resources=list(statement.resources),
                )
                for statement in statements
            ],
        )
        policy.attach_to_role(self.admin_role)
        nag.acknowledge_wildcards(policy, statements)

        function = lambda_.Function(
            self,
            "SecurityFunction",
            description="Maps the stack's IAM roles to OpenSearch security roles",
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler="opensearch_security.handler",
            code=lambda_.Code.from_asset(str(CUSTOM_CODE), exclude=["__pycache__", "*.pyc"]),
            role=self.admin_role,
            timeout=cdk.Duration.minutes(2),
            memory_size=256,
            log_group=log_group,
        )
        nag.acknowledge(
            function,
            "AwsSolutions-L1",
            "Python 3.11 on purpose: the runtime the whole project targets and tests "
            "(pyproject.toml requires-python)",
        )
        roles: Mapping[str, object] = {
            name: {
                "ClusterPermissions": list(cluster_permissions),
                "IndexPatterns": [self.index_pattern],
                "IndexActions": list(index_actions),
                "BackendRoles": [role.role_arn for role in self._principals[verb]],
            }
            for verb, (name, cluster_permissions, index_actions) in SECURITY_ROLES.items()
        }
        mapping = cdk.CustomResource(
            self,
            "SecurityMapping",
            service_token=function.function_arn,
            resource_type="Custom::OpenSearchSecurity",
            properties={"Endpoint": self.endpoint, "Roles": roles},
        )
        mapping.node.add_dependency(policy)  # the function calls the domain with it
