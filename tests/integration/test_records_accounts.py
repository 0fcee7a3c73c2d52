"""Account status against the DynamoDB engine (moto): administrators disable and re-enable
accounts within their scope, a disabled account is refused on every API call, and merging a
duplicate teacher record (TD-3) disables its login and is refused while it holds selections."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from functions.common import keys, records, store
from functions.orders.handler import lambda_handler as orders_handler
from functions.platform.handler import lambda_handler as platform_handler
from functions.projects.handler import lambda_handler as projects_handler
from functions.records.handler import lambda_handler as records_handler
from functions.selection.handler import lambda_handler as selection_handler
from schemas.records import make_id_number
from tests.integration.test_records_api import clock  # noqa: F401 - fixture (staff accounts)
from tests.support.events import call, http_event
from tests.support.world import COUNTY

pytestmark = pytest.mark.usefixtures("world", "clock")


def api(
    method: str,
    path: str,
    sub: str,
    *,
    handler: Any = records_handler,
    route: str | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    event = http_event(
        method, path, route=route, sub=sub, body=body, query=query, path_params=params
    )
    status, out, _ = call(handler, event)
    return status, out


def set_status(sub: str, user_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return api(
        "PUT",
        f"/api/records/accounts/{user_id}/status",
        sub,
        route="/api/records/accounts/{user_id}/status",
        params={"user_id": user_id},
        body=body,
    )


def stored_doc(user_id: str) -> str:
    item = store.get_item(keys.user(user_id), consistent=True)
    assert item is not None
    return str(item["doc"])


# One GET per function: a disabled account is refused by all of them, whatever its role.
ENDPOINTS = [
    (records_handler, "/api/records/scope"),
    (platform_handler, "/api/me"),
    (selection_handler, "/api/selections"),
    (projects_handler, "/api/projects"),
    (orders_handler, "/api/orders"),
]


def refused_everywhere(sub: str) -> None:
    for handler, path in ENDPOINTS:
        status, body = api("GET", path, sub, handler=handler)
        assert (status, body["code"]) == (403, "account_disabled"), (path, body)
        assert "停用" in body["message"]


# --- disable and re-enable -----------------------------------------------------------------


def test_a_disabled_staff_account_is_refused_on_every_endpoint_until_re_enabled():
    assert api("GET", "/api/records/scope", "a-s1")[0] == 200
    status, acc = set_status("bureau-330106", "a-s1", {"disabled": True, "reason": "已调离"})
    assert status == 200, acc
    assert acc["disabled"] is True and acc["status_text"] == "已停用"
    assert acc["disabled_by"] == "bureau-330106" and acc["disabled_reason"] == "已调离"
    refused_everywhere("a-s1")
    status, body = api("GET", "/api/records/scope", "a-s1")
    assert "已调离" in body["message"]

    status, acc = set_status("bureau-330106", "a-s1", {"disabled": False})
    assert status == 200 and acc["disabled"] is False and acc["status_text"] == "正常"
    assert api("GET", "/api/records/scope", "a-s1")[0] == 200
    assert api("GET", "/api/me", "a-s1", handler=platform_handler)[0] == 200


def test_a_school_admin_disables_a_teacher_of_the_school_and_enables_it_again():
    assert api("GET", "/api/selections", "t1", handler=selection_handler)[0] == 200
    status, acc = set_status("a-s1", "t1", {"disabled": True, "reason": "长期病假"})
    assert status == 200, acc
    refused_everywhere("t1")
    assert api("GET", "/api/selections", "t2", handler=selection_handler)[0] == 200
    status, _ = set_status("a-s1", "t1", {"disabled": False, "reason": ""})
    assert status == 200
    assert api("GET", "/api/selections", "t1", handler=selection_handler)[0] == 200


def _disabled_elsewhere(user_id: str) -> None:
    """Disable the account as another Lambda would: in the table only, so this warm
    process's cached copy still says the account is active."""
    user = records.get_user(user_id)
    assert user is not None and not user.disabled
    gone = user.model_copy(update={"disabled": True, "disabled_reason": "已调离"})
    store.put_item(records.user_item(gone))


def test_an_account_disabled_by_another_lambda_is_refused_at_once_for_writes():
    # The bureau's record is warm in this Lambda's cache.
    assert api("GET", "/api/records/scope", "bureau-330106")[0] == 200
    before = stored_doc("t1")
    _disabled_elsewhere("bureau-330106")

    status, body = set_status("bureau-330106", "t1", {"disabled": True, "reason": "测试"})
    assert (status, body["code"]) == (403, "account_disabled"), body
    assert "已调离" in body["message"]
    assert stored_doc("t1") == before


@pytest.mark.parametrize(
    ("admin", "target"),
    [
        ("bureau-330200", "a-s1"),  # Ningbo's bureau over a Hangzhou school admin
        ("bureau-330200", "t1"),  # … and a Hangzhou teacher
        ("a-s2", "t1"),  # another school's admin
        ("p-s1", "t1"),  # a principal is not the school admin
        ("a-s1", "p-s1"),  # a school admin does not manage staff accounts
        ("bureau-330106", "bureau-330000"),  # a county bureau over the province
        ("t2", "t1"),  # a teacher
    ],
)
def test_an_admin_outside_the_accounts_scope_cannot_disable_it(admin, target):
    before = stored_doc(target)
    status, body = set_status(admin, target, {"disabled": True, "reason": "测试"})
    assert (status, body["code"]) == (403, "outside_scope"), body
    assert stored_doc(target) == before
    records.clear_cache()
    assert api("GET", "/api/records/scope", target)[0] == 200


def test_an_admin_cannot_disable_their_own_account():
    before = stored_doc("bureau-330106")
    status, body = set_status("bureau-330106", "bureau-330106", {"disabled": True, "reason": "x"})
    assert (status, body["code"]) == (403, "cannot_disable_self")
    assert stored_doc("bureau-330106") == before
    assert api("GET", "/api/records/scope", "bureau-330106")[0] == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"disabled": True}, "reason_required"),
        ({"disabled": True, "reason": "   "}, "reason_required"),
        ({"disabled": True, "reason": "长" * 201}, "validation_error"),
        ({"reason": "离职"}, "validation_error"),
    ],
)
def test_disabling_needs_a_reason_of_at_most_200_characters_and_writes_nothing(body, code):
    before = stored_doc("a-s1")
    status, out = set_status("bureau-330106", "a-s1", body)
    assert status == 422 and out["code"] == code, out
    assert stored_doc("a-s1") == before
    assert api("GET", "/api/records/scope", "a-s1")[0] == 200


def test_a_role_change_does_not_re_enable_a_disabled_account():
    set_status("bureau-330106", "a-s1", {"disabled": True, "reason": "已调离"})
    status, acc = api(
        "PUT",
        "/api/records/accounts/a-s1",
        "bureau-330106",
        route="/api/records/accounts/{user_id}",
        params={"user_id": "a-s1"},
        body={"name": "钱管理", "role": "principal", "school_id": "s1"},
    )
    assert status == 200 and acc["role"] == "principal" and acc["disabled"] is True
    refused_everywhere("a-s1")


def test_the_accounts_page_lists_status_and_who_may_change_it():
    set_status("bureau-330106", "a-s1", {"disabled": True, "reason": "已调离"})
    status, body = api("GET", "/api/records/accounts", "bureau-330106", query={"region": COUNTY})
    assert status == 200, body
    rows = {a["user_id"]: a for a in body["accounts"]}
    assert rows["a-s1"]["status_text"] == "已停用" and rows["a-s1"]["may_change_status"]
    assert rows["bureau-330106"]["status_text"] == "正常"
    assert rows["bureau-330106"]["may_change_status"] is False  # one's own account
    # The teacher accounts of a school: for its school admin, not another school's.
    status, body = api("GET", "/api/records/accounts", "a-s1", query={"school_id": "s1"})
    assert status == 403 and body["code"] == "account_disabled"
    set_status("bureau-330106", "a-s1", {"disabled": False})
    status, body = api("GET", "/api/records/accounts", "a-s1", query={"school_id": "s1"})
    assert status == 200, body
    assert {a["user_id"] for a in body["accounts"]} == {"t1", "t2"}
    assert all(a["may_change_status"] for a in body["accounts"])
    status, body = api("GET", "/api/records/accounts", "a-s2", query={"school_id": "s1"})
    assert status == 403


# --- merged duplicates (TD-3) --------------------------------------------------------------

DUP = make_id_number(COUNTY, date(1984, 5, 6), 12, male=False)


def duplicate_anomaly() -> dict[str, Any]:
    """t1 and t2 of school s1 carry the same ID number; the check finds it."""
    for tid in ("t1", "t2"):
        t = records.get_teacher(tid)
        assert t is not None
        store.put_item(records.teacher_item(t.model_copy(update={"id_number": DUP})))
    records.clear_cache()
    query: dict[str, str] | None = None
    while True:
        status, body = api("POST", "/api/records/anomalies/check", "bureau-330106", query=query)
        assert status == 200, body
        if body["done"]:
            break
        query = {"start": body["next"]} if body.get("next") else None
    status, body = api("GET", "/api/records/anomalies", "a-s1")
    return next(a for a in body["anomalies"] if a["kind"] == "duplicate_id")


def select(sub: str, class_id: str) -> None:
    status, body = api(
        "POST", "/api/selections", sub, handler=selection_handler, body={"class_id": class_id}
    )
    assert status == 201, body


def withdraw(sub: str, class_id: str) -> None:
    status, body = api(
        "DELETE",
        f"/api/selections/{class_id}",
        sub,
        handler=selection_handler,
        route="/api/selections/{class_id}",
        params={"class_id": class_id},
    )
    assert status == 200, body


def keep_t1(anomaly_id: str) -> tuple[int, dict[str, Any]]:
    return api(
        "POST",
        f"/api/records/anomalies/{anomaly_id}/resolve",
        "a-s1",
        route="/api/records/anomalies/{anomaly_id}/resolve",
        params={"anomaly_id": anomaly_id},
        body={"action": "keep_one", "teacher_id": "t1"},
    )


def snapshot() -> list[str]:
    return sorted(repr(i) for i in store.table().scan()["Items"])


def test_a_duplicate_holding_an_open_selection_is_not_merged_and_nothing_changes_TD_3(clock_at):
    clock_at("2024-03-20 10:00")  # round 1 of selection (PH-R1)
    a = duplicate_anomaly()
    select("t2", "p1-c2")
    select("t2", "p4-c1")
    withdraw("t2", "p4-c1")
    before = snapshot()
    status, body = keep_t1(a["anomaly_id"])
    assert (status, body["code"]) == (409, "merge_has_selections"), body
    assert "1 个" in body["message"] and "退选" in body["message"] and "保留" in body["message"]
    assert snapshot() == before
    records.clear_cache()
    assert records.get_teacher("t2").merged_into is None
    assert api("GET", "/api/selections", "t2", handler=selection_handler)[0] == 200

    # The teacher withdraws; the merge then goes through and t2 can no longer log in.
    withdraw("t2", "p1-c2")
    status, body = keep_t1(a["anomaly_id"])
    assert status == 200, body
    assert body["status"] == "resolved" and "停用" in body["resolution"]
    records.clear_cache()
    assert records.get_teacher("t2").merged_into == "t1"
    assert store.get_item(keys.teacher_identity(DUP))["teacher_id"] == "t1"
    merged = records.get_user("t2")
    assert merged.disabled and merged.disabled_reason == "重复记录已合并"
    assert merged.disabled_by == "a-s1"
    refused_everywhere("t2")
    assert api("GET", "/api/selections", "t1", handler=selection_handler)[0] == 200
    # … and its login is not simply switched back on.
    status, body = set_status("a-s1", "t2", {"disabled": False})
    assert (status, body["code"]) == (409, "record_merged")
    refused_everywhere("t2")
    _, listed = api("GET", "/api/records/accounts", "a-s1", query={"school_id": "s1"})
    row = next(u for u in listed["accounts"] if u["user_id"] == "t2")
    assert row["status_text"] == "已停用" and row["may_change_status"] is False


def test_a_seat_taken_after_the_check_cancels_the_whole_merge_TD_3():
    """The write re-checks: a seat counted on the term load (taken between the service's read
    of the selections and the merge) cancels the transaction, leaving nothing merged."""
    a = duplicate_anomaly()
    store.put_item({**keys.teacher_term("t2", "2024H1"), "held": 1, "days": {"2024-05-06"}})
    before = snapshot()
    status, body = keep_t1(a["anomaly_id"])
    assert (status, body["code"]) == (409, "merge_has_selections"), body
    assert snapshot() == before
    assert api("GET", "/api/selections", "t2", handler=selection_handler)[0] == 200


def test_a_merge_whose_account_changed_meanwhile_leaves_nothing_half_written_TD_3(monkeypatch):
    """The account write is in the merge's transaction: when it fails its condition, the records
    are not marked merged and the anomaly stays open."""
    from functions.records import store as records_store

    a = duplicate_anomaly()
    real = records_store.stored_accounts

    def stale(ids: Any) -> dict[str, records_store.StoredAccount]:
        return {
            k: records_store.StoredAccount(v.user, v.doc.replace("李强", "李 强"))
            for k, v in real(ids).items()
        }

    monkeypatch.setattr(records_store, "stored_accounts", stale)
    before = snapshot()
    status, body = keep_t1(a["anomaly_id"])
    assert status == 409 and body["code"] == "conflict", body
    assert snapshot() == before
