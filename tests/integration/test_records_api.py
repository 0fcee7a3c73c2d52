"""Records handlers against the DynamoDB engine (moto): import of the national export (TD-1),
school maintenance (TD-2), anomalies (TD-3), accounts, and scope on every endpoint."""

from __future__ import annotations

import base64
import io
from datetime import date
from typing import Any

import pytest

from functions.common import keys, records, store
from functions.common.clock import now as clock_now
from functions.records import files
from functions.records.handler import lambda_handler
from schemas.people import Role, User
from schemas.records import IMPORT_COLUMNS, make_id_number
from tests.support.events import FakeContext, call, http_event
from tests.support.world import COUNTY, OTHER_COUNTY

pytestmark = pytest.mark.usefixtures("world", "clock")

STAFF = [
    User(user_id="bureau-330000", role=Role.PROVINCE_BUREAU, name="省教育厅", region_code="330000"),
    User(user_id="bureau-330100", role=Role.CITY_BUREAU, name="杭州市教育局", region_code="330100"),
    User(user_id="bureau-330200", role=Role.CITY_BUREAU, name="宁波市教育局", region_code="330200"),
    User(user_id="bureau-330106", role=Role.COUNTY_BUREAU, name="西湖区教育局", region_code=COUNTY),
    User(user_id="a-s1", role=Role.SCHOOL_ADMIN, name="钱管理", school_id="s1", region_code=COUNTY),
    User(
        user_id="a-s2",
        role=Role.SCHOOL_ADMIN,
        name="孙管理",
        school_id="s2",
        region_code=OTHER_COUNTY,
    ),
]


@pytest.fixture
def clock(clock_at: Any) -> None:
    clock_at("2024-03-01 10:00")
    store.batch_write([records.user_item(u) for u in STAFF])


def idno(seq: int, male: bool = True, region: str = COUNTY) -> str:
    return make_id_number(region, date(1980 + seq % 20, 1 + seq % 12, 1 + seq % 28), seq, male)


def row(seq: int, school: str = "s1", **over: str) -> dict[str, str]:
    n = idno(seq, male=seq % 2 == 0)
    r = {
        "身份证件号": n,
        "姓名": f"教师{seq}",
        "性别": "男" if seq % 2 == 0 else "女",
        "出生日期": f"{n[6:10]}-{n[10:12]}-{n[12:14]}",
        "学校代码": school,
        "学段": "小学",
        "任教学科": "语文",
        "专业技术职务": "一级教师",
        "在岗状态": "在职",
    }
    r.update(over)
    return r


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    out.write(",".join(h for h, _ in IMPORT_COLUMNS) + "\n")
    for r in rows:
        out.write(",".join(r.get(h, "") for h, _ in IMPORT_COLUMNS) + "\n")
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    return files.write_xlsx(
        [h for h, _ in IMPORT_COLUMNS],
        ([r.get(h, "") for h, _ in IMPORT_COLUMNS] for r in rows),
        "教师",
    )


def api(
    method: str,
    path: str,
    sub: str,
    *,
    route: str | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    return call(
        lambda_handler,
        http_event(
            method,
            path,
            route=route,
            sub=sub,
            body=body,
            query=query,
            path_params=params,
            headers=headers,
        ),
    )


def announce(
    sub: str, content: bytes, name: str = "export.csv", key: str | None = None
) -> tuple[int, dict[str, Any]]:
    status, job, _ = api(
        "POST",
        "/api/records/imports",
        sub,
        body={"file_name": name, "size": len(content)},
        headers={"Idempotency-Key": key} if key else None,
    )
    return status, job


def start(sub: str, job_id: str) -> tuple[int, dict[str, Any]]:
    status, body, _ = api(
        "POST",
        f"/api/records/imports/{job_id}/start",
        sub,
        route="/api/records/imports/{job_id}/start",
        params={"job_id": job_id},
    )
    return status, body


def upload(
    sub: str, content: bytes, name: str = "export.csv", key: str | None = None
) -> tuple[int, dict[str, Any]]:
    """What the import page does: announce the file, send its parts, start the import (which
    runs inline here: no worker function is configured). Returns the first refusal or the
    start call's answer."""
    status, job = announce(sub, content, name, key)
    if status != 201:
        return status, job
    job_id = job["job_id"]
    if job["status"] == "uploading":
        for part, at in enumerate(range(0, len(content), job["part_size"]), start=1):
            status, body = put_part(sub, job_id, part, content[at : at + job["part_size"]])
            if status != 200:
                return status, body
    return start(sub, job_id)


def put_part(sub: str, job_id: str, part: int, data: bytes) -> tuple[int, dict[str, Any]]:
    event = http_event(
        "PUT",
        f"/api/records/imports/{job_id}/parts/{part}",
        route="/api/records/imports/{job_id}/parts/{part}",
        sub=sub,
        path_params={"job_id": job_id, "part": str(part)},
        headers={"content-type": "application/octet-stream"},
    )
    event["body"] = base64.b64encode(data).decode()
    event["isBase64Encoded"] = True
    status, body, _ = call(lambda_handler, event)
    return status, body


def report(sub: str, job_id: str) -> dict[int, dict[str, Any]]:
    status, body, _ = api(
        "GET",
        f"/api/records/imports/{job_id}/report",
        sub,
        route="/api/records/imports/{job_id}/report",
        params={"job_id": job_id},
    )
    assert status == 200, body
    return {r["row"]: r for r in body["rows"]}


def test_import_creates_teachers_and_accounts_TD_1():
    status, job = upload("bureau-330000", csv_bytes([row(1), row(2, school="s2")]))
    assert status == 200, job
    assert job["status"] == "done" and job["total"] == 2 and job["processed"] == 2
    assert job["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    rows = report("bureau-330000", job["job_id"])
    assert [r["outcome"] for r in rows.values()] == ["created", "created"]
    assert "*" in rows[2]["id_masked"]
    tid = rows[2]["teacher_id"]
    t = records.get_teacher(tid)
    assert t is not None and t.id_number == idno(1, male=False) and t.source == "national"
    assert records.get_user(tid).role == Role.TEACHER


def test_a_file_with_bad_rows_imports_the_good_ones_and_rejects_each_bad_one_TD_1():
    good = row(1)
    bad_check = row(2, 身份证件号=idno(2, male=True)[:17] + ("0" if idno(2)[17] != "0" else "1"))
    rows_ = [
        good,
        bad_check,
        row(3, 出生日期="1970-01-01"),
        row(4, 性别="女"),
        row(5, 学校代码="nope"),
        row(6, 学段="大学"),
        row(7, 姓名=""),
        row(8, 在岗状态="放假"),
        {**good, "姓名": "重复的人"},
        row(9, 身份证件号="12345"),
        row(10, 出生日期="not a date"),
    ]
    status, job = upload("bureau-330000", csv_bytes(rows_))
    assert status == 200
    assert job["counts"]["created"] == 1 and job["counts"]["rejected"] == 10
    r = report("bureau-330000", job["job_id"])
    assert r[2]["outcome"] == "created"
    assert "校验位" in r[3]["reason"]
    assert "出生日期与身份证件号不一致" in r[4]["reason"]
    assert "性别与身份证件号不一致" in r[5]["reason"]
    assert "学校代码 nope 不存在" in r[6]["reason"]
    assert "学段" in r[7]["reason"]
    assert "姓名" in r[8]["reason"]
    assert "在岗状态" in r[9]["reason"]
    assert "与第 2 行的身份证件号重复" in r[10]["reason"]
    assert "18 位" in r[11]["reason"]
    assert "出生日期" in r[12]["reason"]


def test_reimporting_the_same_file_changes_nothing_TD_1():
    content = csv_bytes([row(i, school="s1" if i % 2 else "s2") for i in range(1, 30)])
    _, first = upload("bureau-330000", content)
    assert first["counts"]["created"] == 29
    before = store.table().scan()["Items"]
    _, again = upload("bureau-330000", content)
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 29, "rejected": 0}
    # Only the job and the uploader's message about it (站内信) are new.
    job_or_message = ("IMPORT#", "INBOX#")
    after = [
        i for i in store.table().scan()["Items"] if not str(i["PK"]).startswith(job_or_message)
    ]
    assert sorted(map(repr, after)) == sorted(
        repr(i) for i in before if not str(i["PK"]).startswith(job_or_message)
    )


def test_round_trip_export_then_import_changes_nothing_TD_1():
    from functions.records import service

    _, job = upload("bureau-330000", xlsx_bytes([row(i) for i in range(1, 12)]), "first.xlsx")
    assert job["counts"]["created"] == 11
    tids = [r["teacher_id"] for r in report("bureau-330000", job["job_id"]).values()]
    exported = files.export_csv(
        {
            "id_number": t.id_number,
            "name": t.name,
            "gender": t.gender,
            # records keep no birth date of their own: the ID number's is the export's
            "birth_date": str(service.birth_date_of(t) or ""),
            "school_id": t.school_id,
            "stage": t.stage,
            "subject": t.subject,
            "title": t.title,
            "employment": t.employment,
        }
        for t in (records.get_teacher(tid) for tid in tids)
        if t
    )
    _, again = upload("bureau-330000", exported, "export.csv")
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 11, "rejected": 0}


def test_changed_rows_are_updated_with_what_changed_and_credits_kept_TD_1():
    from functions.common import ledger
    from tests.support.credits import entry

    _, job = upload("bureau-330000", csv_bytes([row(1), row(2)]))
    tid = report("bureau-330000", job["job_id"])[2]["teacher_id"]
    store.transact_write(ledger.post(entry(tid, 40)))
    records.clear_cache()
    _, job2 = upload("bureau-330000", csv_bytes([row(1, 任教学科="数学"), row(2)]))
    assert job2["counts"] == {"created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    r = report("bureau-330000", job2["job_id"])
    assert r[2]["outcome"] == "updated" and "任教学科" in r[2]["reason"]
    t2 = records.get_teacher(tid)
    assert t2.subject == "数学"
    # The teacher's credits are the ledger's, under the same partition: an import keeps them.
    totals = store.get_item(keys.credit_totals(tid, "2021-2025"))
    assert totals is not None and int(totals["total"]) == 40


def test_report_xlsx_lists_every_row_with_its_outcome_TD_1():
    from openpyxl import load_workbook

    _, job = upload("bureau-330000", csv_bytes([row(1), row(2, 学段="大学")]))

    def workbook(**query: str) -> list[Any]:
        resp = lambda_handler(
            http_event(
                "GET",
                f"/api/records/imports/{job['job_id']}/report",
                route="/api/records/imports/{job_id}/report",
                sub="bureau-330000",
                query={"format": "xlsx", **query},
                path_params={"job_id": job["job_id"]},
            ),
            FakeContext(),
        )
        assert resp["isBase64Encoded"] is True
        return list(load_workbook(io.BytesIO(base64.b64decode(resp["body"]))).active.values)

    values = workbook()
    assert values[0][:4] == ("行号", "身份证件号", "姓名", "结果")
    assert [v[3] for v in values[1:]] == ["新增", "拒绝"]
    # One outcome only: what a very large import downloads (rejected rows).
    assert [v[3] for v in workbook(outcome="rejected")[1:]] == ["拒绝"]


def test_city_bureau_imports_only_schools_of_its_city_TD_1():
    _, job = upload("bureau-330100", csv_bytes([row(1, school="s1"), row(2, school="s2")]))
    r = report("bureau-330100", job["job_id"])
    assert r[2]["outcome"] == "created"
    assert r[3]["outcome"] == "rejected" and "不在你的管理区域" in r[3]["reason"]


@pytest.mark.parametrize("sub", ["bureau-330106", "p-s1", "a-s1", "t1"])
def test_only_province_and_city_bureaus_may_import_TD_1(sub):
    status, body = upload(sub, csv_bytes([row(1)]))
    assert status == 403
    assert store.get_item(keys.teacher_identity(idno(1, male=False))) is None


def test_a_retried_upload_returns_the_first_job_and_imports_once_TD_1():
    s1, a = upload("bureau-330000", csv_bytes([row(1)]), key="job-key-0001")
    s2, b = upload("bureau-330000", csv_bytes([row(1)]), key="job-key-0001")
    assert (s1, s2) == (200, 200)
    assert a == b and b["counts"]["created"] == 1
    status, polled, _ = api(
        "GET",
        "/api/records/imports/job-key-0001",
        "bureau-330000",
        route="/api/records/imports/{job_id}",
        params={"job_id": "job-key-0001"},
    )
    assert status == 200 and polled["processed"] == 1


def test_a_file_that_is_not_the_export_is_refused_with_a_chinese_message_TD_1():
    status, body = upload("bureau-330000", "姓名,学校\n张三,s1\n".encode(), "x.csv")
    assert status == 422 and body["code"] == "bad_import_file" and "身份证件号" in body["message"]


# --- TD-2 ----------------------------------------------------------------------------------


def local_body(seq: int, **over: Any) -> dict[str, Any]:
    r = row(seq)
    body = {
        "id_number": r["身份证件号"],
        "name": r["姓名"],
        "gender": r["性别"],
        "birth_date": r["出生日期"],
        "stage": "小学",
        "subject": "语文",
        "title": "二级教师",
    }
    body.update(over)
    return body


def test_school_admin_adds_a_local_teacher_and_a_national_import_takes_it_over_TD_2():
    status, view, _ = api("POST", "/api/records/teachers", "a-s1", body=local_body(1))
    assert status == 201, view
    assert view["source"] == "school" and view["id_full"] is True
    tid = view["teacher_id"]
    status, body, _ = api("POST", "/api/records/teachers", "p-s1", body=local_body(1))
    assert status == 422 and "已在平台中" in body["message"]
    _, job = upload("bureau-330000", csv_bytes([row(1)]))
    r = report("bureau-330000", job["job_id"])[2]
    assert r["outcome"] == "updated" and "接管" in r["reason"] and r["teacher_id"] == tid
    assert records.get_teacher(tid).source == "national"
    status, body, _ = api(
        "PUT",
        f"/api/records/teachers/{tid}",
        "a-s1",
        route="/api/records/teachers/{teacher_id}",
        params={"teacher_id": tid},
        body=local_body(1, subject="数学"),
    )
    assert status == 422 and "国家系统" in body["message"]


def test_school_edits_its_local_teacher_and_may_not_take_another_ones_id_number_TD_2():
    api("POST", "/api/records/teachers", "a-s1", body=local_body(1))
    _, b, _ = api("POST", "/api/records/teachers", "a-s1", body=local_body(3))
    status, body, _ = api(
        "PUT",
        f"/api/records/teachers/{b['teacher_id']}",
        "a-s1",
        route="/api/records/teachers/{teacher_id}",
        params={"teacher_id": b["teacher_id"]},
        body=local_body(1),
    )
    assert status == 409 and body["code"] == "duplicate_id_number"
    status, body, _ = api(
        "PUT",
        f"/api/records/teachers/{b['teacher_id']}",
        "a-s1",
        route="/api/records/teachers/{teacher_id}",
        params={"teacher_id": b["teacher_id"]},
        body=local_body(3, subject="科学"),
    )
    assert status == 200 and body["subject"] == "科学"


def test_local_teacher_is_validated_like_an_import_row_TD_2():
    status, body, _ = api("POST", "/api/records/teachers", "a-s1", body=local_body(1, gender="男"))
    assert status == 422 and "性别" in body["message"]
    status, body, _ = api("POST", "/api/records/teachers", "bureau-330000", body=local_body(1))
    assert status == 403


# --- TD-3 ----------------------------------------------------------------------------------


def check(sub: str = "bureau-330000") -> dict[str, Any]:
    """Run the check to the end, calling again from `next` as the page does."""
    query: dict[str, str] | None = None
    while True:
        status, body, _ = api("POST", "/api/records/anomalies/check", sub, query=query)
        assert status == 200, body
        if body["done"]:
            return body
        query = {"start": body["next"]} if body.get("next") else None


def anomalies(sub: str) -> list[dict[str, Any]]:
    status, body, _ = api("GET", "/api/records/anomalies", sub)
    assert status == 200, body
    return body["anomalies"]


def test_check_finds_a_teacher_who_moved_while_holding_selections_both_schools_see_it_TD_3():
    from schemas.selection import SelectionStatus

    store.put_item(
        {
            **keys.selection("t1", "2024H1", "p1-c2"),
            **keys.selection_by_school("s2", "2024H1", "p1-c2", "t1"),
            "teacher_id": "t1",
            "school_id": "s2",
            "status": SelectionStatus.PENDING.value,
            "class_id": "p1-c2",
            "project_title": "小学语文阅读教学",
            "class_name": "第2期",
        }
    )
    check("bureau-330200")
    for sub in ("a-s1", "a-s2", "bureau-330000"):
        kinds = [a["kind"] for a in anomalies(sub)]
        assert "moved_with_selections" in kinds, sub
    a = next(a for a in anomalies("a-s2") if a["kind"] == "moved_with_selections")
    # Names, not ids (style: user-facing text): the teacher, both schools and the class.
    assert a["detail"].startswith("王芳已从宁波市鄞州区第一中学调至杭州市西湖区实验小学"), a
    assert "《小学语文阅读教学》第2期" in a["detail"]
    assert not [x for x in ("t1", "s1", "s2", "p1-c2") if x in a["detail"]], a["detail"]
    status, body, _ = api(
        "POST",
        f"/api/records/anomalies/{a['anomaly_id']}/resolve",
        "a-s2",
        route="/api/records/anomalies/{anomaly_id}/resolve",
        params={"anomaly_id": a["anomaly_id"]},
        body={"action": "acknowledge", "note": "已通知教师"},
    )
    assert status == 200 and body["status"] == "resolved"
    check("bureau-330200")
    a2 = next(x for x in anomalies("a-s1") if x["anomaly_id"] == a["anomaly_id"])
    assert a2["status"] == "resolved"


def test_teacher_without_a_valid_school_is_fixed_by_assigning_one_TD_3():
    t = records.get_teacher("t2").model_copy(update={"school_id": "gone"})
    store.put_item(records.teacher_item(t))
    check("bureau-330106")
    a = next(a for a in anomalies("bureau-330106") if a["kind"] == "no_school")
    assert a["may_resolve"] is True
    status, body, _ = api(
        "POST",
        f"/api/records/anomalies/{a['anomaly_id']}/resolve",
        "bureau-330200",
        route="/api/records/anomalies/{anomaly_id}/resolve",
        params={"anomaly_id": a["anomaly_id"]},
        body={"action": "assign_school", "school_id": "s1"},
    )
    assert status == 403
    status, body, _ = api(
        "POST",
        f"/api/records/anomalies/{a['anomaly_id']}/resolve",
        "bureau-330106",
        route="/api/records/anomalies/{anomaly_id}/resolve",
        params={"anomaly_id": a["anomaly_id"]},
        body={"action": "assign_school", "school_id": "s1"},
    )
    assert status == 200, body
    records.clear_cache()
    assert records.get_teacher("t2").school_id == "s1"
    check("bureau-330106")
    assert not any(
        x["kind"] == "no_school" and x["status"] == "open" for x in anomalies("bureau-330000")
    )


def test_duplicate_id_numbers_are_resolved_by_keeping_one_record_never_deleting_TD_3():
    n = idno(5, male=False)
    for tid in ("t1", "t2"):
        t = records.get_teacher(tid).model_copy(update={"id_number": n})
        store.put_item(records.teacher_item(t))
    check("bureau-330106")
    a = next(a for a in anomalies("a-s1") if a["kind"] == "duplicate_id")
    assert set(a["teacher_ids"]) == {"t1", "t2"} and n not in a["anomaly_id"]
    # The page offers and describes each record by name, school and subject, never its id.
    assert a["teacher_names"] == {
        "t1": "王芳（杭州市西湖区实验小学，小学语文）",
        "t2": "李强（杭州市西湖区实验小学，小学数学）",
    }
    assert "王芳（杭州市西湖区实验小学，小学语文）" in a["detail"]
    assert "t1" not in a["detail"] and "t2" not in a["detail"] and n not in a["detail"]
    status, body, _ = api(
        "POST",
        f"/api/records/anomalies/{a['anomaly_id']}/resolve",
        "a-s1",
        route="/api/records/anomalies/{anomaly_id}/resolve",
        params={"anomaly_id": a["anomaly_id"]},
        body={"action": "keep_one", "teacher_id": "t1"},
    )
    assert status == 200, body
    assert body["resolution"].startswith("保留 王芳（杭州市西湖区实验小学，小学语文），"), body
    records.clear_cache()
    assert records.get_teacher("t2").merged_into == "t1"
    assert store.get_item(keys.teacher_identity(n))["teacher_id"] == "t1"
    # The school's teacher list names the record the duplicate went into.
    status, listed, _ = api("GET", "/api/records/teachers", "a-s1", query={"school_id": "s1"})
    assert status == 200, listed
    merged = next(t for t in listed["teachers"] if t["teacher_id"] == "t2")
    assert merged["merged_into_text"] == "王芳（杭州市西湖区实验小学，小学语文）"


# --- accounts ------------------------------------------------------------------------------


def test_bureaus_assign_staff_roles_within_their_region_only():
    body = {"name": "新校长", "role": "principal", "school_id": "s1"}
    status, _, _ = api(
        "PUT",
        "/api/records/accounts/newp",
        "bureau-330200",
        route="/api/records/accounts/{user_id}",
        params={"user_id": "newp"},
        body=body,
    )
    assert status == 403
    status, acc, _ = api(
        "PUT",
        "/api/records/accounts/newp",
        "bureau-330106",
        route="/api/records/accounts/{user_id}",
        params={"user_id": "newp"},
        body=body,
    )
    assert status == 200 and acc["region_code"] == COUNTY
    status, body2, _ = api(
        "GET", "/api/records/accounts", "bureau-330106", query={"region": COUNTY}
    )
    # The new account is listed with the region's existing staff, and nothing from elsewhere.
    listed = {a["user_id"]: a for a in body2["accounts"]}
    assert "newp" in listed
    assert all(a["region_code"] == COUNTY for a in listed.values())
    status, _, _ = api(
        "PUT",
        "/api/records/accounts/x-city",
        "bureau-330106",
        route="/api/records/accounts/{user_id}",
        params={"user_id": "x-city"},
        body={"name": "市局", "role": "city_bureau", "region_code": "330100"},
    )
    assert status == 403
    status, _, _ = api(
        "PUT",
        "/api/records/accounts/x-city",
        "bureau-330000",
        route="/api/records/accounts/{user_id}",
        params={"user_id": "x-city"},
        body={"name": "市局", "role": "city_bureau", "region_code": "330100"},
    )
    assert status == 200


def stored_account(user_id: str) -> User | None:
    item = store.get_item(keys.user(user_id), consistent=True)
    return User.model_validate_json(item["doc"]) if item else None


def put_account(sub: str, user_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, out, _ = api(
        "PUT",
        f"/api/records/accounts/{user_id}",
        sub,
        route="/api/records/accounts/{user_id}",
        params={"user_id": user_id},
        body=body,
    )
    return status, out


@pytest.mark.parametrize("bureau", ["bureau-330106", "bureau-330100"])
def test_a_bureau_cannot_take_over_another_regions_teacher_account(bureau: str) -> None:
    """t3 teaches in 宁波鄞州: neither 西湖区 nor 杭州市 may re-role its login into their own
    school (the account-takeover finding); nothing is written."""
    before = stored_account("t3")
    status, body = put_account(
        bureau, "t3", {"name": "x", "role": "school_admin", "school_id": "s1"}
    )
    assert (status, body["code"]) == (403, "outside_scope"), body
    assert stored_account("t3") == before


def test_a_teacher_account_is_changed_only_by_its_own_school_admin_or_bureau() -> None:
    # 宁波市 covers t3: it may make t3 its school's admin, and give the teacher role back.
    status, body = put_account(
        "bureau-330200", "t3", {"name": "陈静", "role": "school_admin", "school_id": "s2"}
    )
    assert status == 200 and body["role"] == "school_admin", body
    # The re-roled account is still the teacher's: 西湖区 still cannot touch it ...
    status, body = put_account(
        "bureau-330106", "t3", {"name": "x", "role": "principal", "school_id": "s1"}
    )
    assert (status, body["code"]) == (403, "outside_scope"), body
    # ... and its own bureau gives the teacher role back, from the teacher record.
    status, body = put_account("bureau-330200", "t3", {"name": "陈静", "role": "teacher"})
    assert status == 200, body
    restored = stored_account("t3")
    assert (restored.role, restored.school_id, restored.teacher_id) == (Role.TEACHER, "s2", "t3")
    assert restored.region_code == OTHER_COUNTY


def test_an_account_moved_into_another_scope_by_mistake_is_restored_by_its_own_bureau() -> None:
    """An account re-roled into 西湖区 before the fix (written directly) is still reachable by
    the teacher's own bureau (宁波), which restores the teacher role."""
    moved = User(
        user_id="t3",
        role=Role.SCHOOL_ADMIN,
        name="x",
        school_id="s1",
        region_code=COUNTY,
        teacher_id="t3",
    )
    store.batch_write([records.user_item(moved)])
    records.clear_cache()
    status, body = put_account("bureau-330200", "t3", {"name": "陈静", "role": "teacher"})
    assert status == 200, body
    assert stored_account("t3").role == Role.TEACHER
    # A school admin of the teacher's school may restore it too; another school's may not.
    store.batch_write([records.user_item(moved)])
    records.clear_cache()
    status, body = put_account("a-s1", "t3", {"name": "陈静", "role": "teacher"})
    assert (status, body["code"]) == (403, "outside_scope"), body
    status, body = put_account("a-s2", "t3", {"name": "陈静", "role": "teacher"})
    assert status == 200, body


def test_the_teacher_role_is_only_given_back_to_the_login_of_a_teacher_record() -> None:
    status, body = put_account("bureau-330000", "nobody", {"name": "某人", "role": "teacher"})
    assert (status, body["code"]) == (422, "validation_error"), body
    assert stored_account("nobody") is None


# --- scope: no endpoint leaks another region's teachers ------------------------------------


def test_no_endpoint_leaks_another_regions_teachers():
    """Ningbo's teacher t3 (s2) and an imported Ningbo teacher stay invisible to Hangzhou's
    city and county bureaus, to s1's staff and to other teachers, through every GET."""
    _, job = upload("bureau-330000", csv_bytes([row(1, school="s2")]), key="ningbo-job-1")
    ningbo_tid = report("bureau-330000", job["job_id"])[2]["teacher_id"]
    t = records.get_teacher("t3").model_copy(update={"school_id": "gone"})
    store.put_item(records.teacher_item(t))
    check("bureau-330200")
    secrets = {"t3", ningbo_tid, "陈静", "教师1", idno(1, male=False)}
    outsiders = ["bureau-330100", "bureau-330106", "p-s1", "a-s1", "t1"]
    for sub in outsiders:
        responses = [
            api("GET", "/api/records/scope", sub),
            api("GET", "/api/records/schools", sub, query={"region": OTHER_COUNTY}),
            api("GET", "/api/records/schools", sub),
            api("GET", "/api/records/teachers", sub, query={"school_id": "s2"}),
            api("GET", "/api/records/teachers", sub, query={"school_id": "s1"}),
            *(
                api(
                    "GET",
                    f"/api/records/teachers/{tid}",
                    sub,
                    route="/api/records/teachers/{teacher_id}",
                    params={"teacher_id": tid},
                )
                for tid in ("t3", ningbo_tid)
            ),
            api("GET", "/api/records/anomalies", sub),
            api("GET", "/api/records/accounts", sub, query={"region": OTHER_COUNTY}),
            api(
                "GET",
                "/api/records/imports/ningbo-job-1",
                sub,
                route="/api/records/imports/{job_id}",
                params={"job_id": "ningbo-job-1"},
            ),
            api(
                "GET",
                "/api/records/imports/ningbo-job-1/report",
                sub,
                route="/api/records/imports/{job_id}/report",
                params={"job_id": "ningbo-job-1"},
            ),
        ]
        for status, body, _ in responses:
            text = str(body)
            leaked = [s for s in secrets if s in text]
            assert not leaked, (sub, status, leaked, text[:300])
    # and the owners do see them
    assert any(
        t["teacher_id"] == ningbo_tid
        for t in api("GET", "/api/records/teachers", "a-s2", query={"school_id": "s2"})[1][
            "teachers"
        ]
    )
    assert any(a["kind"] == "no_school" for a in anomalies("bureau-330200"))


def test_id_numbers_are_masked_except_for_the_school_admin_and_the_teacher():
    _, job = upload("bureau-330000", csv_bytes([row(1)]))
    tid = report("bureau-330000", job["job_id"])[2]["teacher_id"]
    full = idno(1, male=False)
    seen = {}
    for sub in ("bureau-330000", "bureau-330106", "p-s1", "a-s1", tid):
        if sub == tid:
            store.put_item(records.user_item(records.get_user(tid)))
        status, body, _ = api(
            "GET",
            f"/api/records/teachers/{tid}",
            sub,
            route="/api/records/teachers/{teacher_id}",
            params={"teacher_id": tid},
        )
        assert status == 200, (sub, body)
        seen[sub] = body["id_number"]
    assert seen["a-s1"] == full and seen[tid] == full
    for sub in ("bureau-330000", "bureau-330106", "p-s1"):
        assert seen[sub] == full[:4] + "*" * 10 + full[-4:]


def test_the_check_resumes_from_where_its_time_budget_ran_out_TD_3(monkeypatch):
    from functions.records import service

    monkeypatch.setattr(service, "CHECK_BUDGET_SECONDS", 0.0)
    calls, query = 0, None
    while True:
        status, body, _ = api("POST", "/api/records/anomalies/check", "bureau-330200", query=query)
        assert status == 200, body
        calls += 1
        if body["done"]:
            break
        query = {"start": body["next"]} if body.get("next") else None
    # one call per index segment, then one per Ningbo county
    assert calls == service.INDEX_SEGMENTS + 10
    assert body["checked"] == body["counties"] == 10
    status, body, _ = api(
        "POST", "/api/records/anomalies/check", "bureau-330200", query={"region": "330100"}
    )
    assert status == 403


def test_the_index_step_keeps_each_segment_it_finished_when_cut_off_TD_3(monkeypatch):
    from functions.records import service
    from functions.records import store as records_store

    store.table().delete_item(Key=keys.records_migration())
    real = records_store.index_segment

    def cut_off_at_third(segment: int, total: int) -> int:
        if segment == 2:
            raise TimeoutError("the API's 29 s are up")
        return real(segment, total)

    monkeypatch.setattr(records_store, "index_segment", cut_off_at_third)
    monkeypatch.setattr(service, "CHECK_BUDGET_SECONDS", 3600.0)
    bureau = records.get_user("bureau-330000")
    with pytest.raises(TimeoutError):
        service.run_check(bureau, clock_now())
    # The next call resumes at the segment that was cut off, not at the beginning.
    assert int(records_store.migration_state()["next_segment"]) == 2
