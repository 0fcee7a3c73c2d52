"""A small selection rush over HTTP through its own local stack (bench/bench_rush.py is the big
one): concurrent simulated teachers on a few popular small classes and many roomy ones, with
throttles and transaction conflicts injected into the handlers' DynamoDB calls. Every invariant
holds from the stored data and from the clients' log of acknowledged results (SE-4)."""

from __future__ import annotations

import pytest

from bench.bench_rush import run

pytestmark = pytest.mark.e2e


def test_rush_with_injected_faults_keeps_every_invariant_SE_4():
    r = run(n_teachers=150, clients=16, fault_rate=0.3, quiet=True)
    assert r["server_errors"] == 0, r["statuses"]
    assert r["store_problems"] == [], r["store_problems"]
    assert r["log_problems"] == [], r["log_problems"]
    outcomes = r["outcomes"]
    assert outcomes.get("pending", 0) > 0 and outcomes.get("waitlisted", 0) > 0
    assert outcomes.get("class_full", 0) > 0  # refused without the waitlist flag
    assert r["http_attempts"] >= r["requests"]
    # Each popular class ended full (never over: SE-4), with its waitlist promoted in order.
    seats = {i["PK"].removeprefix("CLASS#"): i for i in r["items"] if i["SK"] == "SEATS"}
    for cid, cap in r["popular"].items():
        assert int(seats[cid]["held"]) == cap
