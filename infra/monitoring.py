"""Alarms, all sent to the stage's alarm topic (e-mail to the address in SSM).

What pages someone: a function failing or throttled, a message in any dead-letter queue (a
job, a stream batch or a schedule gave up), the API answering 5xx, the search cluster red,
yellow (when it has replicas to place), short of disk, blocking writes or under memory
pressure. Thresholds favour "tell me once it matters": errors and dead letters alarm from the
first occurrence, pressure metrics after 15 minutes.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stages import SearchCluster

FIVE_MINUTES = cdk.Duration.minutes(5)
ONE_MINUTE = cdk.Duration.minutes(1)


class Alarms(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)

    def _alarm(
        self,
        construct_id: str,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=name,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        return alarm

    def function(self, construct_id: str, function_name: str) -> None:
        """Errors and throttles of one Lambda function (by name: works for the Chalice API
        function too, which the stack only knows through the included template)."""
        for metric_name, what in (("Errors", "failed"), ("Throttles", "was throttled")):
            metric = cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name=metric_name,
                dimensions_map={"FunctionName": function_name},
                statistic=cloudwatch.Stats.SUM,
                period=FIVE_MINUTES,
            )
            self._alarm(
                f"{construct_id}{metric_name}",
                f"{function_name}-{metric_name.lower()}",
                f"Lambda function {function_name} {what} in the last 5 minutes",
                metric,
                threshold=1,
            )

    def dead_letters(self, construct_id: str, queue: sqs.IQueue, name: str, what: str) -> None:
        metric = queue.metric_approximate_number_of_messages_visible(
            period=FIVE_MINUTES, statistic=cloudwatch.Stats.MAXIMUM
        )
        self._alarm(
            construct_id,
            f"{name}-not-empty",
            f"Dead letters in {name}: {what}. Inspect, fix, then redrive.",
            metric,
            threshold=1,
        )

    def api(self, construct_id: str, api_name: str, stage_name: str) -> None:
        metric = cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            dimensions_map={"ApiName": api_name, "Stage": stage_name},
            statistic=cloudwatch.Stats.SUM,
            period=FIVE_MINUTES,
        )
        self._alarm(
            f"{construct_id}5xx",
            f"{api_name}-5xx",
            f"API {api_name} answered 5xx (never expected: domain errors are 4xx)",
            metric,
            threshold=1,
        )

    def search(
        self, construct_id: str, domain_name: str, account: str, cluster: SearchCluster
    ) -> None:
        def metric(name: str, statistic: str, period: cdk.Duration) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/ES",
                metric_name=name,
                dimensions_map={"DomainName": domain_name, "ClientId": account},
                statistic=statistic,
                period=period,
            )

        maximum = cloudwatch.Stats.MAXIMUM
        self._alarm(
            f"{construct_id}Red",
            f"{domain_name}-search-red",
            "OpenSearch cluster red: a primary shard is unassigned (search falls back to "
            "DynamoDB; reindex once the cluster recovers)",
            metric("ClusterStatus.red", maximum, ONE_MINUTE),
            threshold=1,
        )
        if cluster.data_nodes > 1:
            # A single node can never place replicas: yellow is its normal state.
            self._alarm(
                f"{construct_id}Yellow",
                f"{domain_name}-search-yellow",
                "OpenSearch cluster yellow for 15 minutes: replicas unassigned",
                metric("ClusterStatus.yellow", maximum, FIVE_MINUTES),
                threshold=1,
                periods=3,
            )
        self._alarm(
            f"{construct_id}WritesBlocked",
            f"{domain_name}-search-writes-blocked",
            "OpenSearch blocks writes (disk or memory): the indexer cannot keep up",
            metric("ClusterIndexWritesBlocked", maximum, FIVE_MINUTES),
            threshold=1,
        )
        # FreeStorageSpace is in megabytes, per node (Minimum: the fullest node).
        self._alarm(
            f"{construct_id}FreeStorage",
            f"{domain_name}-search-free-storage",
            "OpenSearch: less than 20% of a node's disk left",
            metric("FreeStorageSpace", cloudwatch.Stats.MINIMUM, FIVE_MINUTES),
            threshold=cluster.volume_gb * 1024 * 0.2,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        )
        self._alarm(
            f"{construct_id}JvmPressure",
            f"{domain_name}-search-jvm-pressure",
            "OpenSearch JVM memory pressure above 85% for 15 minutes",
            metric("JVMMemoryPressure", maximum, FIVE_MINUTES),
            threshold=85,
            periods=3,
        )
        self._alarm(
            f"{construct_id}Cpu",
            f"{domain_name}-search-cpu",
            "OpenSearch CPU above 80% for 15 minutes",
            metric("CPUUtilization", cloudwatch.Stats.AVERAGE, FIVE_MINUTES),
            threshold=80,
            periods=3,
        )
