"""The real CDK app, synthesized once per test session for each partition (no AWS account, no
context lookups): `synth` is the shipped `infra/config.yaml` (a China region, the aws-cn
partition), `synth_global` the same settings in a global region. `any_synth` runs a test on both.

The layers are small stand-in directories here; tests/infra/test_layers.py runs the real
layer build once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The jsii runtime prints a banner on Node 20 (past its end of life) with every synth.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
for var in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_OUTDIR", "CDK_CONTEXT_JSON"):
    os.environ.pop(var, None)


@dataclass(frozen=True)
class Synth:
    outdir: Path
    template_path: Path
    template: dict[str, Any]  # the CloudFormation template as JSON
    manifest: dict[str, Any]
    assertions: Any  # aws_cdk.assertions.Template over the same template
    config: Any  # infra.config.InfraConfig the app was built from
    nag_findings: list[str]  # cdk-nag (AwsSolutions) findings neither fixed nor acknowledged
    # The us-east-1 stack of a global deployment elsewhere (the web ACL), or None.
    edge_template: dict[str, Any] | None = None

    @property
    def china(self) -> bool:
        return bool(self.config.deployment.china)

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == type_}

    def functions(self) -> dict[str, dict[str, Any]]:
        """The platform's functions (not the CDK's custom-resource providers)."""
        return {
            k: r
            for k, r in self.resources("AWS::Lambda::Function").items()
            if str(r["Properties"].get("Handler", "")).startswith("functions.")
        }

    def resource_id(self, type_: str, contains: str) -> str:
        """The one resource of `type_` whose logical id contains `contains`."""
        ids = [k for k in self.resources(type_) if contains in k]
        assert len(ids) == 1, f"{type_} *{contains}*: {ids}"
        return ids[0]


# A global-partition variant of the shipped settings: the region and an ACM certificate.
GLOBAL_REGION = "ap-east-1"
GLOBAL_CERTIFICATE = (
    "arn:aws:acm:us-east-1:123456789012:certificate/"
    + "0" * 8
    + "-"
    + "0" * 4
    + "-"
    + "0" * 4
    + "-"
    + "0" * 4
    + "-"
    + "0" * 12
)


def global_config() -> Any:
    import yaml

    from infra.config import CONFIG_FILE, InfraConfig

    raw = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    raw["deployment"]["region"] = GLOBAL_REGION
    raw["site"]["certificate"] = GLOBAL_CERTIFICATE
    return InfraConfig.model_validate(raw)


def _synthesize(tmp_path_factory: pytest.TempPathFactory, config: Any) -> Synth:
    from aws_cdk.assertions import Template

    from infra.app import build_app

    layers = tmp_path_factory.mktemp("layers")
    layer_dirs = {}
    for name in ("runtime", "publish"):
        (layers / name / "python").mkdir(parents=True)
        (layers / name / "python" / "README.txt").write_text(f"stand-in {name} layer\n")
        layer_dirs[name] = layers / name
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app(outdir=str(outdir), config=config, layer_dirs=layer_dirs, nag=True)
    try:
        app.synth()
    except RuntimeError as exc:  # the templates are written; the report says what failed
        if "ValidationFailed" not in str(exc):
            raise
    report = json.loads((outdir / "validation-report.json").read_text())
    findings = [
        f"{v['ruleName']} at {c['constructPath']}: {v['description']}"
        for plugin in report["pluginReports"]
        for v in plugin["violations"]
        for c in v["violatingConstructs"]
    ]
    template_path = outdir / f"{stack.stack_name}.template.json"
    template = json.loads(template_path.read_text())
    manifest = json.loads((outdir / "manifest.json").read_text())
    edge_path = outdir / f"{stack.stack_name}-edge.template.json"
    return Synth(
        outdir=outdir,
        template_path=template_path,
        template=template,
        manifest=manifest,
        assertions=Template.from_json(template),
        config=config,
        nag_findings=findings,
        edge_template=json.loads(edge_path.read_text()) if edge_path.exists() else None,
    )


@pytest.fixture(scope="session")
def synth_china(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The shipped settings: the China regions (aws-cn)."""
    from infra.config import load_config

    return _synthesize(tmp_path_factory, load_config())


@pytest.fixture(scope="session")
def synth(synth_china: Synth) -> Synth:
    return synth_china


@pytest.fixture(scope="session")
def synth_global(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return _synthesize(tmp_path_factory, global_config())


@pytest.fixture(params=["aws-cn", "aws"])
def any_synth(request: pytest.FixtureRequest) -> Synth:
    name = "synth_china" if request.param == "aws-cn" else "synth_global"
    found: Synth = request.getfixturevalue(name)
    return found
