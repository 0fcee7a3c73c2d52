"""Every read of an unmasked ID number is audited: who, whose, when, which page (issue 17,
个人信息保护法). The audit sits in the one resolver every function uses (functions/common/app.py),
so these tests go through the records API, where the school admin and the teacher herself see
the ID number in full and everyone else sees it masked."""

from __future__ import annotations

from typing import Any

import pytest

from functions.common import pi_audit, records, store
from functions.common.clock import now, now_local
from schemas.privacy import mask_id_number
from tests.integration.test_records_api import (  # noqa: F401  (clock: the fixture)
    api,
    clock,
    csv_bytes,
    idno,
    report,
    row,
    upload,
)

pytestmark = pytest.mark.usefixtures("world", "clock")

ROUTE = "/api/records/teachers/{teacher_id}"


def _imported_teacher(seq: int) -> tuple[str, str]:
    _, job = upload("bureau-330000", csv_bytes([row(seq)]))
    tid = report("bureau-330000", job["job_id"])[2]["teacher_id"]
    return tid, idno(seq, male=seq % 2 == 0)


def _get(sub: str, tid: str, page: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"X-Zjt-Page": page} if page is not None else None
    status, body, _ = api(
        "GET", f"/api/records/teachers/{tid}", sub, route=ROUTE, params={"teacher_id": tid},
        headers=headers,
    )  # fmt: skip
    return status, body


def _reads_today() -> list[dict[str, Any]]:
    return list(pi_audit.reads_on(now_local().date().isoformat()))


def test_a_full_id_number_shown_to_the_school_admin_is_audited_with_who_whose_when_and_page():
    tid, full = _imported_teacher(31)
    before = len(_reads_today())
    status, body = _get("a-s1", tid, page="/records/teachers/")
    assert status == 200 and body["id_number"] == full
    reads = _reads_today()
    assert len(reads) == before + 1
    item = reads[-1]
    assert item["reader"] == "a-s1"
    assert item["page"] == "/records/teachers/"
    assert item["route"] == f"GET {ROUTE}"
    assert item["at"] == now().isoformat(timespec="microseconds")
    assert item["subjects"] == [
        {"id_masked": mask_id_number(full), "name": body["name"], "teacher_id": tid}
    ]
    # the audit never holds the full ID number, and it expires after its retention
    assert full not in str(item)
    assert int(item["expires_at"]) > int(now().timestamp()) + 3 * 365 * 86400


def test_the_teachers_own_read_is_audited_too():
    tid, full = _imported_teacher(32)
    store.put_item(records.user_item(records.get_user(tid)))
    status, body = _get(tid, tid, page="/my/")
    assert status == 200 and body["id_number"] == full
    assert any(r["reader"] == tid and r["page"] == "/my/" for r in _reads_today())


def test_a_masked_answer_writes_no_audit_record():
    tid, full = _imported_teacher(33)
    before = len(_reads_today())
    status, body = _get("bureau-330106", tid, page="/records/teachers/")
    assert status == 200 and body["id_number"] == mask_id_number(full)
    assert len(_reads_today()) == before


def test_a_page_header_that_is_not_a_site_path_is_not_stored():
    tid, _ = _imported_teacher(34)
    _get("a-s1", tid, page="javascript:alert(1)")
    assert _reads_today()[-1]["page"] == ""


def test_if_the_audit_cannot_be_written_the_id_number_does_not_leave(monkeypatch):
    tid, full = _imported_teacher(35)

    def refuse(*_: Any, **__: Any) -> None:
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(pi_audit.store, "put_item", refuse)
    status, body = _get("a-s1", tid, page="/records/teachers/")
    assert status == 500
    assert full not in str(body)


def test_the_scan_finds_valid_id_numbers_anywhere_in_a_response():
    full = idno(36)
    body = {"teachers": [{"teacher_id": "t1", "name": "张三", "id_number": full}], "n": 1}
    assert pi_audit.unmasked_id_numbers(body) == [
        pi_audit.Subject(id_masked=mask_id_number(full), name="张三", teacher_id="t1")
    ]
    # masked values, other 18-digit strings and bad check digits are not ID numbers
    bad = full[:17] + ("0" if full[17] != "0" else "1")
    assert pi_audit.unmasked_id_numbers({"a": mask_id_number(full), "b": bad}) == []
