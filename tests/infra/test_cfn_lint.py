"""cfn-lint over the synthesized templates, each checked against the regions it deploys to (the
China template against both China regions' specs, a global edge stack against us-east-1): no
errors (warnings are printed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infra.config import CHINA_REGIONS
from tests.infra.conftest import Synth

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def _lint(template: Path, regions: list[str]) -> None:
    proc = subprocess.run(
        [str(CFN_LINT), "--format", "json", "--regions", *regions, "--", str(template)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Exit status is a bit set: 2 errors, 4 warnings, 8 informational; 1 means it failed to run.
    assert not proc.returncode & 1, proc.stderr
    findings = json.loads(proc.stdout or "[]")
    for f in findings:
        if f["Level"] != "Error":
            print(f"{f['Level']} {f['Rule']['Id']}: {f['Message']}")
    errors = [f"{f['Rule']['Id']}: {f['Message']}" for f in findings if f["Level"] == "Error"]
    assert errors == []


def test_template_has_no_cfn_lint_errors_in_its_regions(any_synth: Synth) -> None:
    region = any_synth.config.deployment.region
    _lint(any_synth.template_path, list(CHINA_REGIONS) if any_synth.china else [region])
    edge = any_synth.template_path.with_name(f"{any_synth.config.stack_name}-edge.template.json")
    if edge.exists():
        _lint(edge, ["us-east-1"])
