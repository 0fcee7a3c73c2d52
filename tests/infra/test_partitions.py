"""Both partitions from one app (infra/config.yaml picks the region), and the security baseline
of issue 17 in each: China names nothing that exists only in the global partition and uses only
resource types the China regions offer; the key, the logs, TLS and failed asynchronous events
are checked in both."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint

from infra.config import CHINA_REGIONS, MIN_LOG_DAYS
from tests.infra.conftest import Synth

PROVIDERS = Path(cfnlint.__file__).parent / "data" / "schemas" / "providers"


@cache
def region_resource_types(region: str) -> frozenset[str]:
    """The CloudFormation resource types a region offers (its registry, as cfn-lint ships it)."""
    return frozenset(json.loads((PROVIDERS / f"{region}.json").read_text()))


def _types(synth: Synth) -> set[str]:
    return {r["Type"] for r in synth.template["Resources"].values()}


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _service_principals(node: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Principal" and isinstance(v, dict) and "Service" in v:
                svc = v["Service"]
                found += svc if isinstance(svc, list) else [svc]
            else:
                found += _service_principals(v)
    elif isinstance(node, list):
        for v in node:
            found += _service_principals(v)
    return found


# -- China ----------------------------------------------------------------------------------


def test_shipped_settings_deploy_to_a_china_region(synth: Synth) -> None:
    assert synth.config.deployment.region in CHINA_REGIONS
    assert synth.config.deployment.partition == "aws-cn"


def test_china_template_uses_only_resource_types_both_china_regions_offer(synth: Synth) -> None:
    for region in CHINA_REGIONS:
        missing = sorted(_types(synth) - region_resource_types(region))
        assert missing == [], f"not in {region}: {missing}"


def test_the_registry_check_would_catch_a_global_only_type(synth_global: Synth) -> None:
    """The global template uses CloudFront Functions and OAC; China's registry has neither."""
    global_only = _types(synth_global) - region_resource_types("cn-north-1")
    assert {"AWS::CloudFront::Function", "AWS::CloudFront::OriginAccessControl"} <= global_only


def test_china_template_names_no_global_only_endpoint_arn_or_principal(synth: Synth) -> None:
    strings = _strings(synth.template["Resources"])
    text = "\n".join(strings)
    # ARNs are built with ${AWS::Partition} (or resolved to aws-cn), never the global "arn:aws:".
    assert not re.search(r"\barn:aws:", text)
    # No endpoint of the global partition, no CloudFront-global name, no us-east-1 resource
    # (global CloudFront certificates and web ACLs live there).
    assert not re.search(r"\.amazonaws\.com(?!\.cn)[/:]", text)
    assert "cloudfront.net" not in text and "us-east-1" not in text
    principals = _service_principals(synth.template["Resources"])
    literal = {p for p in principals if isinstance(p, str)}
    # Principals of global-only features: Lambda@Edge, OAC signing, Shield.
    assert not literal & {
        "edgelambda.amazonaws.com",
        "cloudfront.amazonaws.com",
        "shield.amazonaws.com",
    }
    # The regional CloudWatch Logs principal takes the partition's DNS suffix
    # (logs.cn-northwest-1.amazonaws.com.cn), so it is built from AWS::URLSuffix.
    built = [json.dumps(p) for p in principals if not isinstance(p, str)]
    assert any("logs." in p and "AWS::URLSuffix" in p for p in built), built
    assert not synth.resources("AWS::WAFv2::WebACL") or all(
        acl["Properties"]["Scope"] == "REGIONAL"
        for acl in synth.resources("AWS::WAFv2::WebACL").values()
    )


def test_china_distribution_uses_an_iam_certificate_and_origin_access_identity(
    synth: Synth,
) -> None:
    dist = next(iter(synth.resources("AWS::CloudFront::Distribution").values()))
    cfg = dist["Properties"]["DistributionConfig"]
    site = synth.config.site
    assert cfg["Aliases"] == [site.domain]
    assert cfg["ViewerCertificate"] == {
        "IamCertificateId": site.certificate,
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": site.minimum_tls,
    }
    assert "PriceClass" not in cfg and cfg["HttpVersion"] == "http2"
    behaviours = [cfg["DefaultCacheBehavior"], *cfg["CacheBehaviors"]]
    assert not any(b.get("FunctionAssociations") for b in behaviours)


def test_china_functions_copy_directory_indexes_instead_of_an_edge_rewrite(
    synth: Synth, synth_global: Synth
) -> None:
    def publish_env(s: Synth) -> dict[str, Any]:
        fn = next(
            r
            for r in s.resources("AWS::Lambda::Function").values()
            if r["Properties"]["Handler"] == "functions.site.worker.lambda_handler"
        )
        env: dict[str, Any] = fn["Properties"]["Environment"]["Variables"]
        return env

    assert publish_env(synth)["ZJT_DIRECTORY_INDEX_COPIES"] == "1"
    assert publish_env(synth_global)["ZJT_DIRECTORY_INDEX_COPIES"] == "0"
    assert synth_global.resources("AWS::CloudFront::Function")


# -- both partitions --------------------------------------------------------------------------


def test_distribution_serves_its_own_domain_with_tls_1_2_at_least(any_synth: Synth) -> None:
    dist = next(iter(any_synth.resources("AWS::CloudFront::Distribution").values()))
    viewer = dist["Properties"]["DistributionConfig"]["ViewerCertificate"]
    assert viewer["MinimumProtocolVersion"].startswith("TLSv1.2_")
    assert viewer["SslSupportMethod"] == "sni-only"
    assert dist["Properties"]["DistributionConfig"]["Aliases"] == [any_synth.config.site.domain]
    if not any_synth.china:
        assert viewer["AcmCertificateArn"] == any_synth.config.site.certificate


def test_one_customer_managed_key_with_rotation_encrypts_table_queues_topic_and_logs(
    any_synth: Synth,
) -> None:
    (key_id,) = any_synth.resources("AWS::KMS::Key")
    key = any_synth.resources("AWS::KMS::Key")[key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    ref = {"Fn::GetAtt": [key_id, "Arn"]}
    table = next(iter(any_synth.resources("AWS::DynamoDB::Table").values()))["Properties"]
    assert table["SSESpecification"] == {
        "KMSMasterKeyId": ref,
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    for queue in any_synth.resources("AWS::SQS::Queue").values():
        assert queue["Properties"]["KmsMasterKeyId"] == ref
    for topic in any_synth.resources("AWS::SNS::Topic").values():
        assert topic["Properties"]["KmsMasterKeyId"] == ref
    groups = any_synth.resources("AWS::Logs::LogGroup")
    assert groups
    for group in groups.values():
        assert group["Properties"]["KmsKeyId"] == ref
    # CloudWatch Logs and CloudWatch alarms may use the key (log groups, the alarm topic).
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert any("logs." in json.dumps(s.get("Principal")) for s in statements)
    assert any(s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for s in statements)


def test_every_asynchronously_invoked_function_sends_failures_to_an_alarmed_queue(
    any_synth: Synth,
) -> None:
    """The import worker, the site worker and the phase toggle (EventBridge Scheduler invokes it
    asynchronously): after Lambda's retries an event lands in an encrypted queue with an alarm."""
    fns = any_synth.resources("AWS::Lambda::Function")
    handlers = {
        "functions.records.worker.lambda_handler",
        "functions.site.worker.lambda_handler",
        "functions.phases.handler.lambda_handler",
    }
    async_ids = {k for k, r in fns.items() if r["Properties"]["Handler"] in handlers}
    assert len(async_ids) == len(handlers)
    configs = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
        for c in any_synth.resources("AWS::Lambda::EventInvokeConfig").values()
    }
    alarms = [a["Properties"] for a in any_synth.resources("AWS::CloudWatch::Alarm").values()]
    for fn_id in async_ids:
        config = configs[fn_id]
        assert config["MaximumRetryAttempts"] == 2
        destination = config["DestinationConfig"]["OnFailure"]["Destination"]
        queue_id = destination["Fn::GetAtt"][0]
        assert any_synth.template["Resources"][queue_id]["Type"] == "AWS::SQS::Queue"
        assert any(
            a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
            and a["Dimensions"]
            == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
            and a["Threshold"] == 1
            and a["AlarmActions"]
            for a in alarms
        ), fn_id


def test_access_logs_of_distribution_bucket_and_api_are_kept_at_least_180_days(
    any_synth: Synth,
) -> None:
    """网络安全法 art. 21: network logs are kept for at least six months."""
    buckets = any_synth.resources("AWS::S3::Bucket")
    log_id = any_synth.resource_id("AWS::S3::Bucket", "AccessLogsBucket")
    rules = buckets[log_id]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert [r["ExpirationInDays"] for r in rules] == [any_synth.config.logs.retention_days]
    assert any_synth.config.logs.retention_days >= MIN_LOG_DAYS
    dist = next(iter(any_synth.resources("AWS::CloudFront::Distribution").values()))
    logging = dist["Properties"]["DistributionConfig"]["Logging"]
    assert logging["Bucket"] == {"Fn::GetAtt": [log_id, "RegionalDomainName"]}
    site_id = any_synth.resource_id("AWS::S3::Bucket", "SiteBucket")
    assert buckets[site_id]["Properties"]["LoggingConfiguration"]["DestinationBucketName"] == {
        "Ref": log_id
    }
    stage = next(iter(any_synth.resources("AWS::ApiGatewayV2::Stage").values()))
    group_id = stage["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    group = any_synth.resources("AWS::Logs::LogGroup")[group_id]["Properties"]
    assert group["RetentionInDays"] >= MIN_LOG_DAYS
    for g in any_synth.resources("AWS::Logs::LogGroup").values():
        assert g["Properties"]["RetentionInDays"] >= MIN_LOG_DAYS


def test_a_multi_region_cloudtrail_trail_with_file_validation(any_synth: Synth) -> None:
    (trail,) = any_synth.resources("AWS::CloudTrail::Trail").values()
    props = trail["Properties"]
    assert props["IsMultiRegionTrail"] is True
    assert props["EnableLogFileValidation"] is True
    assert props["IncludeGlobalServiceEvents"] is True
    (key_id,) = any_synth.resources("AWS::KMS::Key")
    assert props["KMSKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


# -- WAF --------------------------------------------------------------------------------------


def test_global_distribution_has_a_cloudfront_web_acl_with_per_client_rate_limits(
    synth_global: Synth,
) -> None:
    """Issue 11's per-client limit: keyed by the Authorization header (one signed-in client)
    and by source IP, answering 429 with Retry-After; plus AWS managed rules. The web ACL is in
    us-east-1 (CLOUDFRONT scope), handed to the distribution across regions."""
    assert synth_global.edge_template is not None
    acls = [
        r["Properties"]
        for r in synth_global.edge_template["Resources"].values()
        if r["Type"] == "AWS::WAFv2::WebACL"
    ]
    assert len(acls) == 1 and acls[0]["Scope"] == "CLOUDFRONT"
    limits = synth_global.config.rate_limits
    rules = {r["Name"]: r for r in acls[0]["Rules"]}
    token = rules["PerToken"]["Statement"]["RateBasedStatement"]
    assert token["Limit"] == limits.per_token
    assert token["EvaluationWindowSec"] == limits.window_seconds
    assert token["AggregateKeyType"] == "CUSTOM_KEYS"
    assert token["CustomKeys"][0]["Header"]["Name"] == "authorization"
    ip = rules["PerIp"]["Statement"]["RateBasedStatement"]
    assert (ip["Limit"], ip["AggregateKeyType"]) == (limits.per_ip, "IP")
    for name in ("PerToken", "PerIp"):
        response = rules[name]["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert response["ResponseHeaders"] == [
            {"Name": "Retry-After", "Value": str(limits.window_seconds)}
        ]
    body = json.loads(acls[0]["CustomResponseBodies"][response["CustomResponseBodyKey"]]["Content"])
    assert body["code"] == "rate_limited" and body["message"]
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    } <= set(rules)
    dist = next(iter(synth_global.resources("AWS::CloudFront::Distribution").values()))
    assert "WebACLId" in dist["Properties"]["DistributionConfig"]
    assert synth_global.resources("Custom::CrossRegionExportReader")


def test_china_builds_no_web_acl_because_waf_is_regional_only_there(synth: Synth) -> None:
    assert synth.edge_template is None
    assert not synth.resources("AWS::WAFv2::WebACL")
    dist = next(iter(synth.resources("AWS::CloudFront::Distribution").values()))
    assert "WebACLId" not in dist["Properties"]["DistributionConfig"]


def test_the_local_gateway_limits_clients_with_the_numbers_and_body_of_the_waf_rules(
    synth_global: Synth,
) -> None:
    """One source of the limits (infra/config.yaml `rate_limits`): what `make dev`'s gateway
    enforces is what the template's rate-based rules enforce, answered with the same body."""
    from functions.common.errors import RateLimited
    from local.ratelimit import RateLimiter, deployment_limits

    assert synth_global.edge_template is not None
    acl = next(
        r["Properties"]
        for r in synth_global.edge_template["Resources"].values()
        if r["Type"] == "AWS::WAFv2::WebACL"
    )
    template = {
        r["Name"]: (
            r["Statement"]["RateBasedStatement"]["Limit"],
            r["Statement"]["RateBasedStatement"]["EvaluationWindowSec"],
        )
        for r in acl["Rules"]
        if "RateBasedStatement" in r["Statement"]
    }
    local = RateLimiter(deployment_limits())
    assert {name: (limit, int(local.window)) for name, limit, _ in local.rules} == template
    (body,) = acl["CustomResponseBodies"].values()
    assert json.loads(body["Content"]) == RateLimited().body()
