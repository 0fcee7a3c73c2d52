"""The one pagination loop (functions/common/store.pages) reads every page of a Query or Scan:
small pages (Limit) stand in for the 1-MB pages of a large partition."""

from __future__ import annotations

import pytest

from functions.common import store

pytestmark = pytest.mark.usefixtures("ddb")

PK = "TEST#pages"


def _five_items() -> None:
    store.batch_write([{"PK": PK, "SK": f"ITEM#{i}", "n": i} for i in range(5)])


def test_query_pages_reads_every_page() -> None:
    _five_items()
    got = store.query_pages(
        KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": PK}, Limit=2
    )
    assert [i["n"] for i in got] == [0, 1, 2, 3, 4]


def test_a_count_query_sums_the_count_of_every_page() -> None:
    _five_items()
    found = list(
        store.pages(
            "query",
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": PK},
            Select="COUNT",
            Limit=2,
        )
    )
    assert len(found) == 3 and sum(int(p["Count"]) for p in found) == 5


def test_scan_pages_reads_every_page() -> None:
    _five_items()
    got = store.scan_pages(
        FilterExpression="PK = :pk", ExpressionAttributeValues={":pk": PK}, Limit=2
    )
    assert sorted(i["n"] for i in got) == [0, 1, 2, 3, 4]
