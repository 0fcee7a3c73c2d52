"""Schemathesis over the served API document (issue 11): every operation of
`GET /api/openapi.json`, requests generated from it (valid and invalid), sent with the tokens of
several roles through the local gateway (its JWT authorizer, then the real handlers) to a moto
table seeded with a reduced demo world. Each operation runs with the clock inside one of the
term's phase windows in turn, so phase-gated writes are reached too.

What it counts: requests sent, answers by status class, and every answer >= 500 with its
operation, role and body (the goal is none). Used by `tests/integration/test_fuzz.py` (a few
examples per operation) and `python -m bench fuzz` (full length).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from schemas.people import Role, User

# The roles whose tokens the requests carry (one account each), plus no token at all.
ROLES = (
    Role.TEACHER,
    Role.PRINCIPAL,
    Role.SCHOOL_ADMIN,
    Role.INSTITUTION,
    Role.COUNTY_BUREAU,
    Role.CITY_BUREAU,
    Role.PROVINCE_BUREAU,
    Role.CENTRE,
)
ANONYMOUS = "anonymous"


@dataclass
class ServerError:
    operation: str
    role: str
    status: int
    request: str
    body: str


@dataclass
class Tally:
    sent: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    operations: int = 0
    seen: set[str] = field(default_factory=set)
    server_errors: list[ServerError] = field(default_factory=list)

    def lines(self) -> list[str]:
        classes = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_class.items()))
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items()))
        out = [
            f"operations: {self.operations}",
            f"requests sent: {self.sent}",
            f"responses by class: {classes}",
            f"responses by status: {statuses}",
            f"responses >= 500: {len(self.server_errors)}",
        ]
        out += [
            f"  {e.status} {e.operation} as {e.role}: {e.request} -> {e.body[:300]}"
            for e in self.server_errors[:20]
        ]
        return out


@dataclass
class World:
    app: Any  # the gateway's WSGI app
    tokens: dict[str, str | None]  # role -> bearer token (None: anonymous)
    instants: list[datetime]  # one instant inside each phase window of the term


@contextmanager
def world(projects: int = 12, teachers: int = 40) -> Iterator[World]:
    """A moto table with a reduced demo world, and the local gateway over it."""
    import boto3
    from moto import mock_aws

    from functions.common import clock, records, store
    from functions.common.settings import settings
    from functions.common.table_def import create_table_kwargs
    from local.demo import demo_data
    from local.gateway import make_gateway
    from local.seed import seed
    from schemas.calendar import term_calendar

    saved = {
        k: os.environ.pop(k)
        for k in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
        if k in os.environ
    }
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    data = demo_data().subset(projects=projects, teachers=teachers)
    accounts: dict[str, User] = {}
    for user in (*data.demo_accounts, *data.users):
        accounts.setdefault(user.role.value, user)
    try:
        with mock_aws(), tempfile.TemporaryDirectory() as tmp:
            store.reset_clients()
            records.clear_cache()
            boto3.client("dynamodb").create_table(**create_table_kwargs(settings().table_name))
            seed(data, orders=False)
            app = make_gateway(
                8000,
                Path(tmp) / "site",
                Path(tmp) / "data",
                accounts=lambda: list(data.users),
            )
            tokens: dict[str, str | None] = {
                r.value: app.idp.issue(accounts[r.value].user_id, ttl_seconds=24 * 3600)
                for r in ROLES
            }
            tokens[ANONYMOUS] = None
            cal = term_calendar(settings().term)
            instants = [w.opens + (w.closes - w.opens) / 2 for w in cal.phases]
            try:
                yield World(app, tokens, instants)
            finally:
                app.close()
                store.reset_clients()
                records.clear_cache()
                clock.set_source(None)
    finally:
        os.environ.update(saved)


def _describe(case: Any) -> str:
    body = "" if case.body is None or type(case.body).__name__ == "NotSet" else repr(case.body)
    query = f"?{case.query}" if case.query else ""
    return f"{case.method} {case.formatted_path}{query} {body[:200]}"


def run(w: World, examples: int, *, seed: int | None = 0) -> Tally:
    """`examples` generated cases per operation (valid and invalid alternately), each with the
    token of a role drawn for it; `seed` fixes the draws (None: a new run each time)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    from functions.common import clock

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", w.app)
    tally = Tally()
    identities = [*(r.value for r in ROLES), ANONYMOUS]
    for n, result in enumerate(schema.get_all_operations()):
        op = result.ok()  # type: ignore[union-attr]  # an Err raises: the document is broken
        name = f"{op.method.upper()} {op.path}"
        tally.operations += 1
        tally.seen.add(name)
        instant: datetime = w.instants[n % len(w.instants)]
        clock.set_source(lambda t=instant: t)  # type: ignore[misc]
        strategy = st.one_of(
            op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE)
        )

        # Mostly a role the route is for (its `x-callers`), so requests get past the role
        # check into the service; the rest any role, or none.
        callers = [c for c in op.definition.raw.get("x-callers", []) if c in w.tokens]
        who = st.sampled_from(identities)
        if callers:
            who = st.one_of(st.sampled_from(callers), st.sampled_from(callers), who)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=seed is not None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
            print_blob=False,
        )
        @given(case=strategy, identity=who)
        def send(case: Any, identity: str) -> None:
            token = w.tokens[identity]
            # The document's bearer scheme lets the generator write its own (bad) tokens: the
            # gateway's refusal of those is tested elsewhere; here the identity is the point.
            headers = {
                k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
            }
            if token:
                headers["Authorization"] = f"Bearer {token}"
            case.headers = headers
            response = case.call()
            status = response.status_code
            tally.sent += 1
            tally.by_status[status] += 1
            tally.by_class[f"{status // 100}xx"] += 1
            if status >= 500:
                tally.server_errors.append(
                    ServerError(
                        name,  # noqa: B023 (send runs within this iteration)
                        identity,
                        status,
                        _describe(case),
                        response.text,
                    )
                )

        send()
    return tally
