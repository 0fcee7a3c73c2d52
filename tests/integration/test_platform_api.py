"""Platform API: the phases answer carries every window so the role homes can show deadlines;
health tells the truth about the table."""

from __future__ import annotations

import pytest

from functions.platform.handler import lambda_handler
from tests.support.events import call, http_event


def test_phases_lists_each_window_with_its_deadline_by_the_server_clock_PH_R1(clock_at) -> None:
    clock_at("2024-03-26 10:00")
    status, body, _ = call(lambda_handler, http_event("GET", "/api/phases"))
    assert status == 200
    windows = {w["phase"]: w for w in body["windows"]}
    assert len(windows) == 18
    r1 = windows["PH-R1"]
    assert r1["open"] is True and r1["name"] == "教师第一轮选课"
    # The exclusive end: the last day of round 1 is 3月26日.
    assert r1["closes"] == "2024-03-27T00:00:00+08:00"
    assert windows["PH-R1-SCHOOL"]["open"] is True
    assert windows["PH-R2"]["open"] is False
    assert sorted(body["open"]) == sorted(p for p, w in windows.items() if w["open"])
    assert body["max_classes"] == 3


def test_health_is_ok_while_the_table_answers(ddb: None) -> None:
    status, body, _ = call(lambda_handler, http_event("GET", "/api/health"))
    assert (status, body) == (200, {"status": "ok"})


def test_health_is_503_in_chinese_when_the_table_is_missing(ddb: None) -> None:
    import boto3

    from functions.common.settings import settings

    boto3.client("dynamodb").delete_table(TableName=settings().table_name)
    status, body, _ = call(lambda_handler, http_event("GET", "/api/health"))
    assert status == 503
    assert body == {"code": "unavailable", "message": "平台数据服务暂时不可用，请稍后再试"}


def test_health_is_503_when_the_dynamodb_endpoint_is_dead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from functions.common import store
    from local.stack import free_port

    # A port nothing listens on: the endpoint of a local DynamoDB process that died.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{free_port()}")
    store.reset_clients()
    try:
        status, body, _ = call(lambda_handler, http_event("GET", "/api/health"))
    finally:
        store.reset_clients()
    assert status == 503 and body["code"] == "unavailable"
