"""The CDK app: `python -m infra.app` (from the repository root) or `cdk synth` in infra/.

Synthesis needs no AWS account (no context lookups; the stack is environment-agnostic unless
CDK_DEFAULT_ACCOUNT/REGION are set, as `cdk deploy` does). The first synth builds the Lambda
layers with pip (cached under build/layers).
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

from infra.assets import stage_code  # noqa: E402
from infra.config import InfraConfig, load_config  # noqa: E402
from infra.layers import build_layers  # noqa: E402
from infra.stack import ZjtStack  # noqa: E402
from schemas.calendar import TermCalendar, all_calendars  # noqa: E402


def build_app(
    *,
    outdir: str | None = None,
    config: InfraConfig | None = None,
    layer_dirs: Mapping[str, Path] | None = None,
    code_dir: Path | None = None,
    calendars: Sequence[TermCalendar] | None = None,
) -> tuple[cdk.App, ZjtStack]:
    """The app and its one stack; every argument defaults to the real thing."""
    config = config or load_config()
    if outdir is None and "CDK_OUTDIR" not in os.environ:  # not run by the CDK CLI
        outdir = str(ROOT / "cdk.out")
    app = cdk.App(outdir=outdir)
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    stack = ZjtStack(
        app,
        config.stack_name,
        description="Zhejiang teacher professional-development training platform",
        env=cdk.Environment(account=account, region=region) if account and region else None,
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
