"""Deployed stages and what differs between them. Values here are not secrets: secrets and
per-account values (the on-call address, the mail domain) are read from SSM Parameter Store
at deploy time, by name (``/repere/<stage>/...``, docs/infra.md "Before the first deploy")."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SearchCluster:
    """The OpenSearch domain of a stage (docs/infra.md, "Costs at rest")."""

    instance_type: str
    data_nodes: int
    volume_gb: int
    availability_zones: int = 1
    engine_version: str = "OpenSearch_2.19"

    def __post_init__(self) -> None:
        if self.availability_zones not in (1, 2, 3):
            raise ValueError("availability_zones must be 1, 2 or 3")
        if self.availability_zones > 1 and self.data_nodes % self.availability_zones:
            raise ValueError("data_nodes must be a multiple of availability_zones")
        if not 10 <= self.volume_gb <= 1024:
            raise ValueError("volume_gb must be within 10..1024")


@dataclass(frozen=True)
class PartnerPlan:
    """Throttling and quota of the partner usage plan (requests with an API key)."""

    rate_per_second: float = 20
    burst: int = 40
    quota_per_day: int = 200_000


@dataclass(frozen=True)
class StageConfig:
    name: str
    production: bool
    """Production keeps data on stack deletion (RETAIN, deletion protection, termination
    protection) and requires MFA in the back office."""
    region: str = "eu-west-3"
    log_retention_days: int = 30
    log_level: str = "INFO"
    public_site_url: str = "https://repere.example.org"
    cors_origins: tuple[str, ...] = ()
    search: SearchCluster | None = None
    """None: no OpenSearch domain, the API searches DynamoDB (the embedded default)."""
    waf: bool = False
    api_rate_per_second: float = 200
    api_burst: int = 400
    partner_plan: PartnerPlan = field(default_factory=PartnerPlan)
    partners: tuple[str, ...] = ()
    """Partner API keys to create (names only; API Gateway generates the values)."""

    @property
    def prefix(self) -> str:
        """Prefix of every name: ``repere-<stage>`` (tables: ``repere-<stage>-places``)."""
        return f"repere-{self.name}"

    @property
    def stack_name(self) -> str:
        return self.prefix

    def parameter(self, name: str) -> str:
        """The SSM parameter ``/repere/<stage>/<name>`` (read at deploy time)."""
        return f"/repere/{self.name}/{name}"


STAGES: dict[str, StageConfig] = {
    "dev": StageConfig(
        name="dev",
        production=False,
        log_retention_days=14,
        public_site_url="https://dev.repere.example.org",
        cors_origins=("https://dev.repere.example.org", "http://localhost:3000"),
        # One small node: enough for the national directory (tens of thousands of places) at
        # development traffic; the API falls back to DynamoDB when it is slow or down.
        search=SearchCluster(instance_type="t3.small.search", data_nodes=1, volume_gb=10),
    ),
    "prod": StageConfig(
        name="prod",
        production=True,
        log_retention_days=90,
        public_site_url="https://repere.example.org",
        cors_origins=("https://repere.example.org",),
        # Three master-eligible data nodes in three zones: a zone can fail without losing
        # quorum or data (one replica per shard). Sized for a lockdown-size search spike.
        search=SearchCluster(
            instance_type="m6g.large.search", data_nodes=3, volume_gb=20, availability_zones=3
        ),
        waf=True,
        api_rate_per_second=1000,
        api_burst=2000,
    ),
}
