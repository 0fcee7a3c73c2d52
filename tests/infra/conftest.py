"""The real CDK app, synthesized once per test session (no AWS account, no context lookups).

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

    def resources(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == type_}


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from aws_cdk.assertions import Template

    from infra.app import build_app
    from infra.config import load_config

    layers = tmp_path_factory.mktemp("layers")
    layer_dirs = {}
    for name in ("runtime", "publish"):
        (layers / name / "python").mkdir(parents=True)
        (layers / name / "python" / "README.txt").write_text(f"stand-in {name} layer\n")
        layer_dirs[name] = layers / name
    outdir = tmp_path_factory.mktemp("cdk.out")
    config = load_config()
    app, stack = build_app(outdir=str(outdir), config=config, layer_dirs=layer_dirs)
    app.synth()
    template_path = outdir / f"{stack.stack_name}.template.json"
    template = json.loads(template_path.read_text())
    manifest = json.loads((outdir / "manifest.json").read_text())
    return Synth(
        outdir=outdir,
        template_path=template_path,
        template=template,
        manifest=manifest,
        assertions=Template.from_json(template),
        config=config,
    )
