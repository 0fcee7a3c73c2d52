"""The whole platform in one stack, derived from the project's single definitions:

- the table from `functions.common.table_def.TABLE`,
- one function per context and one API route per entry of `functions.common.routes.ROUTES`,
- one phase schedule per boundary of every calendar in `data/terms/*.yaml`,
- sizes, throttles, identity provider, alarm thresholds, the region (and so the partition) and the
  log retention from `infra/config.yaml`;
- the security baseline from `infra/security.py` (customer-managed key, access logs, CloudTrail):
  the table, queues, topic and log groups are encrypted with the one key, and every function
  started asynchronously sends its failed events to a queue that raises an alarm.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, timedelta
from pathlib import Path

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.common.routes import ROUTES, WORKERS, Route, Worker
from functions.common.table_def import TABLE, TableDefinition
from infra import nag
from infra.config import InfraConfig
from infra.nag import acknowledge
from infra.schedules import PhaseSchedules
from infra.security import AccessLogs, AuditTrail, DataKey
from infra.site import StaticSite
from infra.target import Target, target
from infra.waf import EdgeFirewall
from schemas.calendar import SHANGHAI, PhaseId, TermCalendar

RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.X86_64  # the layers hold manylinux2014_x86_64 wheels
PHASES = "phases"
WORKER_DDB_ATTEMPTS = 8  # functions/common/store.with_retries' budget in the workers
SITE_WORKER = "site-publish"  # routes.WORKERS: renders and uploads the static site
SELECTION = "selection"  # the context teachers' rush lands on (selections, seat counts)
SELECTION_ROUNDS = (PhaseId.R1, PhaseId.R2)
RETENTION = {
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
}
# Lambda retries a failed asynchronous event twice; after that it goes to the function's
# failure queue, kept long enough for someone to read it after a holiday.
ASYNC_RETRIES = 2
FAILED_EVENTS_KEPT = Duration.days(14)
ALC_LEVEL = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERROR"}


STATS_EVERY_MINUTES = 5


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


class ZjtStack(Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: InfraConfig,
        code_dir: Path,
        layer_dirs: Mapping[str, Path],
        calendars: Sequence[TermCalendar],
        routes: Sequence[Route] = ROUTES,
        table_def: TableDefinition = TABLE,
        web_acl_arn: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.config = config
        self.target: Target = target(config.deployment)
        self.key = DataKey(self, "DataKey", stack_name=config.stack_name).key
        self.access_logs = AccessLogs(self, "AccessLogs", settings=config.logs).bucket
        self.trail = (
            AuditTrail(
                self, "AuditTrail", settings=config.logs, key=self.key, access_logs=self.access_logs
            )
            if config.logs.cloudtrail == "create"
            else None
        )
        self.alarm_topic = sns.Topic(
            self,
            "Alarms",
            display_name="zjtrain alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.failure_queues: dict[str, sqs.Queue] = {}
        for address in config.alarms.email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(address))

        self.table = self._table(table_def)
        self.code = lambda_.Code.from_asset(str(code_dir))
        self.layers = {
            name: lambda_.LayerVersion(
                self,
                f"{_camel(name)}Layer",
                code=lambda_.Code.from_asset(str(layer_dirs[name])),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description=f"zjtrain {name} dependencies (pinned in pyproject.toml)",
            )
            for name in ("runtime", "publish")
        }

        # API functions: one per context of ROUTES, read/write on the table.
        contexts = sorted({r.function for r in routes})
        self.functions: dict[str, lambda_.Function] = {}
        for ctx in contexts:
            fn = self._function(ctx, description=f"zjtrain API: {ctx}")
            self.table.grant_read_write_data(fn)
            self.functions[ctx] = fn
        # What the API invokes: each function, but selection through its provisioned alias.
        self.invoked: dict[str, lambda_.IFunction] = dict(self.functions)
        if SELECTION in self.functions:
            self.invoked[SELECTION] = self._warm_for_rounds(self.functions[SELECTION], calendars)

        self.api = self._api(routes)
        for w in WORKERS:
            self.functions[w.name] = self._worker(w)
        # 数据看板: the dashboard's statistics are aggregated on a schedule, off the selection
        # hot path (functions/stats); every 5 minutes keeps them within minutes of the data.
        events.Rule(
            self,
            "StatsSchedule",
            description="zjtrain: aggregate the dashboard statistics",
            schedule=events.Schedule.rate(Duration.minutes(STATS_EVERY_MINUTES)),
            targets=[targets.LambdaFunction(self.functions["stats-aggregate"], retry_attempts=0)],
        )
        # 学分进度: the bureaus' credit progress by region, aggregated the same way (issue 14).
        events.Rule(
            self,
            "CreditsSchedule",
            description="zjtrain: aggregate the credit progress by region",
            schedule=events.Schedule.rate(Duration.minutes(STATS_EVERY_MINUTES)),
            targets=[targets.LambdaFunction(self.functions["credits-aggregate"], retry_attempts=0)],
        )
        if self.target.edge_web_acl and web_acl_arn is None:  # deployed in us-east-1 itself
            web_acl_arn = EdgeFirewall(self, "Firewall", limits=config.rate_limits).arn
        self.site = StaticSite(
            self,
            "Site",
            settings=config.site,
            api=self.api,
            target=self.target,
            access_logs=self.access_logs,
            web_acl_arn=web_acl_arn,
        )

        self._site_worker(self.functions[SITE_WORKER])

        # Phase toggle: announces phases, asks for the site's publication, and carries out the
        # closing of the review windows (SE-1: unreviewed selections, waitlists) over the table,
        # in batches; a long closing continues in a new run it starts itself (hence a fixed name).
        phases_name = f"{config.stack_name}-phases"
        phases = self._function(
            PHASES,
            description="zjtrain phase toggle (EventBridge Scheduler target)",
            timeout=Duration.seconds(900),
            function_name=phases_name,
        )
        self.table.grant_read_write_data(phases)
        phases.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    Stack.of(self).format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=phases_name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.key.grant_encrypt_decrypt(phases)
        self.functions[PHASES] = phases
        for w in WORKERS:  # who may start each worker, and by which name
            for ctx in w.callers:
                self.functions[w.name].grant_invoke(self.functions[ctx])
                self.functions[ctx].add_environment(w.setting, self.functions[w.name].function_name)
        self._on_failure(PHASES, phases)  # EventBridge Scheduler invokes it asynchronously
        self._notify(phases)

        self.schedules = PhaseSchedules(
            self,
            "PhaseSchedules",
            target=phases,
            calendars=calendars,
            settings=config.schedules,
            key=self.key,
        )
        self._alarms()
        self._outputs()
        acknowledge(
            self,
            target=self.target,
            functions=self.functions,
            invoked=[self.functions[w.name] for w in WORKERS],
            failure_queues=self.failure_queues.values(),
            dead_letters=self.schedules.dead_letters,
            distribution=self.site.distribution,
            public_routes=self.public_routes,
            publish=self.functions[SITE_WORKER],
            site_bucket=self.site.bucket,
            table=self.table,
            schedule_role=self.schedules.role,
            phases=phases,
        )

    # -- notifications (issue 15) -------------------------------------------------------------

    def _notify(self, phases: lambda_.Function) -> None:
        """The phase job starts the reminder worker; the send worker runs every minute with the
        SMTP settings (password from an SSM SecureString parameter) and the site's address."""
        n = self.config.notify
        remind = self.functions["notify-remind"]
        remind.grant_invoke(phases)
        phases.add_environment("ZJT_NOTIFY_REMIND_FUNCTION", remind.function_name)
        for fn in (remind, self.functions["notify-send"], self.functions["notify"]):
            if n.site_url:
                fn.add_environment("ZJT_SITE_URL", n.site_url)
        send = self.functions["notify-send"]
        for key, value in (
            ("ZJT_SMTP_HOST", n.smtp_host),
            ("ZJT_SMTP_PORT", str(n.smtp_port)),
            ("ZJT_SMTP_SECURITY", n.smtp_security),
            ("ZJT_SMTP_USER", n.smtp_user),
            ("ZJT_SMTP_SENDER", n.sender),
            ("ZJT_SMTP_PASSWORD_PARAMETER", n.smtp_password_parameter),
        ):
            send.add_environment(key, value)
        if n.smtp_password_parameter:
            send.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ssm:GetParameter"],
                    resources=[
                        Stack.of(self).format_arn(
                            service="ssm",
                            resource="parameter",
                            resource_name=n.smtp_password_parameter.lstrip("/"),
                        )
                    ],
                )
            )
        role = iam.Role(
            self,
            "WorkerScheduleRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler: start the scheduled workers",
        )
        for w in WORKERS:
            if w.every_minutes is None:
                continue
            fn = self.functions[w.name]
            fn.grant_invoke(role)
            nag.acknowledge_invoke(role, fn)
            scheduler.CfnSchedule(
                self,
                f"{_camel(w.name)}Schedule",
                description=f"zjtrain worker {w.name}: every {w.every_minutes} minute(s)",
                schedule_expression=f"rate({w.every_minutes} minute{'s' if w.every_minutes > 1 else ''})",
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                target=scheduler.CfnSchedule.TargetProperty(
                    arn=fn.function_arn,
                    role_arn=role.role_arn,
                    input=json.dumps({"task": "send"}),
                    retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                        maximum_retry_attempts=0, maximum_event_age_in_seconds=60
                    ),
                ),
            )

    # -- data ---------------------------------------------------------------------------------

    def _table(self, t: TableDefinition) -> dynamodb.Table:
        def attr(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)

        cap = self.config.capacity

        table = dynamodb.Table(
            self,
            "Table",
            table_name=self.config.table_name,
            partition_key=attr(t.partition_key),
            sort_key=attr(t.sort_key),
            billing_mode=dynamodb.BillingMode[t.billing_mode],
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
            time_to_live_attribute=t.ttl_attribute,
            # A new on-demand table starts able to take 4,000 writes/s: round 1 opens at the
            # capacity model's peak, so the table (and each index) is warmed to it beforehand.
            warm_throughput=dynamodb.WarmThroughput(
                read_units_per_second=cap.read_units_per_second,
                write_units_per_second=cap.table_write_units(),
            ),
        )
        for gsi in t.global_indexes:
            table.add_global_secondary_index(
                index_name=gsi.name,
                partition_key=attr(gsi.partition_key),
                sort_key=attr(gsi.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
                warm_throughput=dynamodb.WarmThroughput(
                    read_units_per_second=cap.read_units_per_second,
                    write_units_per_second=cap.index_write_units(),
                ),
            )
        return table

    # -- functions ----------------------------------------------------------------------------

    def _term_items_policy(self) -> iam.PolicyStatement:
        """Read and update the TERM#<term> items only (phases, site publication requests)."""
        return iam.PolicyStatement(
            actions=["dynamodb:GetItem", "dynamodb:UpdateItem"],
            resources=[self.table.table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TERM#*"]}},
        )

    def _reserved(self, ctx: str) -> int | None:
        """Reserved concurrency: the config's, else for selection the capacity model's (the
        peak rate times one invocation's duration, with headroom): guaranteed at the rush, and
        a cap on what selection can push into the table."""
        given = self.config.functions.reserved_concurrency.get(ctx)
        if given is not None or ctx != SELECTION:
            return given
        return self.config.capacity.selection_concurrency()

    def _warm_for_rounds(
        self, fn: lambda_.Function, calendars: Sequence[TermCalendar]
    ) -> lambda_.IFunction:
        """The selection function's `live` alias, which the API invokes. Its provisioned
        concurrency is raised to the function's reserved concurrency `warm_before_minutes`
        before each selection round opens, and back to none `warm_after_minutes` after the
        opening, by Application Auto Scaling's scheduled actions: the rush's first teachers
        find environments already started instead of waiting for cold starts. The instants are
        written in UTC (the scalable target's default zone); the rounds open in Asia/Shanghai.
        Without a reservation or with `warm_after_minutes: 0`, the API invokes the function."""
        cap, size = self.config.capacity, self._reserved(SELECTION)
        if not size or not cap.warm_after_minutes:
            return fn
        alias = lambda_.Alias(self, "SelectionLive", alias_name="live", version=fn.current_version)
        scaling = alias.add_auto_scaling(min_capacity=0, max_capacity=size)
        enable_from = self.config.schedules.enable_from
        for cal in calendars:
            for phase in SELECTION_ROUNDS:
                opens = cal.window(phase).opens
                if enable_from is not None and opens.astimezone(SHANGHAI).date() < enable_from:
                    continue  # already past when the stack was first deployed
                warm = opens - timedelta(minutes=cap.warm_before_minutes)
                cool = opens + timedelta(minutes=cap.warm_after_minutes)
                for what, at, n in (("Warm", warm, size), ("Cool", cool, 0)):
                    scaling.scale_on_schedule(
                        f"{what}{cal.term}{phase.name}",
                        schedule=appscaling.Schedule.at(at.astimezone(UTC)),
                        min_capacity=n,
                        max_capacity=n,
                    )
        # No role named: Application Auto Scaling uses (and creates) its service-linked role
        # for Lambda. CDK writes that role's ARN with the global partition's service name,
        # which has no place in a China template.
        for node in alias.node.find_all():
            if isinstance(node, appscaling.CfnScalableTarget):
                node.add_property_deletion_override("RoleARN")
        return alias

    def _worker(self, w: Worker) -> lambda_.Function:
        """A function its callers start asynchronously; it may start itself again to continue
        (a long import), so it has a fixed name and may invoke that name."""
        name = f"{self.config.stack_name}-{w.name}"
        fn = self._function(
            w.name,
            description=f"zjtrain worker: {w.name}",
            handler=f"{w.module}.lambda_handler",
            layer=w.layer,
            memory_mb=w.memory_mb,
            timeout=Duration.seconds(w.timeout_seconds),
            ephemeral_mb=self.config.publish.ephemeral_storage_mb if w.layer == "publish" else None,
            function_name=name,
            reserved=w.concurrency,
            # Nobody waits on a worker: more sends per DynamoDB call than the API's quick 503.
            env={"ZJT_DDB_MAX_ATTEMPTS": str(WORKER_DDB_ATTEMPTS)},
        )
        if w.name == SITE_WORKER:  # reads documents, updates its own TERM#<term> | SITE item
            self.table.grant_read_data(fn)
            fn.add_to_role_policy(self._term_items_policy())
            self.key.grant_encrypt_decrypt(fn)
        else:
            self.table.grant_read_write_data(fn)
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    Stack.of(self).format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self._on_failure(w.name, fn)
        return fn

    def _site_worker(self, fn: lambda_.Function) -> None:
        """The site worker uploads to the site bucket and invalidates what it changed."""
        site, cfg = self.site, self.config.site
        fn.add_environment("ZJT_SITE_BUCKET", site.bucket.bucket_name)
        fn.add_environment("ZJT_SITE_DISTRIBUTION", site.distribution.distribution_id)
        fn.add_environment("ZJT_DATA_PATHS", ",".join(cfg.data_paths))
        fn.add_environment("ZJT_DATA_MAX_AGE", str(cfg.data_ttl_seconds))
        fn.add_environment(
            "ZJT_DIRECTORY_INDEX_COPIES", "1" if site.directory_index_copies else "0"
        )
        site.bucket.grant_read_write(fn)
        site.bucket.grant_delete(fn)
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudfront:CreateInvalidation"],
                resources=[
                    Stack.of(self).format_arn(
                        service="cloudfront",
                        region="",
                        resource="distribution",
                        resource_name=site.distribution.distribution_id,
                    )
                ],
            )
        )

    def _on_failure(self, ctx: str, fn: lambda_.Function) -> None:
        """A function started asynchronously: after Lambda's retries its event lands in a
        queue (encrypted, alarmed in `_alarms`) instead of vanishing with a job left stuck."""
        queue = sqs.Queue(
            self,
            f"{_camel(ctx)}FailedEvents",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=FAILED_EVENTS_KEPT,
        )
        fn.configure_async_invoke(
            on_failure=destinations.SqsDestination(queue), retry_attempts=ASYNC_RETRIES
        )
        self.failure_queues[ctx] = queue

    def _function(
        self,
        ctx: str,
        *,
        description: str,
        layer: str = "runtime",
        memory_mb: int | None = None,
        timeout: Duration | None = None,
        ephemeral_mb: int | None = None,
        env: Mapping[str, str] | None = None,
        handler: str | None = None,
        function_name: str | None = None,
        reserved: int | None = None,
    ) -> lambda_.Function:
        f = self.config.functions
        name = _camel(ctx)
        log_group = logs.LogGroup(
            self,
            f"{name}Logs",
            retention=RETENTION[f.log_retention_days],
            encryption_key=self.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Its own role, allowed to write its own log group only (the AWS managed basic
        # execution policy would let it write any log group of the account).
        role = iam.Role(
            self,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"zjtrain {ctx} function",
        )
        log_group.grant_write(role)
        return lambda_.Function(
            self,
            f"{name}Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler or f"functions.{ctx}.handler.lambda_handler",
            function_name=function_name,
            code=self.code,
            role=role,
            layers=[self.layers[layer]],
            memory_size=memory_mb or f.memory_mb,
            timeout=timeout or Duration.seconds(f.timeout_seconds),
            ephemeral_storage_size=Size.mebibytes(ephemeral_mb) if ephemeral_mb else None,
            reserved_concurrent_executions=reserved or self._reserved(ctx),
            # A function with an alias (selection's) publishes a version per deploy: the one the
            # alias left is deleted, not kept for ever.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
            # Lambda's own tracing, no SDK in the code (functions/common/app.py says why).
            tracing=lambda_.Tracing.ACTIVE if self.target.xray else lambda_.Tracing.DISABLED,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel[ALC_LEVEL[f.log_level]],
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=log_group,
            environment={
                "ZJT_TABLE_NAME": self.table.table_name,
                "ZJT_TERM": self.config.term,
                "POWERTOOLS_SERVICE_NAME": f"zjtrain-{ctx}",
                "POWERTOOLS_LOG_LEVEL": f.log_level,
                # No pydantic plugins are used: without this pydantic reads the entry points of
                # every installed distribution when the first model is built (each cold start).
                "PYDANTIC_DISABLE_PLUGINS": "__all__",
                **(env or {}),
            },
        )

    # -- API ----------------------------------------------------------------------------------

    def _api(self, routes: Sequence[Route]) -> apigw.HttpApi:
        cfg = self.config.api
        api = apigw.HttpApi(
            self, "Api", api_name=f"{self.config.stack_name}-api", create_default_stage=False
        )
        jwt = authorizers.HttpJwtAuthorizer(
            "Jwt",
            self.config.auth.issuer,
            authorizer_name="zjt-jwt",
            jwt_audience=list(self.config.auth.audience),
        )
        targets = {
            ctx: _FunctionIntegration(f"{_camel(ctx)}Integration", fn)
            for ctx, fn in self.invoked.items()
        }
        # One invoke permission per function, for this API's routes, where HttpLambdaIntegration
        # adds one per route: with a route each, the stack would pass CloudFormation's 500
        # resources (issue 14 took it to 502).
        for ctx, fn in self.invoked.items():
            fn.add_permission(
                f"{_camel(ctx)}ApiInvoke",
                principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
                source_arn=api.arn_for_execute_api(),
            )
        created: dict[str, list[apigw.HttpRoute]] = {}
        self.public_routes: list[apigw.HttpRoute] = []
        for r in routes:
            created[f"{r.method} {r.path}"] = api.add_routes(
                path=r.path,
                methods=[apigw.HttpMethod[r.method]],
                integration=targets[r.function],
                authorizer=None if r.public else jwt,
            )
            if r.public:
                self.public_routes += created[f"{r.method} {r.path}"]
        unknown = sorted(set(cfg.route_throttles) - set(created))
        if unknown:
            raise ValueError(f"infra/config.yaml api.route_throttles: no such route {unknown}")

        access_logs = logs.LogGroup(
            self,
            "ApiAccessLogs",
            retention=RETENTION[self.config.logs.retention_days],
            encryption_key=self.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        stage = apigw.HttpStage(
            self,
            "Stage",
            http_api=api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=cfg.throttle.rate, burst_limit=cfg.throttle.burst
            ),
        )
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.route_settings = {
            key: {"ThrottlingRateLimit": t.rate, "ThrottlingBurstLimit": t.burst}
            for key, t in sorted(cfg.route_throttles.items())
        }
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format=json.dumps(
                {
                    "requestId": "$context.requestId",
                    "time": "$context.requestTime",
                    "routeKey": "$context.routeKey",
                    "status": "$context.status",
                    "latencyMs": "$context.responseLatency",
                    "integrationError": "$context.integrationErrorMessage",
                    "authorizerError": "$context.authorizer.error",
                    "ip": "$context.identity.sourceIp",
                }
            ),
        )
        # Route settings name routes by key: the stage must be deployed after them.
        for key in cfg.route_throttles:
            for route in created[key]:
                stage.node.add_dependency(route)
        self.stage = stage
        return api

    # -- alarms -------------------------------------------------------------------------------

    def _alarm(self, id: str, metric: cloudwatch.IMetric, threshold: float, what: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=what,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.alarm_topic))

    def _alarms(self) -> None:
        a = self.config.alarms
        five = Duration.minutes(5)
        for ctx, fn in sorted(self.functions.items()):
            name = _camel(ctx)
            self._alarm(
                f"{name}Errors",
                fn.metric_errors(period=five, statistic="Sum"),
                a.function_errors,
                f"{ctx} function: errors",
            )
            self._alarm(
                f"{name}Throttles",
                fn.metric_throttles(period=five, statistic="Sum"),
                a.function_throttles,
                f"{ctx} function: throttled invocations",
            )
        self._alarm(
            "Api5xx",
            self.api.metric_server_error(period=five, statistic="Sum"),
            a.api_5xx,
            "HTTP API: 5xx responses",
        )
        self._alarm(
            "EmailDeadLetters",
            cloudwatch.Metric(
                namespace="zjtrain",
                metric_name="EmailsDeadLettered",
                dimensions_map={"service": "notify-send"},
                period=five,
                statistic="Sum",
            ),
            1,
            "emails given up after every retry or refused for good (DEADLETTER#email items; "
            "see site/docs/operator/notify.md to redrive them)",
        )
        self._alarm(
            "PhaseDeadLetters",
            self.schedules.dead_letters.metric_approximate_number_of_messages_visible(
                period=five, statistic="Maximum"
            ),
            1,
            "phase toggles that failed after every retry (dead-letter queue)",
        )
        for ctx, queue in sorted(self.failure_queues.items()):
            self._alarm(
                f"{_camel(ctx)}FailedEventsAlarm",
                queue.metric_approximate_number_of_messages_visible(
                    period=five, statistic="Maximum"
                ),
                1,
                f"{ctx} function: an asynchronous invocation failed after every retry",
            )
        minute = Duration.minutes(1)
        for kind, metric, limit in (
            ("Read", self.table.metric_consumed_read_capacity_units, a.table_read_units_limit),
            ("Write", self.table.metric_consumed_write_capacity_units, a.table_write_units_limit),
        ):
            per_second = cloudwatch.MathExpression(
                expression="m / PERIOD(m)",
                using_metrics={"m": metric(period=minute, statistic="Sum")},
                label=f"consumed {kind.lower()} units per second",
                period=minute,
            )
            self._alarm(
                f"Table{kind}Capacity",
                per_second,
                round(limit * a.table_alarm_fraction),
                f"table: consumed {kind.lower()} units near the per-table limit of {limit}/s",
            )

    def _outputs(self) -> None:
        CfnOutput(self, "SiteUrl", value=f"https://{self.config.site.domain}")
        # The CNAME target of the site's domain (*.cloudfront.cn in China).
        CfnOutput(self, "DistributionDomain", value=self.site.distribution.domain_name)
        CfnOutput(self, "DataKeyArn", value=self.key.key_arn)
        CfnOutput(self, "AccessLogBucket", value=self.access_logs.bucket_name)
        CfnOutput(
            self,
            "AuditTrailName",
            value=self.trail.trail.trail_arn
            if self.trail
            else str(self.config.logs.existing_trail),
        )
        CfnOutput(self, "ApiEndpoint", value=self.api.api_endpoint)
        CfnOutput(self, "SiteBucket", value=self.site.bucket.bucket_name)
        CfnOutput(self, "TableName", value=self.table.table_name)
        CfnOutput(self, "SiteFunctionName", value=self.functions[SITE_WORKER].function_name)
        CfnOutput(self, "PhaseFunctionName", value=self.functions[PHASES].function_name)


class _FunctionIntegration(apigw.HttpRouteIntegration):
    """A Lambda proxy integration (payload 2.0) like HttpLambdaIntegration, without the
    permission per route it adds: the stack grants each function one permission instead."""

    def __init__(self, id: str, fn: lambda_.IFunction) -> None:
        super().__init__(id)
        self._fn = fn

    def bind(
        self, *, route: apigw.IHttpRoute, scope: Construct
    ) -> apigw.HttpRouteIntegrationConfig:
        return apigw.HttpRouteIntegrationConfig(
            type=apigw.HttpIntegrationType.AWS_PROXY,
            uri=self._fn.function_arn,
            payload_format_version=apigw.PayloadFormatVersion.VERSION_2_0,
        )
