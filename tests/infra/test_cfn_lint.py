"""cfn-lint over the synthesized template: no errors (warnings are printed, not failed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.infra.conftest import Synth

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def test_template_has_no_cfn_lint_errors(synth: Synth) -> None:
    proc = subprocess.run(
        [str(CFN_LINT), "--format", "json", str(synth.template_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Exit status is a bit set: 2 errors, 4 warnings, 8 informational; 1 means it failed to run.
    assert not proc.returncode & 1, proc.stderr
    findings = json.loads(proc.stdout or "[]")
    for f in findings:
        if f["Level"] != "Error":
            print(f"{f['Level']} {f['Rule']['Id']}: {f['Message']}")
    errors = [f"{f['Rule']['Id']}: {f['Message']}" for f in findings if f["Level"] == "Error"]
    assert errors == []
