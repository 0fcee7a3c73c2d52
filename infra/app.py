"""The CDK app: `python -m infra.app` (from the repository root) or `cdk synth` in infra/.

Synthesis needs no AWS account (no context lookups). The region, and with it the partition
(aws-cn for cn-north-1 / cn-northwest-1), comes from `infra/config.yaml`; the account is the
deploying credentials' (CDK_DEFAULT_ACCOUNT, set by `cdk deploy`). The first synth builds the
Lambda layers with pip (cached under build/layers).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script by the CDK CLI from infra/ (cdk.json)
    sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.assets import stage_code  # noqa: E402
from infra.config import InfraConfig, load_config  # noqa: E402
from infra.layers import build_layers  # noqa: E402
from infra.stack import ZjtStack  # noqa: E402
from infra.target import target  # noqa: E402
from infra.waf import EdgeStack  # noqa: E402
from schemas.calendar import TermCalendar, all_calendars  # noqa: E402


def build_app(
    *,
    outdir: str | None = None,
    config: InfraConfig | None = None,
    layer_dirs: Mapping[str, Path] | None = None,
    code_dir: Path | None = None,
    calendars: Sequence[TermCalendar] | None = None,
    nag: bool = True,
) -> tuple[cdk.App, ZjtStack]:
    """The app and its one stack; every argument defaults to the real thing. With `nag` the
    AwsSolutions pack of cdk-nag checks the stack at synthesis (infra/nag.py): a finding that is
    neither fixed nor acknowledged fails `app.synth()`."""
    config = config or load_config()
    if outdir is None and "CDK_OUTDIR" not in os.environ:  # not run by the CDK CLI
        outdir = str(ROOT / "cdk.out")
    app = cdk.App(outdir=outdir)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    region = config.deployment.region
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    default_region = os.environ.get("CDK_DEFAULT_REGION")
    if account and default_region and default_region != region:
        # The credentials' account lives in one partition; a region of the other cannot be
        # reached with them, and a mismatch within a partition is most likely a wrong profile.
        raise SystemExit(
            f"infra/config.yaml deploys to {region}, but the AWS profile's region is "
            f"{default_region}: use a profile of that region (aws configure --profile …)"
        )
    where = target(config.deployment)
    edge: EdgeStack | None = None
    if where.edge_web_acl and region != where.edge_region:
        # CLOUDFRONT-scope resources live in us-east-1; the CDK hands their ARNs across.
        edge = EdgeStack(
            app,
            f"{config.stack_name}-edge",
            description="zjtrain: the distribution's web ACL (CloudFront scope, us-east-1)",
            env=cdk.Environment(account=account, region=where.edge_region),
            cross_region_references=True,
            limits=config.rate_limits,
        )
    stack = ZjtStack(
        app,
        config.stack_name,
        description="Zhejiang teacher professional-development training platform",
        env=cdk.Environment(account=account, region=region),
        cross_region_references=edge is not None,
        web_acl_arn=edge.firewall.arn if edge else None,
        config=config,
        code_dir=code_dir or stage_code(),
        layer_dirs=layer_dirs or build_layers(),
        calendars=calendars if calendars is not None else all_calendars(),
    )
    cdk.Tags.of(app).add("project", "zjtrain")
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
