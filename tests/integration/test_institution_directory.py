"""The institution directory (GET /api/institutions) the pickers read instead of typed codes, and
the order form's vocabulary check (OD-1): against the DynamoDB engine (moto)."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import records, store
from functions.orders import store as order_store
from functions.orders.handler import lambda_handler as orders_handler
from functions.platform.handler import lambda_handler
from schemas.people import Role, User
from tests.integration.test_orders_api import DEMAND, INSTITUTIONS, USERS, form
from tests.support.events import call, http_event

MORE_USERS = [
    User(user_id="bureau-330000", role=Role.PROVINCE_BUREAU, name="省教育厅", region_code="330000"),
    User(user_id="bureau-330500", role=Role.CITY_BUREAU, name="湖州市教育局", region_code="330500"),
]


@pytest.fixture(autouse=True)
def directory_world(ddb: None) -> None:
    items = [records.institution_item(i) for i in INSTITUTIONS.values()]
    items += [records.user_item(u) for u in [*USERS, *MORE_USERS]]
    store.batch_write(items)


def directory(sub: str) -> tuple[int, dict[str, Any]]:
    status, body, _ = call(lambda_handler, http_event("GET", "/api/institutions", sub=sub))
    return status, body


def ids(body: dict[str, Any]) -> list[str]:
    return [i["institution_id"] for i in body["institutions"]]


def test_a_county_sees_the_province_wide_institutions_and_its_own_local_ones(clock_at) -> None:
    clock_at(DEMAND)
    status, body = directory("bureau-330106")
    assert status == 200
    assert set(ids(body)) == {"zjnu", "hznu", "zjart", "zjou", "xihu-tdc"}
    by = {i["institution_id"]: i for i in body["institutions"]}
    assert by["zjnu"]["name"] == "浙江师范大学" and by["zjnu"]["scope_text"] == "面向全省"
    assert by["xihu-tdc"]["region_name"].endswith("西湖区")
    # Another county, and a city elsewhere, do not see 西湖区's local institution.
    assert "xihu-tdc" not in ids(directory("bureau-330212")[1])
    assert "xihu-tdc" not in ids(directory("bureau-330500")[1])
    # The city and the province above it do.
    assert "xihu-tdc" in ids(directory("bureau-330100")[1])
    assert "xihu-tdc" in ids(directory("bureau-330000")[1])
    assert "xihu-tdc" in ids(directory("centre")[1])


def test_the_directory_says_which_institutions_may_take_orders_OD_2_OD_4(clock_at) -> None:
    clock_at(DEMAND)
    by = {i["institution_id"]: i for i in directory("bureau-330106")[1]["institutions"]}
    assert by["zjnu"]["takes_orders"] and by["zjou"]["takes_orders"]
    assert not by["zjart"]["takes_orders"]
    assert by["zjart"]["why_not_orders"] == "取得资质不满一年，不能承接订单项目"
    assert not by["xihu-tdc"]["takes_orders"]
    assert "本地" in by["xihu-tdc"]["why_not_orders"]


@pytest.mark.parametrize("sub", ["tx", "inst-zjnu"])
def test_teachers_and_institutions_have_no_directory(clock_at, sub: str) -> None:
    clock_at(DEMAND)
    status, body = directory(sub)
    assert (status, body["code"]) == (403, "forbidden")


def test_an_order_with_a_value_outside_the_vocabularies_is_refused_naming_the_field_OD_1(
    clock_at,
) -> None:
    clock_at(DEMAND)
    body = form(subject="书法", level="特级")
    status, data, _ = call(
        orders_handler, http_event("POST", "/api/orders", sub="bureau-330106", body=body)
    )
    assert (status, data["code"]) == (422, "validation_error")
    assert [e["field"] for e in data["errors"]] == ["subject", "level"]
    assert data["errors"][0]["message"].startswith("学科“书法”不在学科目录中")
    assert order_store.list_orders("2024H1", "330106") == []
