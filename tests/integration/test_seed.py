"""Seeding writes the demo records with the data-access layouts, idempotently."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from functions.common import keys, records, store
from functions.common.catalog import published_projects as load_published_projects
from functions.common.settings import settings
from functions.common.table_def import create_table_kwargs
from local.demo import DemoData, demo_data
from local.seed import seed
from schemas.org import School
from schemas.people import Teacher, User


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    store.reset_clients()
    records.clear_cache()
    with mock_aws():
        store.client().create_table(**create_table_kwargs(settings().table_name))
        yield store.table()
    store.reset_clients()
    records.clear_cache()


@pytest.fixture(scope="module")
def small() -> DemoData:
    return demo_data().subset(projects=20, teachers=50)


def _count(table: Any) -> int:
    n, kwargs = 0, {"Select": "COUNT"}
    while True:
        resp = table.scan(**kwargs)
        n += resp["Count"]
        if "LastEvaluatedKey" not in resp:
            return n
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def test_seed_writes_every_record_of_a_reduced_world(table: Any, small: DemoData) -> None:
    counts = seed(small)

    classes = sum(len(p.classes) for p in small.projects)
    non_teacher_users = len(small.users) - len(small.teachers)
    assert counts == {
        "institutions": len(small.institutions),
        "schools": len(small.schools),
        "teachers": 50,
        "users": 50 + non_teacher_users,
        "projects": 20,
        "classes": classes,
        "counters": counts["counters"],
        "credits": counts["credits"],
        "items": len(small.institutions)
        + len(small.schools)
        + 50
        + len(small.users)
        + 2 * 20  # a project item and its catalog document
        + 2 * classes
        + counts["counters"]
        + counts["credits"],
    }
    # Credits earned before the ledger: one entry and the cycle totals per teacher holding some.
    from local.demo import opening_credits

    opening = opening_credits()
    assert counts["credits"] == 2 * sum(1 for t in small.teachers if opening[t.teacher_id])
    assert _count(table) == counts["items"]
    # the first 20 projects are 浙江师范大学's: one quota counter, a load and a registration
    # per leader (AP-3, AP-4) and one record per person (AP-7)
    leaders = {p.leader.name for p in small.projects}
    people = {x.name for p in small.projects for x in p.instructors}
    assert counts["counters"] == 1 + 2 * len(leaders) + len(people)


def test_seeded_projects_are_the_published_catalog(table: Any, small: DemoData) -> None:
    seed(small)

    loaded = {p.project_id: p for p in load_published_projects("2024H1")}
    assert loaded == {p.project_id: p for p in small.projects}


def test_seeded_records_read_back_through_the_data_access_helpers(
    table: Any, small: DemoData
) -> None:
    seed(small)

    teacher = small.teachers[7]
    assert records.get_teacher(teacher.teacher_id) == teacher
    assert records.get_user(teacher.teacher_id) == User.model_validate(
        next(u for u in small.users if u.user_id == teacher.teacher_id).model_dump()
    )
    assert records.get_user("bureau-330000") is not None
    school = table.get_item(Key=keys.school(teacher.school_id))["Item"]
    assert School.model_validate_json(school["doc"]).school_id == teacher.school_id
    klass = small.projects[0].classes[0]
    seats = table.get_item(Key=keys.class_seats(klass.class_id))["Item"]
    assert (seats["capacity"], seats["held"]) == (klass.capacity, 0)
    assert records.get_class_doc(klass.class_id) is not None
    assert isinstance(records.get_teacher(small.teachers[0].teacher_id), Teacher)


def test_reseeding_overwrites_the_same_items(table: Any, small: DemoData) -> None:
    first = seed(small)
    second = seed(small)

    assert first == second
    assert _count(table) == first["items"]
