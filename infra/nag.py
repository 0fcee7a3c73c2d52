"""cdk-nag (the AwsSolutions pack) over the stack: every finding is fixed in the stack or
acknowledged here, on the construct it concerns, with the reason it stands.

`tests/infra/test_nag.py` synthesizes both partitions with the pack and expects no finding left;
`python -m infra.app` (and so `cdk synth` / `cdk deploy`) runs the pack too, so a new finding
stops a deployment until it is fixed or acknowledged with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from infra.target import Target

# Reasons written once, used wherever the same cause recurs.
TABLE_INDEXES = (
    "grant_read_write_data covers the table's global secondary indexes (<table>/index/*): the "
    "functions query GSI1…GSI3 by name; the wildcard names no other table"
)
KMS_GRANT = (
    "CDK's grant on the one customer-managed data key (its ARN, not '*'): GenerateDataKey* and "
    "ReEncrypt* are the encrypt operations DynamoDB and SQS call on the caller's behalf"
)
FUNCTION_VERSIONS = (
    "invoking a function includes its versions and aliases (<function>:*); the resource is one "
    "named function of this stack"
)
XRAY = "X-Ray's PutTraceSegments/PutTelemetryRecords accept no resource-level permission"
RUNTIME = (
    "python3.11 is pinned with the layers, which are built for CPython 3.11 "
    "(infra/layers.py PYTHON_VERSION); the runtime moves with them in one change"
)


def _ack(construct: IConstruct, rule: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=f"AwsSolutions-{rule}", reason=reason))


def acknowledge_invoke(role: IConstruct, callee: lambda_.IFunction) -> None:
    """A role that may invoke `callee` (e.g. a worker's schedule) holds its versions too."""
    _ack(role, f"IAM5[Resource::<{logical_ref(callee)}.Arn>:*]", FUNCTION_VERSIONS)


def acknowledge(
    stack: Stack,
    *,
    target: Target,
    functions: Mapping[str, lambda_.Function],
    invoked: Iterable[lambda_.IFunction],
    failure_queues: Iterable[IConstruct],
    dead_letters: IConstruct,
    distribution: IConstruct,
    public_routes: Iterable[IConstruct],
    publish: lambda_.Function,
    site_bucket: IConstruct,
    table: IConstruct,
    schedule_role: IConstruct,
    phases: lambda_.Function,
) -> None:
    """Acknowledge what stays, each with its reason. A finding names a resource by its logical
    id (`<SiteBucket978D4AEB.Arn>`), so acknowledgements are built from the same ids."""
    for fn in functions.values():
        _ack(fn, "L1", RUNTIME)
        role = fn.role  # each function's own role (infra/stack.py), beside the function
        assert role is not None
        _ack(role, "IAM5[Action::kms:ReEncrypt*]", KMS_GRANT)
        _ack(role, "IAM5[Action::kms:GenerateDataKey*]", KMS_GRANT)
        _ack(role, f"IAM5[Resource::<{logical_ref(table)}.Arn>/index/*]", TABLE_INDEXES)
        if target.xray:
            _ack(role, "IAM5[Resource::*]", XRAY)
        for callee in invoked:
            _ack(role, f"IAM5[Resource::<{logical_ref(callee)}.Arn>:*]", FUNCTION_VERSIONS)
    _ack(schedule_role, f"IAM5[Resource::<{logical_ref(phases)}.Arn>:*]", FUNCTION_VERSIONS)
    _ack(schedule_role, "IAM5[Action::kms:ReEncrypt*]", KMS_GRANT)
    _ack(schedule_role, "IAM5[Action::kms:GenerateDataKey*]", KMS_GRANT)

    site_sync = (
        "the site worker publishes the built site into its bucket: it reads its manifest, "
        "writes and deletes objects under any key of that one bucket (and lists it once, "
        "at the first publication)"
    )
    for rule in (
        "IAM5[Action::s3:GetObject*]",
        "IAM5[Action::s3:GetBucket*]",
        "IAM5[Action::s3:List*]",
        "IAM5[Action::s3:DeleteObject*]",
        "IAM5[Action::s3:Abort*]",
        f"IAM5[Resource::<{logical_ref(site_bucket)}.Arn>/*]",
    ):
        _ack(publish.role, rule, site_sync)  # type: ignore[arg-type]

    for queue in [*failure_queues, dead_letters]:
        _ack(
            queue,
            "SQS3",
            "this queue is itself the dead-letter destination (failed asynchronous events, failed "
            "schedule deliveries); an alarm fires on its first message",
        )
    for route in public_routes:
        _ack(
            route,
            "APIG4",
            "anonymous by design (ROUTES public=True): health, the open phases and seat counts "
            "feed the public catalog; they read no personal information",
        )

    _ack(
        distribution,
        "CFR1",
        "no geo restriction: teachers reach the site from anywhere (a training trip abroad "
        "included); CloudFront China serves from mainland edges only",
    )
    if not target.edge_web_acl:
        _ack(
            distribution,
            "CFR2",
            "AWS WAF is regional-only in the China regions: no CLOUDFRONT-scope web ACL exists "
            "there (deployment guide, 中国区域)",
        )
    if not target.acm_for_cloudfront:
        _ack(
            distribution,
            "CFR4",
            "remediated by property override: CloudFront China takes its certificate from IAM "
            "(IamCertificateId) with MinimumProtocolVersion TLSv1.2_*, which cdk-nag cannot see; "
            "tests/infra/test_partitions.py asserts it",
        )
    if not target.origin_access_control:
        _ack(
            distribution,
            "CFR7",
            "CloudFront China has no Origin Access Control: the bucket is reached through an "
            "Origin Access Identity and stays private",
        )


def logical_ref(construct: Any) -> str:
    """The logical id cdk-nag prints for `construct` (its CloudFormation resource)."""
    child = construct.node.default_child
    return str(Stack.of(construct).get_logical_id(child))
