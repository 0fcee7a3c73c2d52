"""The CDK app's settings: `infra/config.yaml`, validated once."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CONFIG_FILE = Path(__file__).resolve().parent / "config.yaml"
ROUTE_KEY = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /\S*$")
# 网络安全法 art. 21: network logs are kept for at least six months.
MIN_LOG_DAYS = 180
# The retention periods CloudWatch Logs accepts from six months up (infra/stack.py maps them).
LOG_GROUP_DAYS = (180, 365, 400, 545, 731, 1096)
# The China regions (the aws-cn partition), operated by Sinnet (Beijing) and NWCD (Ningxia).
CHINA_REGIONS = ("cn-north-1", "cn-northwest-1")
# CloudFront security policies that refuse TLS 1.0 and 1.1 (viewer side).
TLS12_POLICIES = ("TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025")


def _log_group_days(days: int) -> int:
    if days not in LOG_GROUP_DAYS:
        raise ValueError(f"log retention must be one of {LOG_GROUP_DAYS} days")
    return days


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Auth(_Model):
    # Compared verbatim with the token's `iss`: kept as written (no URL normalisation).
    issuer: str = Field(pattern=r"^https://[^\s]+$")
    audience: list[str] = Field(min_length=1)


class Throttle(_Model):
    rate: float = Field(gt=0, description="steady-state requests per second")
    burst: int = Field(gt=0)


class Deployment(_Model):
    """Where the stack runs. A China region (cn-north-1 Beijing, cn-northwest-1 Ningxia) selects
    the aws-cn partition and the nearest equivalents of what CloudFront does not offer there
    (infra/target.py); any other region deploys to the global partition."""

    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")

    @property
    def partition(self) -> str:
        return "aws-cn" if self.region in CHINA_REGIONS else "aws"

    @property
    def china(self) -> bool:
        return self.partition == "aws-cn"


class Functions(_Model):
    memory_mb: int = Field(default=1024, ge=128, le=10240)
    timeout_seconds: int = Field(default=10, ge=1, le=900)
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    log_retention_days: int = Field(default=180, ge=MIN_LOG_DAYS)

    @field_validator("log_retention_days")
    @classmethod
    def _log_group_days(cls, v: int) -> int:
        return _log_group_days(v)

    reserved_concurrency: dict[str, int] = Field(default_factory=dict)


class Publish(_Model):
    """The site worker (routes.WORKERS 'site-publish'): scratch space for a full render."""

    ephemeral_storage_mb: int = Field(default=2048, ge=512, le=10240)


class Api(_Model):
    throttle: Throttle
    route_throttles: dict[str, Throttle] = Field(default_factory=dict)

    @field_validator("route_throttles")
    @classmethod
    def _route_keys(cls, v: dict[str, Throttle]) -> dict[str, Throttle]:
        bad = [k for k in v if not ROUTE_KEY.match(k)]
        if bad:
            raise ValueError(f"route keys must be 'METHOD /path': {bad}")
        return v


class Site(_Model):
    # The site's own name. In China CloudFront serves only an ICP-filed alternate domain name
    # (its *.cloudfront.cn name cannot serve content); TLS 1.2 as the minimum needs a certificate
    # of one's own everywhere (the default *.cloudfront.net certificate allows TLS 1.0).
    domain: str = Field(
        max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
    )
    # China: the ID of a certificate uploaded to IAM (CloudFront in China reads no ACM
    # certificates); global: the ARN of an ACM certificate in us-east-1.
    certificate: str
    minimum_tls: str = "TLSv1.2_2021"
    default_ttl_seconds: int = Field(default=3600, ge=0)
    data_ttl_seconds: int = Field(default=60, ge=0)
    data_paths: list[str] = Field(default_factory=lambda: ["data/*", "projects/*"])

    @field_validator("minimum_tls")
    @classmethod
    def _tls12(cls, v: str) -> str:
        if v not in TLS12_POLICIES:
            raise ValueError(f"site.minimum_tls must be one of {TLS12_POLICIES} (TLS 1.2 or later)")
        return v


class RateLimits(_Model):
    """Per-client request limits at the edge (WAF rate-based rules), per window: one signed-in
    client (its Authorization header) and one source address (a whole school may share one)."""

    window_seconds: int = Field(default=300)
    per_token: int = Field(default=1500, ge=10)
    per_ip: int = Field(default=20000, ge=10)

    @field_validator("window_seconds")
    @classmethod
    def _waf_window(cls, v: int) -> int:
        if v not in (60, 120, 300, 600):
            raise ValueError("rate_limits.window_seconds: one of 60, 120, 300, 600 (AWS WAF)")
        return v


class Logs(_Model):
    """Access logs (CloudFront, S3, API) and the audit trail, kept at least six months."""

    retention_days: int = Field(default=365, ge=MIN_LOG_DAYS)
    # CloudTrail: `create` makes a multi-region trail for this account; `existing` names the
    # account's trail (an organisation trail, say) for the guide and the outputs instead.
    cloudtrail: str = Field(default="create", pattern="^(create|existing)$")
    existing_trail: str | None = None

    @field_validator("retention_days")
    @classmethod
    def _log_group_days(cls, v: int) -> int:
        return _log_group_days(v)


class Schedules(_Model):
    group: str = Field(default="zjt-phases", pattern=r"^[0-9a-zA-Z\-_.]{1,64}$")
    max_retry_attempts: int = Field(default=10, ge=0, le=185)
    max_event_age_seconds: int = Field(default=3600, ge=60, le=86400)
    enable_from: date | None = None


class Alarms(_Model):
    email: list[str] = Field(default_factory=list)
    function_errors: int = Field(default=1, ge=1)
    function_throttles: int = Field(default=1, ge=1)
    api_5xx: int = Field(default=10, ge=1)
    table_read_units_limit: int = Field(default=40000, gt=0)
    table_write_units_limit: int = Field(default=40000, gt=0)
    table_alarm_fraction: float = Field(default=0.8, gt=0, le=1)


class Notify(_Model):
    """Email from the outbox (issue 15): the SMTP service and the site address in messages.
    No host: email is off (messages stay in the inbox). The password is an SSM SecureString
    parameter, read by the send worker at start (never in the template)."""

    site_url: str = Field(default="", pattern=r"^$|^https://[^\s]+$")
    smtp_host: str = ""
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_security: str = Field(default="ssl", pattern="^(ssl|starttls)$")
    smtp_user: str = ""
    smtp_password_parameter: str = Field(default="", pattern=r"^$|^/[A-Za-z0-9_./-]+$")
    sender: str = "noreply@zjtrain.example.cn"


class Capacity(_Model):
    """Round 1's first minute, the peak the stack is sized for (site/docs/operator/deploy.md,
    容量与费用, does the same sums for the operator). The stack derives from it the selection
    route's throttle floor, the table's and indexes' warm throughput and the selection
    function's reserved concurrency."""

    selections_per_second: int = Field(default=2000, ge=1)
    # Write units of one selection (python -m bench table): the transaction's five items on the
    # table (seat counter, selection, teacher load, idempotency record, account check), and
    # one entry in each of the two indexes.
    selection_table_wcu: int = Field(default=10, ge=1)
    selection_index_wcu: int = Field(default=1, ge=1)  # per index
    # Reads at the peak: seat counters the pages poll and the records a cold container reads.
    read_units_per_second: int = Field(default=12000, ge=1)
    # Duration of one selection invocation, seconds: the handler's own time plus one
    # TransactWriteItems (bench_selection prints the handler's part). Concurrency = rate x time.
    selection_seconds: float = Field(default=0.1, gt=0, le=10)
    headroom: float = Field(default=1.5, ge=1)
    # Selection's environments are started before each selection round opens (provisioned
    # concurrency up to its reserved concurrency, on a `live` alias the API invokes) and kept
    # through the opening rush, so the first teachers do not wait for cold starts. 0 minutes
    # after the opening: nothing is provisioned.
    warm_before_minutes: int = Field(default=30, ge=0, le=1440)
    warm_after_minutes: int = Field(default=180, ge=0, le=10080)

    def table_write_units(self) -> int:
        return math.ceil(self.selections_per_second * self.selection_table_wcu * self.headroom)

    def index_write_units(self) -> int:
        return math.ceil(self.selections_per_second * self.selection_index_wcu * self.headroom)

    def selection_concurrency(self) -> int:
        return math.ceil(self.selections_per_second * self.selection_seconds * self.headroom)


class InfraConfig(_Model):
    stack_name: str = Field(default="zjtrain", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
    table_name: str = "zjtrain"
    term: str = Field(default="2024H1", pattern=r"^\d{4}H[12]$")
    deployment: Deployment
    auth: Auth
    functions: Functions = Functions()
    publish: Publish = Publish()
    api: Api
    site: Site
    schedules: Schedules = Schedules()
    alarms: Alarms = Alarms()
    logs: Logs = Logs()
    rate_limits: RateLimits = RateLimits()
    notify: Notify = Notify()
    capacity: Capacity = Capacity()

    @model_validator(mode="after")
    def _selection_route_takes_the_peak(self) -> InfraConfig:
        route = self.api.route_throttles.get("POST /api/selections")
        peak = self.capacity.selections_per_second
        if route is not None and route.rate < peak:
            raise ValueError(f"api.route_throttles POST /api/selections: rate below {peak}/s")
        if self.api.throttle.rate < peak:
            raise ValueError(f"api.throttle: rate below capacity.selections_per_second {peak}")
        return self

    @model_validator(mode="after")
    def _certificate_fits_the_partition(self) -> InfraConfig:
        cert = self.site.certificate
        if self.deployment.china:
            if not re.fullmatch(r"[A-Z0-9]{16,128}", cert):
                raise ValueError(
                    "site.certificate: in the China regions give the IAM server certificate ID "
                    "(aws iam upload-server-certificate --path /cloudfront/ …; ServerCertificateId)"
                )
        elif not re.fullmatch(r"arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}", cert):
            raise ValueError("site.certificate: the ARN of an ACM certificate in us-east-1")
        if self.logs.cloudtrail == "existing" and not self.logs.existing_trail:
            raise ValueError("logs.existing_trail: name the account's trail")
        return self


def load_config(path: Path = CONFIG_FILE) -> InfraConfig:
    """Read and validate the deployment settings; errors name the file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return InfraConfig.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
