"""Shared fixtures: environment, the DynamoDB engine (moto, table from the shared definition),
a fixed clock and a seeded world."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)

from schemas.calendar import SHANGHAI  # noqa: E402

# The layers run in this order, each in the random order pytest-randomly gave it. The seed is
# printed in the header ("Using --randomly-seed=N"); `pytest --randomly-seed=N` replays a run,
# `-p no:randomly` runs in file order.
# Fast layers first; the e2e layer starts one local stack for all its tests.
LAYERS = ("unit", "integration", "infra", "e2e")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the (shuffled) tests by layer, keeping the shuffled order within each layer."""

    def layer(item: pytest.Item) -> int:
        parts = item.path.parts
        found = [i for i, name in enumerate(LAYERS) if name in parts]
        return found[0] if found else len(LAYERS)

    items.sort(key=layer)  # stable: the order within a layer is the random one


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh moto DynamoDB with the platform table built from the shared definition."""
    import boto3
    from moto import mock_aws

    from functions.common import records, store
    from functions.common.settings import settings
    from functions.common.table_def import create_table_kwargs
    from functions.training.service import clear_cache as clear_training_cache

    # A running local stack (e2e session) points boto3 at its endpoint; this fixture must not.
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        settings.cache_clear()
        store.reset_clients()
        records.clear_cache()
        clear_training_cache()
        boto3.client("dynamodb").create_table(**create_table_kwargs(settings().table_name))
        yield
        store.reset_clients()
        records.clear_cache()


@pytest.fixture
def clock_at() -> Iterator[object]:
    """Set the platform clock: `clock_at("2024-03-20 10:00")` (Asia/Shanghai)."""
    from functions.common import clock

    def set_to(text: str) -> datetime:
        t = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
        clock.set_source(lambda: t)
        return t

    yield set_to
    clock.set_source(None)


@pytest.fixture
def world(ddb: None) -> None:
    """Seed tests/support/world.py into the table."""
    from functions.common import catalog, records, store
    from tests.support import world as w

    items = [records.institution_item(w.INSTITUTION)]
    items += [records.school_item(s) for s in w.SCHOOLS]
    items += [records.teacher_item(t) for t in w.TEACHERS]
    items += [records.user_item(u) for u in w.USERS]
    for p in w.PROJECTS:
        items += catalog.seed_items(p, with_project_item=True)
    store.batch_write(items)
