"""Write the demo world (`local.demo`) to the platform table.

Items are built by the data-access helpers that own their layout (`functions.common.records`,
`functions.projects.store.project_items`) and written with plain batch puts, so seeding is
idempotent: re-seeding overwrites the same keys with the same documents. Seat counters are
rewritten with `held = 0`, so re-seed a table whose selections have been cleared.

Usage (the endpoint follows AWS_ENDPOINT_URL_DYNAMODB, the table ZJT_TABLE_NAME):

    python -m local.seed [--create-table] [--projects N --teachers N]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from functions.common import records, store
from functions.common.settings import settings
from functions.common.table_def import create_table_kwargs
from functions.projects.store import project_items
from local.demo import DemoData, demo_data


def seed_items(data: DemoData) -> dict[str, list[dict[str, Any]]]:
    """Every item of `data`, grouped by record kind (projects include their class items)."""
    return {
        "institutions": [records.institution_item(i) for i in data.institutions],
        "schools": [records.school_item(s) for s in data.schools],
        "teachers": [records.teacher_item(t) for t in data.teachers],
        "users": [records.user_item(u) for u in data.users],
        "projects": [item for p in data.projects for item in project_items(p)],
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


def application_items() -> list[dict[str, Any]]:
    """The demo drafts and submitted projects (`local.demo.demo_applications`), in the projects
    context's item layout (written with the whole world only, like the orders)."""
    from functions.projects.store import application_seed_items
    from local.demo import demo_applications

    return application_seed_items(demo_applications())


def seed(data: DemoData | None = None, orders: bool | None = None) -> dict[str, int]:
    """Write `data` (default: the whole demo world) to the table; returns record counts.

    `projects` and `classes` count records, `items` counts every table item written (a published
    project is its document plus a META and a SEATS item per class). `orders` (default: only
    with the whole world, since published orders name its order projects) adds the demo orders
    and responses, counted under `orders` and `responses`.
    """
    with_orders = data is None if orders is None else orders
    data = data or demo_data()
    groups = seed_items(data)
    if with_orders:
        groups.update(order_items())
        groups["applications"] = application_items()
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
        "items": len(every),
    }
    if with_orders:
        counts["orders"] = len(groups["orders"])
        counts["responses"] = len(groups["responses"])
    return counts


def ensure_table() -> bool:
    """Create the platform table from the shared definition unless it exists; True if created."""
    client = store.client()
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
