"""cdk-nag's AwsSolutions pack over both partitions: every finding is fixed in the stack or
acknowledged in infra/nag.py with its reason."""

from __future__ import annotations

import json

from tests.infra.conftest import Synth


def test_cdk_nag_aws_solutions_leaves_no_unacknowledged_finding(any_synth: Synth) -> None:
    assert any_synth.nag_findings == []


def test_every_acknowledgement_has_a_written_reason(any_synth: Synth) -> None:
    stack = any_synth.config.stack_name
    metadata = json.loads((any_synth.outdir / f"{stack}.metadata.json").read_text())
    reasons = {
        (path, rule): reason
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
        if "AwsSolutions-" in rule  # the CDK acknowledges some CloudFormation-Validate rules itself
    }
    assert reasons, "no acknowledgement in the cloud assembly"
    short = {k: v for k, v in reasons.items() if len(v) < 40}
    assert short == {}, "an acknowledgement needs a reason a reviewer can check"
