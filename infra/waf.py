"""AWS WAF for the distribution, which is also the API's front door (`/api/*`).

The HTTP API itself cannot carry a web ACL (WAF associates with REST API stages, not HTTP APIs),
so the rules sit on the CloudFront distribution, in CLOUDFRONT scope, which must be created in
us-east-1: when the stack deploys elsewhere, `EdgeStack` holds the web ACL there and the CDK
passes its ARN across regions. In the China regions WAF is regional only and neither CloudFront
nor an HTTP API can take a web ACL: no firewall is built there (deployment guide, 中国区域).

Rules, in order:
1. per client, keyed by the Authorization header (one token, one signed-in person): the token's
   subject itself is not a key WAF can read, the header that carries it is;
2. per client, keyed by the source IP (anonymous pages and the catalog; a school behind one NAT
   address gets the larger limit);
3. AWS managed rules: IP reputation, known bad inputs, the common rule set (its 8 KB body limit
   counts only: an import uploads its file in parts larger than that).
A blocked client gets 429 with Retry-After and the API's error body.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_wafv2 as waf
from constructs import Construct

from functions.common.errors import RateLimited
from infra.config import RateLimits

TOO_MANY = "too_many_requests"
# The API's own error body (functions/common/errors.py), as the local gateway answers too.
RATE_LIMITED_BODY = json.dumps(RateLimited().body(), ensure_ascii=False)


def _visibility(name: str) -> waf.CfnWebACL.VisibilityConfigProperty:
    return waf.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _block_429(retry_after: int) -> waf.CfnWebACL.RuleActionProperty:
    return waf.CfnWebACL.RuleActionProperty(
        block=waf.CfnWebACL.BlockActionProperty(
            custom_response=waf.CfnWebACL.CustomResponseProperty(
                response_code=429,
                custom_response_body_key=TOO_MANY,
                response_headers=[
                    waf.CfnWebACL.CustomHTTPHeaderProperty(
                        name="Retry-After", value=str(retry_after)
                    )
                ],
            )
        )
    )


def _managed(name: str, priority: int, overrides: list[str] | None = None) -> Any:
    return waf.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=waf.CfnWebACL.OverrideActionProperty(none={}),
        statement=waf.CfnWebACL.StatementProperty(
            managed_rule_group_statement=waf.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    waf.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=waf.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in overrides or []
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


class EdgeFirewall(Construct):
    """The CLOUDFRONT-scope web ACL (its stack must be in us-east-1)."""

    def __init__(self, scope: Construct, id: str, *, limits: RateLimits) -> None:
        super().__init__(scope, id)
        window = limits.window_seconds
        per_token = waf.CfnWebACL.RuleProperty(
            name="PerToken",
            priority=0,
            action=_block_429(window),
            statement=waf.CfnWebACL.StatementProperty(
                rate_based_statement=waf.CfnWebACL.RateBasedStatementProperty(
                    limit=limits.per_token,
                    evaluation_window_sec=window,
                    aggregate_key_type="CUSTOM_KEYS",
                    custom_keys=[
                        waf.CfnWebACL.RateBasedStatementCustomKeyProperty(
                            header=waf.CfnWebACL.RateLimitHeaderProperty(
                                name="authorization",
                                text_transformations=[
                                    waf.CfnWebACL.TextTransformationProperty(
                                        priority=0, type="NONE"
                                    )
                                ],
                            )
                        )
                    ],
                )
            ),
            visibility_config=_visibility("PerToken"),
        )
        per_ip = waf.CfnWebACL.RuleProperty(
            name="PerIp",
            priority=1,
            action=_block_429(window),
            statement=waf.CfnWebACL.StatementProperty(
                rate_based_statement=waf.CfnWebACL.RateBasedStatementProperty(
                    limit=limits.per_ip,
                    evaluation_window_sec=window,
                    aggregate_key_type="IP",
                )
            ),
            visibility_config=_visibility("PerIp"),
        )
        self.acl = waf.CfnWebACL(
            self,
            "WebAcl",
            scope="CLOUDFRONT",
            description="zjtrain per-client rate limits and AWS managed rules for the site and API",
            default_action=waf.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("zjtrain"),
            custom_response_bodies={
                TOO_MANY: waf.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=RATE_LIMITED_BODY
                )
            },
            rules=[
                per_token,
                per_ip,
                _managed("AWSManagedRulesAmazonIpReputationList", 2),
                _managed("AWSManagedRulesKnownBadInputsRuleSet", 3),
                _managed("AWSManagedRulesCommonRuleSet", 4, overrides=["SizeRestrictions_BODY"]),
            ],
        )
        self.arn = self.acl.attr_arn


class EdgeStack(Stack):
    """us-east-1 resources of a global deployment in another region: the web ACL."""

    def __init__(self, scope: Construct, id: str, *, limits: RateLimits, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.firewall = EdgeFirewall(self, "Firewall", limits=limits)
