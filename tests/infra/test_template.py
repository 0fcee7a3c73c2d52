"""Assertions over the synthesized template: it is derived from the project's single definitions
(TABLE, ROUTES, data/terms/*.yaml, infra/config.yaml). Every test here runs on both partitions."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aws_cdk.assertions import Match

from functions.common.routes import ROUTES, WORKERS, functions
from functions.common.table_def import TABLE
from schemas.calendar import PhaseId, all_calendars
from tests.infra.conftest import Synth

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def synth(any_synth: Synth) -> Synth:
    return any_synth


def _one(synth: Synth, type_: str) -> dict[str, Any]:
    found = synth.resources(type_)
    assert len(found) == 1, f"{type_}: {list(found)}"
    return next(iter(found.values()))


def _function_id(synth: Synth, ctx: str) -> str:
    handler = f"functions.{ctx}.handler.lambda_handler"
    ids = [
        k
        for k, r in synth.resources("AWS::Lambda::Function").items()
        if r["Properties"]["Handler"] == handler
    ]
    assert len(ids) == 1, f"{handler}: {ids}"
    return ids[0]


def test_synth_needs_no_context_lookups_and_targets_the_configured_region(synth: Synth) -> None:
    assert not synth.manifest.get("missing"), synth.manifest.get("missing")
    # nothing was looked up in an account; the region (and partition) is the configured one
    stack = synth.manifest["artifacts"][synth.config.stack_name]
    region = synth.config.deployment.region
    assert stack["environment"] == f"aws://unknown-account/{region}"


def test_table_is_the_shared_definition_with_pitr_and_deletion_protection(synth: Synth) -> None:
    table = _one(synth, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["BillingMode"] == TABLE.billing_mode == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert props["KeySchema"] == [
        {"AttributeName": TABLE.partition_key, "KeyType": "HASH"},
        {"AttributeName": TABLE.sort_key, "KeyType": "RANGE"},
    ]
    assert sorted(a["AttributeName"] for a in props["AttributeDefinitions"]) == sorted(
        TABLE.attribute_names()
    )
    assert {a["AttributeType"] for a in props["AttributeDefinitions"]} == {"S"}
    gsis = {g["IndexName"]: g for g in props["GlobalSecondaryIndexes"]}
    assert set(gsis) == {g.name for g in TABLE.global_indexes}
    for g in TABLE.global_indexes:
        assert gsis[g.name]["KeySchema"] == [
            {"AttributeName": g.partition_key, "KeyType": "HASH"},
            {"AttributeName": g.sort_key, "KeyType": "RANGE"},
        ]
        assert gsis[g.name]["Projection"] == {"ProjectionType": "ALL"}


def test_one_schedule_per_calendar_boundary_in_shanghai_wall_time(synth: Synth) -> None:
    # Phase boundaries only: reminders (issue 15) and scheduled workers have schedules of their own.
    schedules = {
        r["Properties"]["Name"]: r["Properties"]
        for r in synth.resources("AWS::Scheduler::Schedule").values()
        if json.loads(r["Properties"]["Target"]["Input"]).get("action") in ("open", "close")
    }
    calendars = all_calendars()
    expected = sum(len(cal.boundaries()) for cal in calendars)
    assert len(schedules) == expected
    for cal in calendars:
        for instant, phase, action in cal.boundaries():
            props = schedules[f"zjt-{cal.term}-{phase.value}-{action}"]
            wall = instant.astimezone(SHANGHAI).replace(tzinfo=None).isoformat(timespec="seconds")
            assert props["ScheduleExpression"] == f"at({wall})"
            assert props["ScheduleExpressionTimezone"] == "Asia/Shanghai"
            payload = json.loads(props["Target"]["Input"])
            assert set(payload) == {"term", "phase", "action", "at"}
            assert (payload["term"], payload["phase"], payload["action"]) == (
                cal.term,
                phase.value,
                action,
            )
            assert datetime.fromisoformat(payload["at"]) == instant
            target = props["Target"]
            assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
            assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0
            assert "DeadLetterConfig" in target


def test_round_one_opens_at_local_midnight_not_eight_hours_late(synth: Synth) -> None:
    """RULES.md PH-R1 (2024H1): 03-19 – 03-26, inclusive days in Asia/Shanghai."""
    synth.assertions.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "Name": "zjt-2024H1-PH-R1-open",
            "ScheduleExpression": "at(2024-03-19T00:00:00)",
            "ScheduleExpressionTimezone": "Asia/Shanghai",
            "Target": Match.object_like(
                {"Arn": {"Fn::GetAtt": [_function_id(synth, "phases"), "Arn"]}}
            ),
        },
    )
    synth.assertions.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {"Name": "zjt-2024H1-PH-R1-close", "ScheduleExpression": "at(2024-03-27T00:00:00)"},
    )


def test_schedule_dead_letters_raise_an_alarm(synth: Synth) -> None:
    queue_id = synth.resource_id("AWS::SQS::Queue", "PhaseSchedulesDeadLetters")
    alarms = [
        a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and a["Properties"]["Dimensions"]
        == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
    ]
    assert len(alarms) == 1 and alarms[0]["AlarmActions"]


def test_private_routes_have_the_jwt_authorizer_and_public_ones_none(synth: Synth) -> None:
    authorizer_id, authorizer = next(iter(synth.resources("AWS::ApiGatewayV2::Authorizer").items()))
    jwt = authorizer["Properties"]
    assert jwt["AuthorizerType"] == "JWT"
    assert jwt["JwtConfiguration"] == {
        "Issuer": synth.config.auth.issuer,
        "Audience": synth.config.auth.audience,
    }
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in synth.resources("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {f"{r.method} {r.path}" for r in ROUTES}
    for r in ROUTES:
        props = routes[f"{r.method} {r.path}"]
        if r.public:
            assert props.get("AuthorizationType", "NONE") == "NONE", r
            assert "AuthorizerId" not in props, r
        else:
            assert props["AuthorizationType"] == "JWT", r
            assert props["AuthorizerId"] == {"Ref": authorizer_id}, r


def _selection_alias(synth: Synth) -> str:
    alias_id, alias = next(iter(_items(synth, "AWS::Lambda::Alias")))
    assert alias["Properties"]["FunctionName"] == {"Ref": _function_id(synth, "selection")}
    assert alias["Properties"]["Name"] == "live"
    return alias_id


def _items(synth: Synth, type_: str) -> list[tuple[str, dict[str, Any]]]:
    found = list(synth.resources(type_).items())
    assert len(found) == 1, f"{type_}: {found}"
    return found


def test_routes_integrate_their_context_function(synth: Synth) -> None:
    """Each route invokes its context's function; selection's through its `live` alias, the
    one provisioned before the rounds open."""
    integrations = synth.resources("AWS::ApiGatewayV2::Integration")
    alias_id = _selection_alias(synth)
    for route in synth.resources("AWS::ApiGatewayV2::Route").values():
        key = route["Properties"]["RouteKey"]
        ctx = next(r.function for r in ROUTES if f"{r.method} {r.path}" == key)
        target = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        uri = integrations[target]["Properties"]["IntegrationUri"]
        if ctx == "selection":
            assert uri == {"Ref": alias_id}, key
        else:
            assert uri == {"Fn::GetAtt": [_function_id(synth, ctx), "Arn"]}, key
    # The API may invoke what it integrates: the alias (a permission on the function alone
    # does not cover a qualified ARN).
    invokers = {
        json.dumps(p["Properties"]["FunctionName"])
        for p in synth.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    assert json.dumps({"Ref": alias_id}) in invokers


def test_selection_is_provisioned_before_each_round_opens_and_released_after_the_rush(
    synth: Synth,
) -> None:
    """No cold start in round 1's opening rush: the selection alias's provisioned concurrency
    is its reserved concurrency from `warm_before_minutes` before each selection round opens
    (Asia/Shanghai) to `warm_after_minutes` after, and none otherwise (UTC instants: the
    scalable target has no time zone)."""
    cap = synth.config.capacity
    fn = synth.resources("AWS::Lambda::Function")[_function_id(synth, "selection")]
    size = fn["Properties"]["ReservedConcurrentExecutions"]
    ((_, target),) = _items(synth, "AWS::ApplicationAutoScaling::ScalableTarget")
    props = target["Properties"]
    assert props["ScalableDimension"] == "lambda:function:ProvisionedConcurrency"
    assert props["ResourceId"]["Fn::Join"][1][-1] == ":live"
    assert (props["MinCapacity"], props["MaxCapacity"]) == (0, size)
    assert "RoleARN" not in props  # the service-linked role, in either partition
    # The version the alias points at is published per deploy; the one it left is deleted.
    ((_, version),) = _items(synth, "AWS::Lambda::Version")
    assert version["DeletionPolicy"] == "Delete"
    actions = {
        a["Schedule"]: (
            a["ScalableTargetAction"]["MinCapacity"],
            a["ScalableTargetAction"]["MaxCapacity"],
        )
        for a in props["ScheduledActions"]
    }
    expected = {}
    for cal in all_calendars():
        for phase in (PhaseId.R1, PhaseId.R2):
            opens = cal.window(phase).opens
            for delta, n in ((-cap.warm_before_minutes, size), (cap.warm_after_minutes, 0)):
                at = (opens + timedelta(minutes=delta)).astimezone(UTC)
                expected[f"at({at:%Y-%m-%dT%H:%M:%S})"] = (n, n)
    assert actions == expected
    # RULES.md PH-R1 (2024H1) opens 03-19 00:00 in Shanghai: warm from 23:30 the day before
    # there, 15:30 UTC, with all 300 reserved environments; released at 03:00 (19:00 UTC).
    assert actions["at(2024-03-18T15:30:00)"] == (300, 300)
    assert actions["at(2024-03-18T19:00:00)"] == (0, 0)


def test_stage_throttles_come_from_config(synth: Synth) -> None:
    stage = _one(synth, "AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    api = synth.config.api
    assert props["StageName"] == "$default"
    assert props["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": api.throttle.rate,
        "ThrottlingBurstLimit": api.throttle.burst,
    }
    assert props["RouteSettings"] == {
        key: {"ThrottlingRateLimit": t.rate, "ThrottlingBurstLimit": t.burst}
        for key, t in api.route_throttles.items()
    }
    assert "POST /api/selections" in props["RouteSettings"]
    # route settings name routes that must exist before the stage
    route_ids = {
        r["Properties"]["RouteKey"]: k
        for k, r in synth.resources("AWS::ApiGatewayV2::Route").items()
    }
    for key in api.route_throttles:
        assert route_ids[key] in stage["DependsOn"]


def test_site_bucket_is_private_behind_cloudfront_origin_access(synth: Synth) -> None:
    """Origin Access Control globally; CloudFront China has only Origin Access Identity."""
    bucket_id = synth.resource_id("AWS::S3::Bucket", "SiteBucket")
    bucket = synth.resources("AWS::S3::Bucket")[bucket_id]
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket["Properties"]
    policy = next(
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.resources("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    )
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy
    )
    dist = _one(synth, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    s3_origins = [o for o in dist["Origins"] if "S3OriginConfig" in o]
    assert len(s3_origins) == 1
    assert s3_origins[0]["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    if synth.china:
        assert not synth.resources("AWS::CloudFront::OriginAccessControl")
        oai_id = next(iter(synth.resources("AWS::CloudFront::CloudFrontOriginAccessIdentity")))
        assert any(
            s["Effect"] == "Allow"
            and s["Principal"] == {"CanonicalUser": {"Fn::GetAtt": [oai_id, "S3CanonicalUserId"]}}
            for s in policy
        )
        assert oai_id in json.dumps(s3_origins[0]["S3OriginConfig"]["OriginAccessIdentity"])
        return
    assert any(
        s["Effect"] == "Allow" and s["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        for s in policy
    )
    oac_id = next(iter(synth.resources("AWS::CloudFront::OriginAccessControl")))
    oac = synth.resources("AWS::CloudFront::OriginAccessControl")[oac_id]["Properties"]
    assert oac["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert s3_origins[0]["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}


def test_published_data_has_short_ttl_behaviours_and_api_is_uncached(synth: Synth) -> None:
    dist = _one(synth, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    policies = synth.resources("AWS::CloudFront::CachePolicy")
    behaviours = {b["PathPattern"]: b for b in dist["CacheBehaviors"]}
    site = synth.config.site
    assert {"data/*", "projects/*"} <= set(site.data_paths)
    for path in site.data_paths:
        policy = policies[behaviours[path]["CachePolicyId"]["Ref"]]["Properties"]
        assert policy["CachePolicyConfig"]["MaxTTL"] == site.data_ttl_seconds
    api = behaviours["/api/*"]
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert "POST" in api["AllowedMethods"]


def test_functions_run_python_311_with_layer_json_logs_and_env(synth: Synth) -> None:
    fns = synth.functions()
    assert {r["Properties"]["Handler"] for r in fns.values()} == {
        f"functions.{ctx}.handler.lambda_handler" for ctx in [*functions(), "phases"]
    } | {f"{w.module}.lambda_handler" for w in WORKERS}
    layers = set(synth.resources("AWS::Lambda::LayerVersion"))
    for fn in fns.values():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.11"
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert [layer["Ref"] for layer in props["Layers"]][0] in layers
        env = props["Environment"]["Variables"]
        assert {
            "ZJT_TABLE_NAME",
            "ZJT_TERM",
            "POWERTOOLS_SERVICE_NAME",
            "POWERTOOLS_LOG_LEVEL",
        } <= set(env)
        assert env["ZJT_TERM"] == synth.config.term
        # No pydantic plugin lookup at a cold start (a scan of every distribution's metadata).
        assert env["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
        # X-Ray is not integrated with Lambda in the China regions: no tracing there. Elsewhere
        # Lambda's active tracing, with no tracing SDK in the code (no Tracer to switch off).
        assert "POWERTOOLS_TRACE_DISABLED" not in env
        # One retry budget per DynamoDB call (store.with_retries): the API's small default gives
        # a hot class's teachers a quick 503; nobody waits on a worker, which gets more sends.
        worker = props["Handler"] in {f"{w.module}.lambda_handler" for w in WORKERS}
        assert env.get("ZJT_DDB_MAX_ATTEMPTS") == ("8" if worker else None)
        if synth.china:
            assert props.get("TracingConfig", {"Mode": "PassThrough"}) != {"Mode": "Active"}
        else:
            assert props["TracingConfig"] == {"Mode": "Active"}


def test_every_function_has_an_error_alarm_and_a_throttle_alarm(synth: Synth) -> None:
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    for fn_id in synth.functions():
        for metric in ("Errors", "Throttles"):
            assert any(
                a.get("MetricName") == metric
                and a["Namespace"] == "AWS/Lambda"
                and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": fn_id}}]
                and a["AlarmActions"]
                for a in alarms
            ), (fn_id, metric)


def test_table_capacity_alarms_near_the_configured_limit(synth: Synth) -> None:
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    cfg = synth.config.alarms
    for metric, limit in (
        ("ConsumedWriteCapacityUnits", cfg.table_write_units_limit),
        ("ConsumedReadCapacityUnits", cfg.table_read_units_limit),
    ):
        found = [a for a in alarms if metric in json.dumps(a.get("Metrics", []))]
        assert len(found) == 1, metric
        assert found[0]["Threshold"] == round(limit * cfg.table_alarm_fraction)


def test_selection_function_has_reserved_concurrency_from_the_capacity_model(
    synth: Synth,
) -> None:
    fn = synth.resources("AWS::Lambda::Function")[_function_id(synth, "selection")]
    cap = synth.config.capacity
    expected = synth.config.functions.reserved_concurrency.get("selection")
    expected = expected or math.ceil(
        cap.selections_per_second * cap.selection_seconds * cap.headroom
    )
    assert fn["Properties"]["ReservedConcurrentExecutions"] == expected == 300


def test_table_and_indexes_are_warmed_for_round_1s_peak(synth: Synth) -> None:
    """A new on-demand table takes 4,000 writes/s at first (~400 selections); warm throughput
    makes round 1's first minute (2,000 selections/s) possible from the first second."""
    props = _one(synth, "AWS::DynamoDB::Table")["Properties"]
    cap = synth.config.capacity
    warm = props["WarmThroughput"]
    assert warm["WriteUnitsPerSecond"] >= cap.selections_per_second * cap.selection_table_wcu
    assert warm["ReadUnitsPerSecond"] == cap.read_units_per_second
    assert warm["WriteUnitsPerSecond"] == 30000  # 2,000/s x 10 WCU (python -m bench table) x 1.5
    for gsi in props["GlobalSecondaryIndexes"]:
        assert gsi["WarmThroughput"]["WriteUnitsPerSecond"] >= cap.selections_per_second
    route = synth.config.api.route_throttles["POST /api/selections"]
    assert route.rate >= cap.selections_per_second <= synth.config.api.throttle.rate


def _policy_statements(synth: Synth, fn_id: str) -> list[dict[str, Any]]:
    role = synth.resources("AWS::Lambda::Function")[fn_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    out: list[dict[str, Any]] = []
    for p in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role} in p["Properties"]["Roles"]:
            out += p["Properties"]["PolicyDocument"]["Statement"]
    return out


def _actions(statement: dict[str, Any]) -> list[str]:
    a = statement["Action"]
    return [a] if isinstance(a, str) else list(a)


def test_phase_toggle_closes_windows_over_the_table_and_invokes_the_site_worker_and_itself_SE_1(
    synth: Synth,
) -> None:
    """The toggle resolves unreviewed selections and closes waitlists (SE-1) in batches, so it
    reads and writes the table, runs long, and may start its own next run (a fixed name)."""
    fn_id = _function_id(synth, "phases")
    props = synth.resources("AWS::Lambda::Function")[fn_id]["Properties"]
    assert props["Timeout"] == 900
    assert props["FunctionName"] == f"{synth.config.stack_name}-phases"
    statements = _policy_statements(synth, fn_id)
    publish_id = _worker_id(synth, "functions.site.worker")
    ddb = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    actions = {a for s in ddb for a in _actions(s)}
    assert {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem"} <= actions
    assert not any("Condition" in s for s in ddb)  # the whole table, not only TERM# items
    invoke = json.dumps(
        [s["Resource"] for s in statements if "lambda:InvokeFunction" in _actions(s)]
    )
    assert publish_id in invoke and "-phases" in invoke


def _worker_id(synth: Synth, module: str) -> str:
    return next(
        k
        for k, r in synth.resources("AWS::Lambda::Function").items()
        if r["Properties"]["Handler"] == f"{module}.lambda_handler"
    )


def test_the_import_worker_runs_long_and_its_callers_may_start_it_TD_1(synth: Synth) -> None:
    w = next(w for w in WORKERS if w.name == "records-import")
    fn_id = _worker_id(synth, w.module)
    props = synth.resources("AWS::Lambda::Function")[fn_id]["Properties"]
    assert props["Timeout"] == 900 and props["MemorySize"] == w.memory_mb
    name = props["FunctionName"]
    assert name == f"{synth.config.stack_name}-records-import"
    # The records API knows the worker by name and may invoke it ...
    records = synth.resources("AWS::Lambda::Function")[_function_id(synth, "records")]
    assert records["Properties"]["Environment"]["Variables"][w.setting] == {"Ref": fn_id}
    invoke = [
        s
        for s in _policy_statements(synth, _function_id(synth, "records"))
        if "lambda:InvokeFunction" in _actions(s)
    ]
    assert invoke and fn_id in json.dumps(invoke)
    # ... and the worker may invoke itself (by its fixed name) to continue a long import.
    own = [s for s in _policy_statements(synth, fn_id) if "lambda:InvokeFunction" in _actions(s)]
    assert own and f"function:{name}" in json.dumps(own)
    table_id = next(iter(synth.resources("AWS::DynamoDB::Table")))
    assert any(
        "dynamodb:BatchWriteItem" in _actions(s) and table_id in json.dumps(s["Resource"])
        for s in _policy_statements(synth, fn_id)
    )


def test_api_functions_read_and_write_the_table(synth: Synth) -> None:
    table_id = next(iter(synth.resources("AWS::DynamoDB::Table")))
    for ctx in functions():
        actions = {
            a
            for s in _policy_statements(synth, _function_id(synth, ctx))
            if table_id in json.dumps(s["Resource"])
            for a in _actions(s)
        }
        assert {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:GetItem"} <= actions, ctx


def test_site_worker_writes_the_bucket_reads_the_table_and_runs_alone(synth: Synth) -> None:
    """It reads catalog documents, updates only its TERM#<term> | SITE record, uploads,
    deletes and invalidates; one run at a time; its callers know it by name."""
    w = next(w for w in WORKERS if w.name == "site-publish")
    fn_id = _worker_id(synth, w.module)
    statements = _policy_statements(synth, fn_id)
    table_id = next(iter(synth.resources("AWS::DynamoDB::Table")))
    bucket_id = synth.resource_id("AWS::S3::Bucket", "SiteBucket")
    table = [s for s in statements if table_id in json.dumps(s["Resource"])]
    assert "dynamodb:Query" in {a for s in table for a in _actions(s)}
    writes = [s for s in table if {"dynamodb:PutItem", "dynamodb:UpdateItem"} & set(_actions(s))]
    assert writes and all(
        s["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TERM#*"]}}
        and "dynamodb:PutItem" not in _actions(s)
        for s in writes
    )
    bucket_actions = {
        a for s in statements if bucket_id in json.dumps(s["Resource"]) for a in _actions(s)
    }
    assert {"s3:PutObject", "s3:DeleteObject*", "s3:GetObject*"} <= bucket_actions
    assert any("cloudfront:CreateInvalidation" in _actions(s) for s in statements)
    props = synth.resources("AWS::Lambda::Function")[fn_id]["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    env = props["Environment"]["Variables"]
    assert {"ZJT_SITE_BUCKET", "ZJT_SITE_DISTRIBUTION"} <= set(env)
    for ctx in ("projects", "orders", "phases"):
        caller = synth.resources("AWS::Lambda::Function")[_function_id(synth, ctx)]
        assert caller["Properties"]["Environment"]["Variables"][w.setting] == {"Ref": fn_id}
