"""Write the demo world (`local.demo`) to the platform table.

Items are built by the data-access helpers that own their layout (`functions.common.records`,
`functions.common.catalog`, `functions.projects.store`) and written with plain batch puts, so seeding is idempotent:
re-seeding overwrites the same keys with the same documents. Seat counters are rewritten with
`held = 0`, so re-seed a table whose selections have been cleared.

Published regular projects are written with the application record they were published from
(`local.demo.published_record`), and the counters the platform keeps per submission (quota per
institution, Q-1 … Q-6; classes per leader ID number, AP-3; leader registration, AP-4; person
records, AP-7) are computed from everything seeded that holds one, in one pass, so they equal a
recount of the table.

Usage (the endpoint follows AWS_ENDPOINT_URL_DYNAMODB, the table ZJT_TABLE_NAME):

    python -m local.seed [--create-table] [--projects N --teachers N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

from functions.common import catalog, records, store
from functions.common.settings import settings
from functions.common.table_def import create_table_kwargs
from functions.projects import store as projects_store
from local.demo import DemoData, demo_data, published_record
from schemas.catalog import Project
from schemas.orders import OrderResponse, ResponseStatus
from schemas.projects import ProjectRecord

# Order plans that hold their leader's classes (formally submitted, then published; AP-3).
HOLDING_PLANS = (ResponseStatus.SUBMITTED, ResponseStatus.PUBLISHED)


def seed_items(
    data: DemoData,
    applications: Sequence[ProjectRecord] = (),
    responses: Sequence[OrderResponse] = (),
) -> dict[str, list[dict[str, Any]]]:
    """Every item of `data` (and of the given applications and order responses' counters),
    grouped by record kind (projects include their class items)."""
    return {
        "institutions": [records.institution_item(i) for i in data.institutions],
        "schools": [records.school_item(s) for s in data.schools],
        "teachers": [records.teacher_item(t) for t in data.teachers],
        "users": [records.user_item(u) for u in data.users],
        "credits": credit_items(data),
        **project_groups(data.projects, applications, responses),
    }


def credit_items(data: DemoData) -> list[dict[str, Any]]:
    """Each demo teacher's credits earned before the platform kept the ledger, posted as one
    往期学分结转 entry with the cycle totals it adds up to (issue 14)."""
    from datetime import UTC, date, datetime

    from functions.common import ledger
    from local.demo import opening_credits
    from schemas.credits import CreditEntry, CreditSource

    opening = opening_credits()
    entries = [
        CreditEntry(
            entry_id="OPENING",
            teacher_id=t.teacher_id,
            cycle_id="2021-2025",
            source=CreditSource.OPENING,
            title="平台启用前已登记的学分",
            online=0,
            offline=opening[t.teacher_id],
            on=date(2023, 12, 31),
            note="由原学分登记系统结转",
            posted_at=datetime(2024, 1, 1, tzinfo=UTC),
            posted_by="system",
            posted_by_name="学分结转",
        )
        for t in data.teachers
        if opening.get(t.teacher_id)
    ]
    return ledger.bulk_items(entries)


def project_groups(
    projects: Sequence[Project],
    applications: Sequence[ProjectRecord] = (),
    responses: Sequence[OrderResponse] = (),
) -> dict[str, list[dict[str, Any]]]:
    """The projects side of the world, consistent with itself: `projects` (published ones:
    regular ones with their application record, order ones as the orders context publishes
    them), `applications` (drafts and submitted projects) and `counters` (what all of them and
    the formally submitted order plans among `responses` hold: quota counters, leader loads
    and registrations, person records)."""
    published = [r for p in projects if (r := published_record(p.project_id))]
    with_record = {r.project_id for r in published}
    docs = {p.project_id: p for p in projects}
    plans = [(r.institution_id, r.term, r.plan) for r in responses if r.status in HOLDING_PLANS]
    return {
        "projects": projects_store.record_seed_items(published, docs)
        + [
            item
            for p in projects
            if p.project_id not in with_record
            for item in catalog.seed_items(p, with_project_item=True)
        ],
        "applications": projects_store.record_seed_items(applications),
        "counters": projects_store.holding_seed_items([*published, *applications], plans),
    }


def order_items() -> dict[str, list[dict[str, Any]]]:
    """The demo orders (`local.demo.demo_orders`, every stage) and their responses, in the
    orders context's item layout."""
    from functions.orders.store import order_item, response_item
    from local.demo import demo_orders

    orders, responses = demo_orders()
    return {
        "orders": [order_item(o) for o in orders],
        "responses": [response_item(r) for r in responses],
    }


def seed(data: DemoData | None = None, orders: bool | None = None) -> dict[str, int]:
    """Write `data` (default: the whole demo world) to the table; returns record counts.

    `projects` and `classes` count records, `items` counts every table item written (a published
    project is its project item and catalog document plus a META and a SEATS item per class; `counters` the quota and
    leader counters, registrations and person records they hold). `orders` (default: only with
    the whole world, since published orders name its order projects) adds the demo orders and
    responses, counted under `orders` and `responses`, and the demo drafts and submitted
    projects (their counters included).
    """
    with_orders = data is None if orders is None else orders
    data = data or demo_data()
    if with_orders:
        from local.demo import demo_applications, demo_orders

        groups = seed_items(data, demo_applications(), demo_orders()[1])
        groups.update(order_items())
    else:
        groups = seed_items(data)
    every = [item for items in groups.values() for item in items]
    store.batch_write(every)
    records.clear_cache()
    counts = {
        "institutions": len(data.institutions),
        "schools": len(data.schools),
        "teachers": len(data.teachers),
        "users": len(data.users),
        "projects": len(data.projects),
        "classes": data.classes,
        "counters": len(groups["counters"]),
        "credits": len(groups["credits"]),
        "items": len(every),
    }
    if with_orders:
        counts["orders"] = len(groups["orders"])
        counts["responses"] = len(groups["responses"])
    return counts


def ensure_table() -> bool:
    """Create the platform table from the shared definition unless it exists; True if created."""
    client = store.admin_client()
    try:
        client.create_table(**create_table_kwargs(settings().table_name))
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(TableName=settings().table_name)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Seed the demo data into the platform table.")
    parser.add_argument("--create-table", action="store_true", help="create the table if missing")
    parser.add_argument("--projects", type=int, help="seed only the first N projects")
    parser.add_argument("--teachers", type=int, help="seed only the first N teachers")
    args = parser.parse_args(argv)
    if args.create_table:
        ensure_table()
    data = demo_data()
    whole = args.projects is None and args.teachers is None
    if not whole:
        data = data.subset(
            projects=len(data.projects) if args.projects is None else args.projects,
            teachers=len(data.teachers) if args.teachers is None else args.teachers,
        )
    started = time.perf_counter()
    counts = seed(data, orders=whole)
    elapsed = time.perf_counter() - started
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"({elapsed:.1f}s)")


if __name__ == "__main__":
    main()
